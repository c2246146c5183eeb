import Foundation
import XCTest

/// What a finished `mpirun` (or a directly started harness) printed and how it ended.
struct JobResult {
    let status: Int32
    let stdout: String
    let stderr: String
    let seconds: Double

    /// Lines `PASS <scenario> rank R of N`, one per rank that finished its checks.
    func passLines(_ scenario: String) -> [String] {
        stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("PASS \(scenario) rank ") }
    }
}

struct JobError: Error, CustomStringConvertible {
    let description: String
}

/// Starts the `ddp-harness` binary built next to this test bundle, under a real `mpirun` or alone.
enum MPIJob {
    /// `.build/<config>/ddp-harness`: SwiftPM builds it because DDPTests depends on its target.
    static func harness() throws -> URL {
        #if os(macOS)
        let directory = Bundle(for: BundleLocator.self).bundleURL.deletingLastPathComponent()
        #else
        let directory = Bundle.main.executableURL!.deletingLastPathComponent()
        #endif
        let binary = directory.appendingPathComponent("ddp-harness")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw JobError(description: "ddp-harness is not built at \(binary.path); run `swift build -c release` first")
        }
        return binary
    }

    static func mpirun() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw JobError(description: "mpirun is not on PATH, so the multi-rank tests cannot run: run scripts/setup.sh (it installs openmpi-bin)")
    }

    /// `mpirun -np RANKS ddp-harness ARGUMENTS`, oversubscribed when there are more ranks than cores.
    static func run(ranks: Int, _ arguments: [String], mpirunFlags: [String] = [], timeout: TimeInterval = 60) throws -> JobResult {
        var flags = mpirunFlags + ["-np", String(ranks)]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { flags.append("--oversubscribe") }
        if getuid() == 0 { flags.append("--allow-run-as-root") }
        return try start(try mpirun(), flags + [try harness().path] + arguments, timeout: timeout)
    }

    /// The harness started directly, as a user starts a 1-rank job without mpirun.
    static func runAlone(_ arguments: [String], timeout: TimeInterval = 30) throws -> JobResult {
        try start(try harness(), arguments, timeout: timeout)
    }

    private static func start(_ executable: URL, _ arguments: [String], timeout: TimeInterval) throws -> JobResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: outURL.path, contents: nil),
              FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw JobError(description: "cannot create output files in \(directory.path)")
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let started = Date()
        try process.run()
        while process.isRunning, Date().timeIntervalSince(started) < timeout {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()  // mpirun passes SIGTERM on to its ranks
            let killBy = Date().addingTimeInterval(5)
            while process.isRunning, Date() < killBy { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        try out.close()
        try err.close()
        let result = JobResult(status: process.terminationStatus,
                               stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                               stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                               seconds: seconds)
        if timedOut {
            throw JobError(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s; stderr:\n\(result.stderr)")
        }
        return result
    }
}

private final class BundleLocator {}
