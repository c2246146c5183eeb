import Foundation
import XCTest

/// What a finished `mpirun` (or a directly started harness) printed and how it ended.
struct JobResult {
    /// The exit status, or nil if the process was killed by a signal.
    let status: Int32?
    /// The signal that killed the process, or nil if it exited.
    let signal: Int32?
    let stdout: String
    let stderr: String
    let seconds: Double
    /// When the end was noticed (within 20 ms).
    let ended: Date

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
        try launch(ranks: ranks, arguments, mpirunFlags: mpirunFlags).wait(timeout: timeout)
    }

    /// The harness started directly, as a user starts a 1-rank job without mpirun.
    static func runAlone(_ arguments: [String], timeout: TimeInterval = 30) throws -> JobResult {
        try launchAlone(arguments).wait(timeout: timeout)
    }

    /// Starts `mpirun -np RANKS ddp-harness ARGUMENTS` and returns at once, so a test can signal it.
    static func launch(ranks: Int, _ arguments: [String], mpirunFlags: [String] = []) throws -> RunningJob {
        var flags = mpirunFlags + ["-np", String(ranks)]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { flags.append("--oversubscribe") }
        if getuid() == 0 { flags.append("--allow-run-as-root") }
        return try RunningJob(try mpirun(), flags + [try harness().path] + arguments)
    }

    static func launchAlone(_ arguments: [String]) throws -> RunningJob {
        try RunningJob(try harness(), arguments)
    }
}

/// A started `mpirun` or harness, its output going to temporary files until `wait` collects it.
final class RunningJob {
    private let process = Process()
    private let directory: URL
    private let out: FileHandle, err: FileHandle
    private let started = Date()
    private let commandLine: String

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    fileprivate init(_ executable: URL, _ arguments: [String]) throws {
        commandLine = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: directory.appendingPathComponent("stdout").path, contents: nil),
              FileManager.default.createFile(atPath: directory.appendingPathComponent("stderr").path, contents: nil) else {
            throw JobError(description: "cannot create output files in \(directory.path)")
        }
        out = try FileHandle(forWritingTo: directory.appendingPathComponent("stdout"))
        err = try FileHandle(forWritingTo: directory.appendingPathComponent("stderr"))
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the end; after `timeout` seconds it kills the job and throws.
    func wait(timeout: TimeInterval) throws -> JobResult {
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
        let ended = Date()
        try out.close()
        try err.close()
        let read = { (name: String) in (try? String(contentsOf: self.directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        let result = JobResult(status: process.terminationReason == .exit ? process.terminationStatus : nil,
                               signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
                               stdout: read("stdout"), stderr: read("stderr"),
                               seconds: ended.timeIntervalSince(started), ended: ended)
        if timedOut {
            throw JobError(description: "\(commandLine) did not finish within \(Int(timeout)) s; stderr:\n\(result.stderr)")
        }
        return result
    }
}

private final class BundleLocator {}
