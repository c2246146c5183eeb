import Foundation
import XCTest
@testable import Training

/// A 2-rank `v1t-dist train` stopped by SIGTERM in the middle of an epoch, as a scheduler stops
/// a job (SIGTERM to every task), then continued with `--resume`.
final class PreemptedTrainingTests: ScratchDirectoryTestCase {
    private func metrics(_ run: String) throws -> [EpochMetrics] {
        let url = RunDirectory(run).metrics
        return try EpochMetrics.parse(csv: String(contentsOf: url, encoding: .utf8), source: url.path)
    }

    /// The demo model on 160 training trials in steps of 8: 20 steps, long enough (about a second
    /// per epoch on 2 cores) that a signal sent when epoch 1's checkpoint appears lands early in
    /// epoch 2, far from its end.
    func testSigtermMidEpochWritesACheckpointAndResumeFinishesTheRun() throws {
        let data = path("session.h5")
        try CommandRunner.run(["simulate", "--out", data, "--neurons", "20", "--images", "30", "--repeats", "8", "--seed", "9"])
        func train(_ run: String) -> [String] {
            ["train", "--data", data, "--output-dir", run, "--epochs", "2", "--batch-size", "8", "--limit-data", "160",
             "--preset", "demo", "--verbose", "0"]
        }
        let straight = path("straight"), stopped = path("stopped")
        try MPIRunner.run(ranks: 2, train(straight))

        let job = try MPIRunner.launch(ranks: 2, train(stopped))
        let state = RunDirectory(stopped).state
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: state.path), job.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let ranks = job.rankPIDs()
        XCTAssertEqual(ranks.count, 2, "expected 2 rank processes under mpirun")
        for rank in ranks { kill(rank, SIGTERM) }
        let outcome = try job.wait(timeout: 60)

        XCTAssertEqual(outcome.status, 143, "a job stopped by SIGTERM exits 128 + 15 (docs/distributed.md):\n\(outcome.output)")
        XCTAssertTrue(outcome.output.contains("v1t-dist: stopped by SIGTERM: checkpoint written to \(stopped); continue with --resume (exit status 143)"),
                      outcome.output)
        let checkpoint = try RunDirectory(stopped).readJSON(TrainingState.self, from: state)
        XCTAssertEqual(checkpoint.epoch, 2, "the signal should reach the job in epoch 2")
        XCTAssertTrue((1..<20).contains(checkpoint.stepsDoneInEpoch), "stopped after step \(checkpoint.stepsDoneInEpoch) of 20: not mid-epoch")
        XCTAssertEqual(checkpoint.epochTrials, Double(8 * checkpoint.stepsDoneInEpoch))
        XCTAssertEqual(try metrics(stopped).count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: RunDirectory(stopped).evaluation.path), "a stopped run is not evaluated")

        try MPIRunner.run(ranks: 2, train(stopped) + ["--resume"])
        // Same ranks, same micro-batches: the resumed run must be bit for bit the uninterrupted one.
        XCTAssertEqual(try Data(contentsOf: RunDirectory(stopped).lastCheckpoint),
                       try Data(contentsOf: RunDirectory(straight).lastCheckpoint))
        let resumed = try metrics(stopped), expected = try metrics(straight)
        XCTAssertEqual(resumed.map(\.trainLoss), expected.map(\.trainLoss))
        XCTAssertEqual(resumed.map(\.validationCorrelation), expected.map(\.validationCorrelation))
        // The resumed epoch's throughput counts only the steps run after the resume.
        let trialsAfterResume = Double(8 * (20 - checkpoint.stepsDoneInEpoch))
        XCTAssertEqual(resumed[1].samplesPerSecond * resumed[1].seconds, trialsAfterResume, accuracy: 1e-6 * trialsAfterResume)
        XCTAssertTrue(FileManager.default.fileExists(atPath: RunDirectory(stopped).evaluation.path))
    }
}
