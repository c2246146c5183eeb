import Foundation
import V1TModel
import XCTest
@testable import Training

/// `--pretrain-core RUN` keeps the core frozen (no updates, no core L1), `--init-core-from RUN`
/// only starts from it; the run records which.
final class PretrainedCoreTests: ScratchDirectoryTestCase {
    private func tensors(_ file: URL, prefix: String) throws -> [String: [Float]] {
        let decoded = try SafeTensors.decode(Data(contentsOf: file), path: file.path).tensors.filter { $0.name.hasPrefix(prefix) }
        return Dictionary(uniqueKeysWithValues: decoded.map { ($0.name, $0.values) })
    }

    private func metrics(_ run: String) throws -> [EpochMetrics] {
        let url = RunDirectory(run).metrics
        return try EpochMetrics.parse(csv: String(contentsOf: url, encoding: .utf8), source: url.path)
    }

    func testPretrainedCoreStaysFrozenAndInitOnlyTrainsOn() throws {
        try CommandRunner.run(["simulate", "--out", path("a.h5"), "--neurons", "10", "--images", "10", "--repeats", "6", "--seed", "3"])
        try CommandRunner.run(["simulate", "--out", path("b.h5"), "--neurons", "12", "--images", "10", "--repeats", "6", "--seed", "4"])
        let common = ["--epochs", "2", "--batch-size", "8", "--lr", "0.01", "--behavior-mode", "0", "--shift-mode", "0"] + TrainingRunTests.tinyModel
        try CommandRunner.run(["train", "--data", path("a.h5"), "--output-dir", path("source")] + common)
        let sourceCore = try tensors(RunDirectory(path("source")).bestParameters, prefix: "core.")
        XCTAssertFalse(sourceCore.isEmpty)

        try CommandRunner.run(["train", "--data", path("b.h5"), "--output-dir", path("frozen"), "--pretrain_core", path("source")] + common)
        let frozen = RunDirectory(path("frozen"))
        XCTAssertEqual(try tensors(frozen.lastCheckpoint, prefix: "core."), sourceCore, "a --pretrain-core core must not change")
        let rows = try metrics(path("frozen"))
        XCTAssertEqual(rows.map(\.corePenalty), [0, 0], "a frozen core is not penalised")
        XCTAssertEqual(rows.map(\.coreLearningRate), [0, 0])
        XCTAssertGreaterThan(try XCTUnwrap(rows.first?.readoutPenalty), 0)
        let configuration = try frozen.loadConfiguration()
        XCTAssertEqual(configuration.pretrainedCore, .init(source: path("source"), frozen: true))

        try CommandRunner.run(["train", "--data", path("b.h5"), "--output-dir", path("initialised"), "--init-core-from", path("source")] + common)
        let trained = try tensors(RunDirectory(path("initialised")).lastCheckpoint, prefix: "core.")
        XCTAssertNotEqual(trained, sourceCore, "an --init-core-from core trains on")
        XCTAssertGreaterThan(try XCTUnwrap(metrics(path("initialised")).first?.corePenalty), 0)

        let both = try CommandRunner.run(["train", "--data", path("b.h5"), "--output-dir", path("both"), "--pretrain-core", path("source"),
                                          "--init-core-from", path("source")] + common, expectSuccess: false)
        XCTAssertTrue(both.output.contains("contradict each other"), both.output)
        let nothing = try CommandRunner.run(["train", "--data", path("b.h5"), "--output-dir", path("none"), "--pretrain-core", path("absent")] + common,
                                            expectSuccess: false)
        XCTAssertTrue(nothing.output.contains("--pretrain-core: \(path("absent"))/best.safetensors is missing"), nothing.output)
    }
}
