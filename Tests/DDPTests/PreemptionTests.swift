import DDP
import XCTest

/// Pre-emption under a real mpirun (and alone): `ddp-harness stop-loop` runs 50 ms steps, the test
/// signals the job about a second in, and checks from the files the ranks leave (see
/// Tests/DDPHarness/StopLoop.swift) that every rank stopped after the same step, that rank 0 wrote
/// the checkpoint of that step before anyone left, how the job ended, and that no rank is left.
final class PreemptionTests: XCTestCase {
    /// Ctrl-C or `kill` on mpirun: Open MPI 4.1.4's mpirun sends the ranks SIGCONT, SIGTERM a second
    /// later, SIGKILL another second later, and exits 1 whatever the ranks do. A second is enough
    /// for this step and checkpoint; MPI_Finalize does not finish while mpirun is tearing the job
    /// down, so the ranks die in it, after the checkpoint (docs/distributed.md).
    func testSigtermToMpirunStopsEveryRankAfterTheSameStep() throws {
        let run = try StopLoopRun(ranks: 2, stepMilliseconds: 50)
        let signalled = run.signalAfterASecond { job, _ in job.signal(SIGTERM) }
        let result = try run.wait()
        XCTAssertEqual(result.status, 1, "Open MPI's mpirun exits 1 when it is itself signalled:\n\(result.stderr)")
        XCTAssertLessThan(result.ended.timeIntervalSince(signalled), 5, "the job should end within seconds")
        let step = try run.expectStoppedTogether(agreed: "SIGTERM", locals: ["SIGTERM", "SIGTERM"], stderr: result.stderr)
        XCTAssertEqual(result.stderr.components(separatedBy: "v1t-dist: SIGTERM received: stopping after this step").count - 1, 1,
                       "rank 0 announces the signal once:\n\(result.stderr)")
        XCTAssertGreaterThan(step, 5, "the job should have run about a second before the signal")
        try run.expectNoRankLeft()
    }

    /// SIGUSR1 to mpirun is forwarded to every rank at once and kills nothing: the clean way to
    /// stop an mpirun job. Every rank leaves after the checkpoint and mpirun exits 128 + SIGUSR1.
    func testSigusr1ToMpirunIsForwardedAndEveryRankExitsCleanly() throws {
        let run = try StopLoopRun(ranks: 3, stepMilliseconds: 50)
        let signalled = run.signalAfterASecond { job, _ in job.signal(SIGUSR1) }
        let result = try run.wait()
        XCTAssertEqual(result.status, 128 + SIGUSR1, result.stderr)
        XCTAssertLessThan(result.ended.timeIntervalSince(signalled), 5)
        XCTAssertTrue(result.stderr.contains("mpirun: Forwarding signal \(SIGUSR1) to job"), result.stderr)
        _ = try run.expectStoppedTogether(agreed: "SIGUSR1", locals: Array(repeating: "SIGUSR1", count: 3), stderr: result.stderr)
        try run.expectEveryRankLeftAfterTheCheckpoint()
        try run.expectNoRankLeft()
    }

    /// A signal that reaches one rank only (a scheduler signalling processes one by one, a person
    /// with `kill`): the allreduce in shouldStop makes the other ranks stop after the same step.
    func testSigtermToOneRankStopsTheWholeJob() throws {
        let run = try StopLoopRun(ranks: 3, stepMilliseconds: 50)
        let signalled = run.signalAfterASecond { _, rankPIDs in kill(rankPIDs[1], SIGTERM) }
        let result = try run.wait()
        XCTAssertEqual(result.status, 143, result.stderr)
        XCTAssertLessThan(result.ended.timeIntervalSince(signalled), 5)
        _ = try run.expectStoppedTogether(agreed: "SIGTERM", locals: ["none", "SIGTERM", "none"], stderr: result.stderr)
        try run.expectEveryRankLeftAfterTheCheckpoint()
        try run.expectNoRankLeft()
    }

    func testInterruptWithoutMpirunStopsAfterTheStep() throws {
        let run = try StopLoopRun(ranks: nil, stepMilliseconds: 50)
        let signalled = run.signalAfterASecond { job, _ in job.signal(SIGINT) }
        let result = try run.wait()
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertLessThan(result.ended.timeIntervalSince(signalled), 3)
        _ = try run.expectStoppedTogether(agreed: "SIGINT", locals: ["SIGINT"], stderr: result.stderr)
        XCTAssertTrue(result.stderr.contains("v1t-dist: SIGINT received: stopping after this step, once a checkpoint is written (interrupt again to stop at once)\n"),
                      result.stderr)
        try run.expectEveryRankLeftAfterTheCheckpoint()
    }

    /// Steps of 2 s: the second Ctrl-C must not wait for the step to end.
    func testSecondInterruptStopsAtOnceWithoutACheckpoint() throws {
        let run = try StopLoopRun(ranks: nil, stepMilliseconds: 2000)
        var secondInterrupt = Date()
        _ = run.signalAfterASecond { job, _ in
            job.signal(SIGINT)
            Thread.sleep(forTimeInterval: 0.3)
            secondInterrupt = Date()
            job.signal(SIGINT)
        }
        let result = try run.wait()
        XCTAssertEqual(result.signal, SIGINT, "the process should die of SIGINT, as a shell expects; status \(String(describing: result.status))")
        XCTAssertLessThan(result.ended.timeIntervalSince(secondInterrupt), 1)
        XCTAssertTrue(result.stderr.contains("v1t-dist: second interrupt: stopping now, without writing a checkpoint\n"), result.stderr)
        XCTAssertEqual(try run.files(prefix: "checkpoint"), [])
        XCTAssertEqual(try run.files(prefix: "rank-0.stopped"), [])
    }
}

/// One `ddp-harness stop-loop` job in a fresh directory.
private final class StopLoopRun {
    let directory: URL
    let ranks: Int
    let job: RunningJob
    private(set) var rankPIDs: [Int32] = []

    /// `ranks` nil: the harness alone, a 1-rank job without mpirun.
    init(ranks: Int?, stepMilliseconds: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-stop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.ranks = ranks ?? 1
        // 600 steps: a stop request that never arrives ends the loop, and the test, within a minute.
        let arguments = ["stop-loop", directory.path, String(stepMilliseconds), "600"]
        job = try ranks.map { try MPIJob.launch(ranks: $0, arguments) } ?? MPIJob.launchAlone(arguments)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Waits until every rank has done a step, a second more, then runs `send`; returns when it did.
    func signalAfterASecond(_ send: (RunningJob, [Int32]) -> Void) -> Date {
        let deadline = Date().addingTimeInterval(30)
        while rankPIDs.count < ranks, job.isRunning, Date() < deadline {
            rankPIDs = (0..<ranks).compactMap { rank in
                (try? String(contentsOf: directory.appendingPathComponent("rank-\(rank).pid"), encoding: .utf8))
                    .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Thread.sleep(forTimeInterval: 1)
        send(job, rankPIDs)
        return Date()
    }

    func wait() throws -> JobResult {
        let result = try job.wait(timeout: 60)
        XCTAssertEqual(rankPIDs.count, ranks, "not every rank started its loop:\n\(result.stderr)")
        return result
    }

    func files(prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(prefix) }.sorted()
    }

    private func read(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every rank reported the same step and agreed signal, with its own local signal; the only
    /// checkpoint is that step's; rank 0 said so once on stderr. Returns the step.
    func expectStoppedTogether(agreed: String, locals: [String], stderr: String,
                               file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var steps: Set<Int> = []
        let status = 128 + Int(["SIGTERM": SIGTERM, "SIGINT": SIGINT, "SIGUSR1": SIGUSR1, "SIGUSR2": SIGUSR2][agreed]!)
        for rank in 0..<ranks {
            let fields = try read("rank-\(rank).stopped").split(separator: " ").map(String.init)
            XCTAssertEqual(fields.count, 8, "rank \(rank): \(fields)", file: file, line: line)
            guard fields.count == 8, let step = Int(fields[1]) else { continue }
            steps.insert(step)
            XCTAssertEqual(fields[3], agreed, "rank \(rank) agreed on the wrong signal", file: file, line: line)
            XCTAssertEqual(fields[5], locals[rank], "rank \(rank) received another signal", file: file, line: line)
            XCTAssertEqual(fields[7].trimmingCharacters(in: .newlines), String(status), "rank \(rank) exit status", file: file, line: line)
        }
        XCTAssertEqual(steps.count, 1, "ranks stopped after different steps: \(steps.sorted())", file: file, line: line)
        let step = steps.first ?? -1
        XCTAssertEqual(try files(prefix: "checkpoint"), ["checkpoint-step-\(step)"], file: file, line: line)
        XCTAssertEqual(try files(prefix: ".checkpoint"), [], "a partial checkpoint was left", file: file, line: line)
        XCTAssertEqual(stderr.components(separatedBy: "v1t-dist: stopped by \(agreed): checkpoint of step \(step) written (exit status \(status))\n").count - 1,
                       1, stderr, file: file, line: line)
        return step
    }

    /// Each rank's atexit handler saw rank 0's checkpoint: StopRequest.exit waited for it.
    ///
    /// Once the first rank has exited with 128 + signal, mpirun may kill the others before their exit
    /// handler runs, so a rank may leave no report; every report written must say the checkpoint was
    /// there, and at least one rank (the first to leave) must have written one.
    func expectEveryRankLeftAfterTheCheckpoint(file: StaticString = #filePath, line: UInt = #line) throws {
        let reports = try files(prefix: "rank-").filter { $0.hasSuffix(".exited") }
        XCTAssertFalse(reports.isEmpty, "no rank wrote its exit report", file: file, line: line)
        for report in reports {
            XCTAssertEqual(try read(report), "checkpoint present\n", report, file: file, line: line)
        }
    }

    /// No rank process is still running (a zombie is a process that has ended). Ranks whose
    /// mpirun was signalled may take a moment longer than mpirun itself.
    func expectNoRankLeft(file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(3)
        var alive = rankPIDs
        while !alive.isEmpty, Date() < deadline {
            alive = alive.filter(isRunning)
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(alive, [], "rank processes still running after the job ended", file: file, line: line)
    }

    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return kill(pid, 0) == 0  // no /proc (macOS): a zombie counts as running here
        }
        // Fields after the parenthesised command name: state first.
        guard let afterName = stat.range(of: ") ", options: .backwards) else { return true }
        return stat[afterName.upperBound] != "Z"
    }
}
