import Foundation
import XCTest
@testable import Training

/// `v1t-dist train` and `evaluate` under a real `mpirun -np 1|2|3`: the number of ranks and the
/// micro-batch size change who computes which trial and how the per-trial gradients are grouped
/// before they are added up, never which trials a step uses or their random streams (keyed by
/// seed, step and trial). So every run here must end with the same parameters.
///
/// Tolerance: only the order of float additions differs (within a micro-batch, across
/// micro-batches, across ranks in the allreduce), each rounding at 2^-24 relative; two epochs of
/// AdamW carry that along without amplifying it much (measured: about 4e-8 of the parameter
/// scale). A real difference in the work, such as one trial missed or counted twice, a share
/// scaled by its own size instead of the global batch, or a wrong random stream, moves parameters
/// by about one learning rate (1.6e-3, 6e-4 of this model's parameter scale) in the first step.
/// 1e-4 lies between the two; `testToleranceSeesAChangedGlobalBatch` checks the upper side.
final class DataParallelTrainingTests: XCTestCase {
    static let tolerance = 1e-4

    /// Two recordings of different sizes (66 and 35 training trials): each step takes 8 trials of
    /// each, so the smaller one cycles, and the last batch of an epoch (2 trials) leaves one of 3
    /// ranks with nothing to do. The tiny model keeps dropout on, so random streams matter.
    private final class Fixture {
        let directory: URL
        let recordings: [String]
        let reference: String

        init() throws {
            directory = try CommandRunner.scratchDirectory()
            recordings = [directory.appendingPathComponent("a.h5").path, directory.appendingPathComponent("b.h5").path]
            try CommandRunner.run(["simulate", "--out", recordings[0], "--neurons", "12", "--images", "12", "--repeats", "6", "--seed", "3"])
            try CommandRunner.run(["simulate", "--out", recordings[1], "--neurons", "9", "--images", "8", "--repeats", "5", "--seed", "4"])
            reference = directory.appendingPathComponent("reference").path
            try MPIRunner.run(ranks: 1, train(reference))
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        func train(_ run: String, epochs: Int = 2, batchSize: Int = 8) -> [String] {
            ["train", "--data"] + recordings + ["--output-dir", run, "--epochs", String(epochs), "--batch-size", String(batchSize)]
                + TrainingRunTests.tinyModel
        }
    }

    private static var shared: Fixture?

    private func fixture() throws -> Fixture {
        if let fixture = Self.shared { return fixture }
        let fixture = try Fixture()
        Self.shared = fixture
        return fixture
    }

    override class func tearDown() {
        if let directory = shared?.directory { try? FileManager.default.removeItem(at: directory) }
        shared = nil
        super.tearDown()
    }

    private func trainLosses(_ run: String) throws -> [Double] {
        let url = RunDirectory(run).metrics
        return try EpochMetrics.parse(csv: String(contentsOf: url, encoding: .utf8), source: url.path).map(\.trainLoss)
    }

    private func log(_ run: String) throws -> String {
        try String(contentsOf: RunDirectory(run).log, encoding: .utf8)
    }

    private func expectSameTraining(_ run: String, as reference: String, _ label: String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let distance = try ParameterDistance(reference, run)
        XCTAssertLessThan(distance.relative, Self.tolerance, "\(label): \(distance)", file: file, line: line)
        let losses = try trainLosses(run), expected = try trainLosses(reference)
        XCTAssertEqual(losses.count, expected.count, "\(label): epochs in metrics.csv", file: file, line: line)
        for (loss, reference) in zip(losses, expected) {
            XCTAssertEqual(loss, reference, accuracy: 1e-6 * abs(reference), "\(label): training loss", file: file, line: line)
        }
    }

    func testParametersDoNotDependOnRanksOrMicroBatchSize() throws {
        let fixture = try fixture()
        for (ranks, microBatch) in [(2, "auto"), (3, "auto"), (1, "1"), (1, "3"), (2, "1"), (3, "3")] {
            let run = fixture.path("ranks\(ranks)-micro\(microBatch)")
            try MPIRunner.run(ranks: ranks, fixture.train(run) + ["--micro-batch-size", microBatch])
            // Each rank's share of a step is at most ceil(8 / ranks) trials; auto takes all of it.
            let share = (8 + ranks - 1) / ranks
            let expected = microBatch == "auto" ? share : min(Int(microBatch)!, share)
            let text = try log(run)
            XCTAssertTrue(text.hasPrefix("micro-batch \(expected) "), "\(run): \(text)")
            try expectSameTraining(run, as: fixture.reference, "\(ranks) rank(s), --micro-batch-size \(microBatch)")
        }
    }

    func testToleranceSeesAChangedGlobalBatch() throws {
        let fixture = try fixture()
        let run = fixture.path("batch7")
        try MPIRunner.run(ranks: 1, fixture.train(run, batchSize: 7))
        let distance = try ParameterDistance(fixture.reference, run)
        XCTAssertGreaterThan(distance.relative, 10 * Self.tolerance, "a global batch of 7 instead of 8 should train differently: \(distance)")
    }

    /// 1 x 89 KiB of activations + 89 KiB fixed fit in 200 KiB; 2 trials do not.
    func testSmallMemoryBudgetGivesMicroBatchesOfOneAndTheSameParameters() throws {
        let fixture = try fixture()
        let run = fixture.path("small-budget")
        try MPIRunner.run(ranks: 2, fixture.train(run) + ["--memory-per-rank", "200K"])
        let firstLine = try log(run).split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(firstLine.hasPrefix("micro-batch 1: 1 x "), firstLine)
        XCTAssertTrue(firstLine.hasSuffix("fits in 200 KiB budget (set by --memory-per-rank 200K)"), firstLine)
        try expectSameTraining(run, as: fixture.reference, "2 ranks, --memory-per-rank 200K")
    }

    /// Evaluation cuts each tier into micro-batches that do not depend on the number of ranks
    /// (a trial's prediction can change in the last bit with its micro-batch's company), gives
    /// each rank whole micro-batches, and assembles the predictions with an allreduce of
    /// zero-padded rows (adding zeros is exact): the scores are the same numbers, bit for bit.
    /// Recording b's tiers of 5 trials gave 2 ranks shares of 3 and 2 trials before that was so.
    func testEvaluateOnSeveralRanksWritesTheSameScoresAsOneRank() throws {
        let fixture = try fixture()
        let run = fixture.path("evaluated")
        try FileManager.default.copyItem(atPath: fixture.reference, toPath: run)
        for (ranks, microBatch) in [(2, "32"), (3, "2")] {
            let evaluation = RunDirectory(run).evaluation
            try? FileManager.default.removeItem(at: evaluation)
            try MPIRunner.run(ranks: 1, ["evaluate", run, "--micro-batch-size", microBatch])
            let single = try JSONSerialization.jsonObject(with: Data(contentsOf: evaluation))
            try FileManager.default.removeItem(at: evaluation)
            try MPIRunner.run(ranks: ranks, ["evaluate", run, "--micro-batch-size", microBatch])
            let distributed = try JSONSerialization.jsonObject(with: Data(contentsOf: evaluation))
            var compared = 0
            expectSameJSON(distributed, single, at: "\(ranks) ranks, micro-batch \(microBatch): evaluation.json", compared: &compared)
            XCTAssertGreaterThan(compared, 20, "too few numbers compared: is evaluation.json empty?")
        }
    }

    private func expectSameJSON(_ value: Any, _ reference: Any, at path: String, compared: inout Int) {
        switch (value, reference) {
        case let (object as [String: Any], expected as [String: Any]):
            XCTAssertEqual(Set(object.keys), Set(expected.keys), path)
            for (key, item) in expected { if let other = object[key] { expectSameJSON(other, item, at: "\(path).\(key)", compared: &compared) } }
        case let (array as [Any], expected as [Any]):
            XCTAssertEqual(array.count, expected.count, path)
            for (index, (item, other)) in zip(expected, array).enumerated() { expectSameJSON(other, item, at: "\(path)[\(index)]", compared: &compared) }
        case let (number as NSNumber, expected as NSNumber):
            XCTAssertEqual(number.doubleValue, expected.doubleValue, path)
            compared += 1
        default:
            XCTAssertEqual("\(value)", "\(reference)", path)
        }
    }

    /// A run started on 1 rank continues on 2, and one started on 2 continues on 1 (without
    /// mpirun, as a singleton), both ending where the uninterrupted run ends.
    func testResumeOnAnotherNumberOfRanksContinuesTheRun() throws {
        let fixture = try fixture()
        let grown = fixture.path("one-then-two")
        try CommandRunner.run(fixture.train(grown, epochs: 1))
        try MPIRunner.run(ranks: 2, fixture.train(grown) + ["--resume"])
        try expectSameTraining(grown, as: fixture.reference, "1 rank, then 2 ranks with --resume")

        let shrunk = fixture.path("two-then-one")
        try MPIRunner.run(ranks: 2, fixture.train(shrunk, epochs: 1))
        try CommandRunner.run(fixture.train(shrunk) + ["--resume"])
        try expectSameTraining(shrunk, as: fixture.reference, "2 ranks, then 1 rank with --resume")
    }
}
