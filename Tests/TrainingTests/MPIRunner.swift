import Foundation
import XCTest

/// Starts the `v1t-dist` binary built next to the test bundle under a real `mpirun -np N`, as a
/// user does, with one OpenBLAS thread per rank. Output goes to files (not pipes, which a chatty
/// job could fill while nobody reads them) and is read back when the job ends.
enum MPIRunner {
    static func mpirun() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw RunnerError(description: "mpirun is not on PATH, so the data-parallel tests cannot run: run scripts/setup.sh (it installs openmpi-bin)")
    }

    /// `mpirun -np RANKS v1t-dist ARGUMENTS`, started; returns at once (to signal it, say).
    static func launch(ranks: Int, _ arguments: [String]) throws -> LaunchedJob {
        var flags = ["-np", String(ranks), "-x", "OPENBLAS_NUM_THREADS=1"]
        if ranks > ProcessInfo.processInfo.activeProcessorCount { flags.append("--oversubscribe") }
        if getuid() == 0 { flags.append("--allow-run-as-root") }
        return try LaunchedJob(try mpirun(), flags + [CommandRunner.binary.path] + arguments)
    }

    /// Runs the job to its end; with `expectSuccess`, a non-zero status fails the calling test.
    @discardableResult
    static func run(ranks: Int, _ arguments: [String], expectSuccess: Bool = true, timeout: TimeInterval = 60,
                    file: StaticString = #filePath, line: UInt = #line) throws -> JobOutcome {
        let outcome = try launch(ranks: ranks, arguments).wait(timeout: timeout)
        if expectSuccess {
            XCTAssertEqual(outcome.status, 0, "mpirun -np \(ranks) v1t-dist \(arguments.joined(separator: " ")) failed:\n\(outcome.output)",
                           file: file, line: line)
        }
        return outcome
    }
}

struct RunnerError: Error, CustomStringConvertible {
    let description: String
}

/// How a job ended: its exit status (nil if a signal killed it) and everything it printed.
struct JobOutcome {
    let status: Int32?
    let output: String
}

/// A started `mpirun` job.
final class LaunchedJob {
    private let process = Process()
    private let outputFile: URL
    private let started = Date()
    private let commandLine: String

    var isRunning: Bool { process.isRunning }

    fileprivate init(_ executable: URL, _ arguments: [String]) throws {
        commandLine = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("vita-job-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil) else {
            throw RunnerError(description: "cannot create \(outputFile.path)")
        }
        let output = try FileHandle(forWritingTo: outputFile)
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
    }

    deinit { try? FileManager.default.removeItem(at: outputFile) }

    /// The rank processes: mpirun's children running `v1t-dist` (mpirun forks the ranks of its
    /// own node itself). Read from /proc, so Linux only, like the machines this project targets.
    func rankPIDs() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let nameEnd = stat.range(of: ") ", options: .backwards) else { return false }
            // After the name: state, then the parent's pid.
            let fields = stat[nameEnd.upperBound...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == process.processIdentifier && stat.contains("(v1t-dist)")
        }.sorted()
    }

    /// Waits for the end; after `timeout` seconds it ends the job and throws.
    func wait(timeout: TimeInterval) throws -> JobOutcome {
        while process.isRunning, Date().timeIntervalSince(started) < timeout {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let timedOut = process.isRunning
        if timedOut {
            process.terminate()  // mpirun ends its ranks (SIGTERM, then SIGKILL)
            let killBy = Date().addingTimeInterval(5)
            while process.isRunning, Date() < killBy { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        if timedOut { throw RunnerError(description: "\(commandLine) did not finish within \(Int(timeout)) s:\n\(output)") }
        return JobOutcome(status: process.terminationReason == .exit ? process.terminationStatus : nil, output: output)
    }
}
