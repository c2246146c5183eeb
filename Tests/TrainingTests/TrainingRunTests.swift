import Foundation
import XCTest
@testable import Training
import V1TModel

/// End-to-end runs of `v1t-dist train` on small simulated recordings.
final class TrainingRunTests: ScratchDirectoryTestCase {
    /// A small model: 36x64 input, 8x8 patches with stride 8 (4x8 grid), width 16, one block.
    static let tinyModel = ["--preset", "demo", "--core", "vit", "--patch-stride", "8", "--emb-dim", "16", "--num-blocks", "1",
                            "--num-heads", "2", "--mlp-dim", "32", "--verbose", "0"]


    private func simulate(_ name: String, arguments: [String]) throws -> String {
        try CommandRunner.run(["simulate", "--out", path(name)] + arguments)
        return path(name)
    }

    private func metrics(_ run: String) throws -> [EpochMetrics] {
        let url = RunDirectory(run).metrics
        return try EpochMetrics.parse(csv: String(contentsOf: url, encoding: .utf8), source: url.path)
    }

    func testSameSeedGivesBitIdenticalParametersAndACompleteRunDirectory() throws {
        let data = try simulate("tiny.h5", arguments: ["--neurons", "10", "--images", "10", "--repeats", "8", "--seed", "3"])
        let arguments = ["train", "--data", data, "--epochs", "12", "--batch-size", "8", "--lr", "0.01",
                         "--behavior-mode", "0", "--shift-mode", "0", "--t-dropout", "0", "--p-dropout", "0"] + Self.tinyModel
        try CommandRunner.run(arguments + ["--output-dir", path("a")])
        try CommandRunner.run(arguments + ["--output-dir", path("b")])
        let rows = try metrics(path("a"))
        XCTAssertEqual(rows.count, 12)
        XCTAssertLessThan(rows.last!.trainLoss, rows.first!.trainLoss, "training loss should fall: \(rows.map(\.trainLoss))")
        let first = try Data(contentsOf: RunDirectory(path("a")).lastCheckpoint)
        let second = try Data(contentsOf: RunDirectory(path("b")).lastCheckpoint)
        XCTAssertEqual(first, second, "the same seed must give bit-identical parameters")
        for file in ["config.json", "best.safetensors", "state.json", "evaluation.json", "evaluation_neurons.csv", "log.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("a/\(file)")), "\(file) missing from the run directory")
        }
        let log = try String(contentsOfFile: path("a/log.txt"), encoding: .utf8)
        XCTAssertTrue(log.contains("OpenBLAS kernel "), "the log (and --verbose 2) names the BLAS kernel:\n\(log)")
        XCTAssertTrue(log.contains("layer kernels (softmax, GELU, LayerNorm, dropout): \(VectorKernels.inUse.description)"), log)
        let record = try RunDirectory(path("a")).loadConfiguration().record
        XCTAssertEqual(record?.layerKernels, VectorKernels.inUse, "config.json records the layer kernels")
        // The test process does not restart itself; the program does when the library's choice is slower.
        var expected = BLASKernel.current.name
        if case .restart(let kernel, _) = BLASKernel.decide(libraryKernel: expected, libraryConfiguration: BLASKernel.current.configuration,
                                                            features: CPUCore.current.features,
                                                            environment: ProcessInfo.processInfo.environment) {
            expected = kernel
        }
        XCTAssertEqual(record?.blasKernel.name, expected, "and the BLAS kernel")
    }

    func testResumeContinuesExactly() throws {
        let data = try simulate("resume.h5", arguments: ["--neurons", "8", "--images", "8", "--repeats", "6", "--seed", "5"])
        let arguments = ["train", "--data", data, "--batch-size", "8", "--behavior-mode", "3"] + Self.tinyModel
        try CommandRunner.run(arguments + ["--epochs", "3", "--output-dir", path("straight")])
        try CommandRunner.run(arguments + ["--epochs", "2", "--output-dir", path("split")])
        try CommandRunner.run(arguments + ["--epochs", "3", "--output-dir", path("split"), "--resume"])
        XCTAssertEqual(try Data(contentsOf: RunDirectory(path("straight")).lastCheckpoint),
                       try Data(contentsOf: RunDirectory(path("split")).lastCheckpoint))
        XCTAssertEqual(try metrics(path("straight")).map(\.trainLoss), try metrics(path("split")).map(\.trainLoss))
    }

    func testTrainingBeatsTheMeanResponseBaselineOnHeldOutImages() throws {
        let data = try simulate("sim.h5", arguments: ["--neurons", "40", "--repeats", "12", "--seed", "2"])
        try CommandRunner.run(["train", "--data", data, "--output-dir", path("run"), "--epochs", "8", "--lr", "0.005",
                               "--behavior-mode", "3"] + Self.tinyModel)
        let report = try RunDirectory(path("run")).readJSON(EvaluationReport.self, from: RunDirectory(path("run")).evaluation)
        let test = try XCTUnwrap(report.recordings.first?.tiers.first { $0.tier == "test" })
        XCTAssertLessThan(test.poissonLoss, test.baselinePoissonLoss, "the model must predict held-out images better than each neuron's mean")
        XCTAssertGreaterThan(test.singleTrialCorrelation, 0.05)
        XCTAssertNotNil(test.groundTruthCorrelation)
    }

    func testRefusalsNameTheProblem() throws {
        let data = try simulate("noeye.h5", arguments: ["--neurons", "6", "--images", "6", "--repeats", "4", "--no-eye-tracking"])
        let missing = try CommandRunner.run(["train", "--data", data, "--output-dir", path("r1"), "--behavior-mode", "3"] + Self.tinyModel, expectSuccess: false)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("no pupil size"), missing.output)
        XCTAssertTrue(missing.output.contains("--allow-missing-behaviour"), missing.output)

        let absurd = try CommandRunner.run(["train", "--data", data, "--output-dir", path("r2"), "--lr", "0"], expectSuccess: false)
        XCTAssertTrue(absurd.output.contains("--lr 0.0 is not a usable learning rate"), absurd.output)

        let nowhere = try CommandRunner.run(["train", "--data", path("absent.h5"), "--output-dir", path("r3")] + Self.tinyModel, expectSuccess: false)
        XCTAssertTrue(nowhere.output.contains("absent.h5 does not exist"), nowhere.output)

        try CommandRunner.run(["train", "--data", data, "--output-dir", path("r4"), "--epochs", "1", "--behavior-mode", "0", "--shift-mode", "0"] + Self.tinyModel)
        let again = try CommandRunner.run(["train", "--data", data, "--output-dir", path("r4"), "--epochs", "1"] + Self.tinyModel, expectSuccess: false)
        XCTAssertTrue(again.output.contains("already holds a run"), again.output)
    }
}
