import Foundation

/// This process's resident memory as Linux reports it in /proc/self.
enum ProcessMemory {
    /// The peak resident set size (VmHWM in /proc/self/status), or nil where there is no such file.
    static func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:     123456 kB"
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// Resets the peak to the current resident size (writing 5 to /proc/self/clear_refs, Linux 4.0
    /// and later), so that VmHWM measures what follows. False when the kernel does not allow it.
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch {
            return false
        }
    }
}
