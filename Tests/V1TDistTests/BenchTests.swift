import ArgumentParser
import Foundation
import V1TModel
import XCTest
@testable import v1t_dist

final class BenchTests: XCTestCase {
    /// A model small enough to time in milliseconds: 12x16 images, 4x4 patches, one block.
    private func tinyConfiguration() -> V1TConfiguration {
        let core = ViTCore.Configuration(
            imageChannels: 1, imageHeight: 12, imageWidth: 16, patchSize: 4, patchStride: 4, embedding: 8, blocks: 1,
            heads: 2, headWidth: .split, mlpWidth: 12, patchDropout: 0.1, transformerDropout: 0.1, dropPath: 0,
            behaviourMode: 0, mice: 1)
        let mouse = V1TConfiguration.Mouse(name: "tiny", neuronX: [1, 5, 9], neuronY: [2, 8, 4], imageHeight: 18, imageWidth: 20,
                                           imageMean: 100, imageStd: 40)
        return V1TConfiguration(behaviourMode: 3, usesShifter: true, core: core, mice: [mouse])
    }

    private func tinyReport() throws -> BenchReport {
        let sgemm = [BenchReport.Sgemm(m: 4, n: 5, k: 6, gflops: 40), BenchReport.Sgemm(m: 8, n: 8, k: 8, gflops: 80)]
        let machine = BenchReport.Machine(
            cpu: .current, kernel: .current, layerKernels: .avx2, fmaPeak: FMAPeak(lanes: 16, measuredFMAsPerCycle: 2.01, fmaUnits: 2, clockGHz: 2.5, gflops: 160, loopGFLOPs: 159),
            kernels: [KernelSgemm(requested: "Prescott", ran: "Prescott", relativeError: 1e-7, sgemm: [BenchReport.Sgemm(m: 8, n: 8, k: 8, gflops: 30)]),
                      KernelSgemm(requested: "SkylakeX", ran: "SkylakeX", relativeError: 2e-7, sgemm: [BenchReport.Sgemm(m: 8, n: 8, k: 8, gflops: 120)]),
                      KernelSgemm(requested: "Broken", ran: "Broken", relativeError: 0.5, sgemm: [BenchReport.Sgemm(m: 8, n: 8, k: 8, gflops: 500)])])
        var report = BenchReport(openblasNumThreads: "1", blasThreads: 1, blasConfiguration: "test", machine: machine, sgemm: sgemm, models: [])
        report.models = [try BenchReport.Model.measure(name: "tiny", configuration: tinyConfiguration(), batch: 3, passes: 2,
                                                       yardsticks: report.yardsticks)]
        return report
    }

    func testTableShowsEveryFigureOfATinyModel() throws {
        let report = try tinyReport()
        let model = report.models[0]
        let lines = report.table.split(separator: "\n").map(String.init)
        func row(_ label: String) -> [String]? {
            lines.first { $0.hasPrefix(label) }.map { $0.dropFirst(label.count).split(separator: " ").map(String.init) }
        }
        XCTAssertEqual(row("peak"), ["80.0"], "the best sgemm figure")
        XCTAssertEqual(report.yardsticks.bestSgemm, 120, "the fastest kernel family that computes correctly")
        XCTAssertTrue(lines.contains("best sgemm of this machine: 120.0 (SkylakeX)"), report.table)
        XCTAssertTrue(lines.contains { $0.contains("Broken") && $0.hasSuffix("WRONG") }, "a wrong kernel is marked")
        XCTAssertTrue(lines.contains { $0.hasPrefix("FMA peak of one core: 16 lanes x 2 FMA units x 2 x 2.50 GHz = 160.0 GFLOP/s") }, report.table)
        XCTAssertTrue(lines.contains(BLASKernel.current.summary))
        XCTAssertTrue(lines.contains("layer kernels (softmax, GELU, LayerNorm, dropout): AVX2 + FMA (C)"), report.table)
        XCTAssertEqual(model.percentOfBestSgemm, 100 * model.gflopsPerCPUSecond / 120, accuracy: 1e-9)
        XCTAssertEqual(model.percentOfFMAPeak, 100 * model.gflopsPerCPUSecond / 160, accuracy: 1e-9)
        XCTAssertEqual(row("% of best sgemm (CPU time)"), [String(format: "%.1f%%", model.percentOfBestSgemm)])
        XCTAssertEqual(row("% of FMA peak (CPU time)"), [String(format: "%.1f%%", model.percentOfFMAPeak)])
        XCTAssertEqual(row("model"), ["tiny"])
        XCTAssertEqual(row("batch"), ["3"])
        XCTAssertEqual(row("readout neurons"), ["3"])
        XCTAssertEqual(row("training GFLOP per sample"), [String(format: "%.3f", Double(TrainingFLOPs(tinyConfiguration().core.vit!).training) / 1e9)])
        XCTAssertEqual(model.throughput.passes, 2)
        // Achieved GFLOP/s and the share of the peak follow from the measured speed and the count.
        XCTAssertEqual(model.bestPassGFLOPs, model.bestPassSamplesPerSecond * model.trainingGFLOPPerSample, accuracy: 1e-9)
        XCTAssertEqual(model.gflopsPerCPUSecond, model.samplesPerCPUSecond * model.trainingGFLOPPerSample, accuracy: 1e-9)
        XCTAssertEqual(model.percentOfSgemmPeak, 100 * model.gflopsPerCPUSecond / 80, accuracy: 1e-9)
        XCTAssertEqual(model.bestPassPercentOfSgemmPeak, 100 * model.bestPassGFLOPs / 80, accuracy: 1e-9)
        XCTAssertEqual(row("% of sgemm peak (CPU time)"), [String(format: "%.1f%%", model.percentOfSgemmPeak)])
        XCTAssertEqual(row("% of sgemm peak (best pass)"), [String(format: "%.1f%%", model.bestPassPercentOfSgemmPeak)])
        XCTAssertEqual(row("activation MB per sample"), [String(format: "%.2f", Double(model.activationBytesPerSample) / 1e6)])
        XCTAssertEqual(model.activationBytesPerSample, try V1T(configuration: tinyConfiguration(), seed: 1).activationBytesPerSample)
        for label in ["samples/s (mean of passes)", "samples/s (best pass)", "samples per CPU second", "GFLOP per CPU second", "forward ms/sample", "backward ms/sample",
                      "GFLOP/s (mean)", "GFLOP/s (best pass)", "fixed MB", "planned MB at this batch",
                      "peak RSS MB (VmHWM)", "peak RSS MB per sample"] {
            XCTAssertEqual(row(label)?.count, 1, "one value in row \(label)")
        }
        XCTAssertNotNil(model.peakResidentBytes, "Linux reports VmHWM")
        XCTAssertTrue(lines.last!.contains("11.8 GB with batch 16: 737.5 MB per sample"))
    }

    func testJSONHoldsTheFiguresAndIsWrittenWhole() throws {
        let report = try tinyReport()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bench.json").path
        try report.writeJSON(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["bench.json"], "no temporary file left")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        XCTAssertEqual(object["sgemmPeakGFLOPs"] as? Double, 80)
        let machine = object["machine"] as! [String: Any]
        XCTAssertEqual((machine["kernel"] as? [String: Any])?["name"] as? String, BLASKernel.current.name)
        XCTAssertEqual((machine["fmaPeak"] as? [String: Any])?["gflops"] as? Double, 160)
        XCTAssertEqual((machine["kernels"] as? [[String: Any]])?.count, 3)
        let model = (object["models"] as! [[String: Any]])[0]
        for key in ["samplesPerSecond", "achievedGFLOPs", "percentOfSgemmPeak", "percentOfBestSgemm", "percentOfFMAPeak", "activationBytesPerSample", "fixedBytes",
                    "peakResidentBytes", "trainingGFLOPPerSample"] {
            XCTAssertNotNil(model[key], key)
        }
        XCTAssertEqual((model["flops"] as! [String: Int])["tokenizer"], TrainingFLOPs(tinyConfiguration().core.vit!).tokenizer)
    }

    func testProfileSplitsThePassesCPUTimeBySection() throws {
        let yardsticks = BenchReport.Yardsticks(sgemmInUse: 80, bestSgemm: 120, fmaPeak: 160)
        let plain = try BenchReport.Model.measure(name: "tiny", configuration: tinyConfiguration(), batch: 3, passes: 1, yardsticks: yardsticks)
        XCTAssertNil(plain.throughput.profile)
        XCTAssertNil(plain.profileTable)
        let model = try BenchReport.Model.measure(name: "tiny", configuration: tinyConfiguration(), batch: 3, passes: 2,
                                                  yardsticks: yardsticks, profile: true)
        let sections = try XCTUnwrap(model.throughput.profile)
        let names = Set(sections.map(\.name))
        for name in ["forward  tokenizer", "forward  attention scores Q Kᵀ", "forward  attention softmax + dropout",
                     "forward  attention mixing P V", "forward  MLP GELU + dropout", "backward attention dQ = dS K, dK = dSᵀ Q",
                     "backward MLP LayerNorm + expand", "backward tokenizer"] {
            XCTAssertTrue(names.contains(name), "section \(name) missing from \(names.sorted())")
        }
        // One block of 2 heads, 3 samples, 2 timed passes: the per-head sections run 12 times.
        XCTAssertEqual(sections.first { $0.name == "forward  attention scores Q Kᵀ" }?.calls, 12)
        XCTAssertEqual(sections.first { $0.name == "forward  tokenizer" }?.calls, 2)
        let covered = sections.map(\.seconds).reduce(0, +)
        XCTAssertLessThanOrEqual(covered, model.throughput.cpuSeconds.reduce(0, +) * 1.05, "sections lie within the timed passes")
        let table = try XCTUnwrap(model.profileTable)
        XCTAssertTrue(table.hasPrefix("profile of tiny, CPU time of 2 pass(es) of 3"))
        XCTAssertTrue(table.contains("the rest: cropper, readout"))
        XCTAssertEqual(table.split(separator: "\n").count, sections.count + 2)
    }

    func testPresetsAreThePublishedModelAndTheDemo() {
        let published = Bench.configuration(.v1t)
        XCTAssertEqual(published.core.vit?.embedding, 155)
        XCTAssertEqual(published.core.vit?.tokens, 1654)
        XCTAssertEqual(published.behaviourMode, 3)
        XCTAssertTrue(published.usesShifter)
        XCTAssertEqual(published.mice.map(\.neurons), [174])
        let demo = Bench.configuration(.demo)
        XCTAssertEqual(demo.core.vit, { var c = ViTCore.Configuration.demo; c.behaviourMode = 0; return c }())
        XCTAssertEqual(demo.mice.map(\.neurons), [174])
        // The original's small configuration: patch 8 stride 2 on 36 x 64 (15 x 29 patches), emb 64,
        // 2 blocks of 2 full-width heads, MLP 128.
        let small = try! XCTUnwrap(Bench.configuration(.small).core.vit)
        XCTAssertEqual([small.tokens, small.embedding, small.blocks, small.heads, small.headDimension, small.mlpWidth], [436, 64, 2, 2, 64, 128])
        XCTAssertEqual(Bench.configuration(.small).behaviourMode, 0)
        XCTAssertFalse(Bench.configuration(.small).usesShifter)
    }

    func testBadOptionsNameTheFlag() {
        func message(_ arguments: [String]) -> String {
            do {
                _ = try Bench.parseAsRoot(arguments)
                return ""
            } catch {
                return Bench.message(for: error)
            }
        }
        XCTAssertTrue(message(["--batch", "0"]).contains("--batch"))
        XCTAssertTrue(message(["--passes", "0"]).contains("--passes"))
        XCTAssertTrue(message(["--preset", "huge"]).contains("preset"))
        XCTAssertTrue(message(["--json", "/nonexistent-directory/x.json"]).contains("--json"))
    }
}

final class KernelSweepTests: XCTestCase {
    private var binary: URL { Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("v1t-dist") }

    /// Every kernel family this CPU can run is measured in its own process, runs as asked, and
    /// computes within float rounding of a double-precision product.
    func testEveryKernelFamilyTheCPURunsIsMeasuredAndCorrect() {
        let sweep = KernelSgemm.measureAll(program: binary.path, repeats: 1)
        let supported = KernelSgemm.candidates.filter { CPUCore.current.features.isSuperset(of: $0.needs) }.map(\.name)
        XCTAssertEqual(sweep.map(\.requested), supported)
        for kernel in sweep {
            XCTAssertEqual(kernel.ran, kernel.requested, "OPENBLAS_CORETYPE=\(kernel.requested) is honoured")
            XCTAssertTrue(kernel.correct, "\(kernel.requested): relative error \(kernel.relativeError)")
            XCTAssertEqual(kernel.sgemm.count, BenchReport.Sgemm.shapes.count)
            XCTAssertGreaterThan(kernel.peakGFLOPs, 0)
        }
    }
}
