import Foundation
import XCTest
@testable import Training
import V1TModel

/// A V1T user's habits end to end: the original train.py command line, the run record in
/// config.json, `train --config`, TensorBoard events, and weights out to V1T's names and back.
final class V1THabitsTests: ScratchDirectoryTestCase {
    /// TrainingRunTests' tiny model with V1T's full-width heads, so that V1T can load the weights.
    static let tinyModel = TrainingRunTests.tinyModel + ["--head-width", "full"]


    private func simulatedSession() throws -> String {
        try CommandRunner.run(["simulate", "--out", path("sim.h5"), "--neurons", "8", "--images", "8", "--repeats", "6", "--seed", "4"])
        return path("sim.h5")
    }

    func testTheOriginalCommandLineTrainsRecordsTheRunAndRunsAgainFromItsConfig() throws {
        let data = try simulatedSession()
        let arguments = ["train", "--dataset", data, "--output_dir", path("a"), "--mouse_ids", "0", "--device", "cpu",
                         "--readout", "gaussian2d", "--num_workers", "2", "--limit_data", "30", "--micro_batch_size", "0",
                         "--behavior_mode", "3", "--shift_mode", "2", "--batch_size", "8", "--epochs", "2", "--deterministic"] + Self.tinyModel
        try CommandRunner.run(arguments)
        let run = RunDirectory(path("a"))
        let configuration = try run.loadConfiguration()
        XCTAssertEqual(configuration.limitTrainingTrials, 30)
        XCTAssertNil(configuration.microBatchSize, "V1T's --micro_batch_size 0 means: as many as fit")
        let record = try XCTUnwrap(configuration.record)
        XCTAssertEqual(Array(record.commandLine.dropFirst()), arguments)
        XCTAssertEqual(record.ranks, 1)
        XCTAssertEqual(record.data.map(\.path), [URL(fileURLWithPath: data).standardizedFileURL.path])
        XCTAssertEqual(record.data.first?.sha256, try SHA256.hex(ofFile: data))
        XCTAssertEqual(Set(record.libraries.keys), ["Open MPI", "OpenBLAS", "HDF5"])
        XCTAssertTrue(record.libraries["Open MPI"]!.contains("Open MPI"), record.libraries["Open MPI"]!)
        XCTAssertFalse(record.blasKernel.name.isEmpty)
        XCTAssertEqual(configuration.dataFiles, record.data.map(\.path), "data paths are stored absolute")

        let events = try FileManager.default.contentsOfDirectory(atPath: path("a")).filter { $0.hasPrefix("events.out.tfevents.") }
        XCTAssertEqual(events.count, 1, "one TensorBoard event file in the run directory")

        // The same run again from its config.json alone: the same weights, bit for bit.
        try CommandRunner.run(["train", "--config", run.configuration.path, "--output-dir", path("b"), "--verbose", "0"])
        XCTAssertEqual(try Data(contentsOf: run.bestParameters), try Data(contentsOf: RunDirectory(path("b")).bestParameters))
        let rerun = try RunDirectory(path("b")).loadConfiguration()
        XCTAssertEqual(rerun.model, configuration.model)
        XCTAssertEqual(rerun.record?.commandLine.contains("--config"), true, "the re-run records its own command line")
    }

    func testWeightsGoOutUnderV1TNamesAndComeBackUnchanged() throws {
        let data = try simulatedSession()
        try CommandRunner.run(["train", "--data", data, "--output-dir", path("a"), "--epochs", "1", "--batch-size", "8"] + Self.tinyModel)
        try CommandRunner.run(["export-v1t-weights", path("a"), "--out", path("v1t.safetensors"), "--mouse-ids", "A"])
        let exported = try SafeTensors.decode(Data(contentsOf: URL(fileURLWithPath: path("v1t.safetensors")))).tensors
        XCTAssertTrue(exported.contains { $0.name == "readouts.A.features" && $0.shape == [1, 16, 1, 8] })
        XCTAssertTrue(exported.contains { $0.name == "core.transformer.blocks.0.mha.to_qkv.weight" && $0.shape == [3 * 2 * 16, 16] })

        try CommandRunner.run(["import-v1t-weights", path("v1t.safetensors"), "--data", data, "--output-dir", path("back"),
                               "--mouse-ids", "A", "--preset", "demo"])
        func best(_ run: String) throws -> [String: [Float]] {
            let tensors = try SafeTensors.decode(Data(contentsOf: RunDirectory(path(run)).bestParameters)).tensors
            return Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.values) })
        }
        XCTAssertEqual(try best("back"), try best("a"), "every parameter survives VITA -> V1T -> VITA")
        let imported = try XCTUnwrap(RunDirectory(path("back")).loadConfiguration().model.core.vit)
        let trained = try XCTUnwrap(RunDirectory(path("a")).loadConfiguration().model.core.vit)
        XCTAssertEqual([imported.embedding, imported.blocks, imported.heads, imported.mlpWidth, imported.patchSize, imported.patchStride],
                       [trained.embedding, trained.blocks, trained.heads, trained.mlpWidth, trained.patchSize, trained.patchStride],
                       "the core's sizes are read from the tensors")
        try CommandRunner.run(["evaluate", path("back")])

        // The core alone, for --pretrain-core: readouts start fresh, the core is V1T's.
        try CommandRunner.run(["import-v1t-weights", path("v1t.safetensors"), "--data", data, "--output-dir", path("core"), "--core-only"])
        let core = try best("core"), original = try best("a")
        XCTAssertEqual(core.filter { $0.key.hasPrefix("core.") }, original.filter { $0.key.hasPrefix("core.") })
        XCTAssertNotEqual(core["readout.mouse0.features"], original["readout.mouse0.features"])
        // ... which `train --pretrain-core` takes, frozen, as V1T's flag does.
        try CommandRunner.run(["train", "--data", data, "--output-dir", path("frozen"), "--epochs", "1", "--batch-size", "8",
                               "--pretrain_core", path("core")] + Self.tinyModel)
        let frozen = try best("frozen")
        XCTAssertEqual(frozen.filter { $0.key.hasPrefix("core.") }, original.filter { $0.key.hasPrefix("core.") }, "the frozen core is V1T's")
    }

    func testFlagsVITACannotHonourAreRefusedWithTheReason() throws {
        let data = try simulatedSession()
        for (flags, expected) in [(["--device", "cuda"], "--device cuda cannot be honoured: VITA computes on CPUs"),
                                  (["--use_wandb"], "--use_wandb cannot be honoured"),
                                  (["--readout", "dense"], "--readout dense cannot be honoured"),
                                  (["--patch_mode", "2"], "--patch_mode 2 cannot be honoured"),
                                  (["--mouse_ids", "B"], "--mouse_ids B is none of the recordings")] {
            let outcome = try CommandRunner.run(["train", "--data", data, "--output-dir", path("r")] + flags + Self.tinyModel, expectSuccess: false)
            XCTAssertNotEqual(outcome.status, 0, "\(flags) must be refused")
            XCTAssertTrue(outcome.output.contains(expected), "\(flags): \(outcome.output)")
        }
        let misfit = try CommandRunner.run(["import-v1t-weights", data, "--data", data, "--output-dir", path("w")], expectSuccess: false)
        XCTAssertTrue(misfit.output.contains("not a readable safetensors"), misfit.output)
    }
}
