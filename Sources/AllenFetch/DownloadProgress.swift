import Foundation

/// Reports a download's progress on stderr: bytes so far, rate and time left.
///
/// On a terminal one line is redrawn a few times a second; in a log (stderr not a terminal) a line is
/// printed every `logInterval` seconds, so batch jobs show progress without flooding their logs.
public final class DownloadProgress {
    private let label: String
    private let interactive: Bool
    private let logInterval: TimeInterval
    private var total: Int64?
    private var startBytes: Int64 = 0
    private var bytes: Int64 = 0
    private var startTime = Date()
    private var lastReport = Date.distantPast
    private let write: (String) -> Void

    /// - Parameter write: where lines go (stderr by default; tests capture them).
    public init(label: String, interactive: Bool = isatty(2) != 0, logInterval: TimeInterval = 10,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.interactive = interactive
        self.logInterval = logInterval
        self.write = write
    }

    func start(resumingAt offset: Int64, total: Int64?) {
        self.total = total
        startBytes = offset
        bytes = offset
        startTime = Date()
        lastReport = .distantPast
        if offset > 0 { write("\(label): resuming at \(Self.format(bytes: offset))\n") }
    }

    func advance(to bytes: Int64) {
        self.bytes = bytes
        let now = Date()
        if now.timeIntervalSince(lastReport) >= (interactive ? 0.25 : logInterval) {
            lastReport = now
            write((interactive ? "\r" : "") + line(now: now) + (interactive ? "\u{1B}[K" : "\n"))
        }
    }

    func finish() {
        write((interactive ? "\r" : "") + line(now: Date()) + (interactive ? "\u{1B}[K\n" : "\n"))
    }

    /// e.g. `501559087.nwb  120.3 MB / 310.0 MB  (38.8%)  11.2 MB/s  ETA 0:17`
    func line(now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(startTime), 1e-3)
        let rate = Double(bytes - startBytes) / elapsed
        var text = "\(label)  \(Self.format(bytes: bytes))"
        if let total, total > 0 {
            text += String(format: " / %@  (%.1f%%)", Self.format(bytes: total), 100 * Double(bytes) / Double(total))
        }
        text += "  \(Self.format(bytes: Int64(rate)))/s"
        if let total, rate > 0, total >= bytes {
            text += "  ETA \(Self.format(seconds: Double(total - bytes) / rate))"
        }
        return text
    }

    static func format(bytes: Int64) -> String {
        let value = Double(bytes)
        switch value {
        case ..<1e3: return "\(bytes) B"
        case ..<1e6: return String(format: "%.1f kB", value / 1e3)
        case ..<1e9: return String(format: "%.1f MB", value / 1e6)
        default: return String(format: "%.2f GB", value / 1e9)
        }
    }

    static func format(seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
