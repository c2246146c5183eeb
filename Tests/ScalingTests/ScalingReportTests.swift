import Foundation
import XCTest
@testable import Scaling
@testable import Training

/// Reading runs, the report's arithmetic and files, and scripts/scaling.sh end to end.
final class ScalingReportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vita-scaling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The `v1t-dist` built next to this test bundle.
    private static var binary: URL {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("v1t-dist")
    }

    /// Runs a program to its end with one OpenBLAS thread; returns its output.
    @discardableResult
    private func run(_ executable: URL, _ arguments: [String], expectSuccess: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let output = directory.appendingPathComponent("output-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else { throw ScalingError("cannot create \(output.path)") }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = try String(contentsOf: output, encoding: .utf8)
        let command = "\(executable.lastPathComponent) \(arguments.joined(separator: " "))"
        if expectSuccess {
            XCTAssertEqual(process.terminationStatus, 0, "\(command):\n\(text)", file: file, line: line)
        } else {
            XCTAssertNotEqual(process.terminationStatus, 0, "\(command) should have failed:\n\(text)", file: file, line: line)
        }
        return text
    }

    private static let tinyModel = ["--core", "vit", "--patch-stride", "8", "--emb-dim", "16", "--num-blocks", "1", "--num-heads", "2", "--mlp-dim", "32", "--verbose", "0"]

    private func simulate() throws -> String {
        try run(Self.binary, ["simulate", "--out", path("tiny.h5"), "--neurons", "10", "--images", "10", "--repeats", "8", "--seed", "3"])
        return path("tiny.h5")
    }

    func testMeasuredRunTakesTheFastestEpochAfterTheFirst() throws {
        let data = try simulate()
        let runPath = path("run")
        try run(Self.binary, ["train", "--data", data, "--output-dir", runPath, "--epochs", "1", "--batch-size", "8", "--preset", "demo"] + Self.tinyModel)
        let runDirectory = RunDirectory(runPath)
        let log = try String(contentsOf: runDirectory.log, encoding: .utf8)
        let rows = [(1, 900.0, 0.5), (2, 300.0, 0.1), (3, 250.0, 0.2)].map { epoch, samples, share in
            EpochMetrics(epoch: epoch, trainLoss: 1, validationLoss: 1, validationCorrelation: 0, coreLearningRate: 1e-3,
                         readoutLearningRate: 1e-3, seconds: 1, samplesPerSecond: samples, allreduceShare: share, ranks: 2,
                         cpuShare: 1 - share).csvLine
        }
        try ([EpochMetrics.csvHeader] + rows).joined(separator: "\n").write(to: runDirectory.metrics, atomically: true, encoding: .utf8)

        let measured = try MeasuredRun.read(runDirectory)
        XCTAssertEqual(measured.epoch, 2, "epoch 1 is warm-up; epoch 2 is the fastest of the rest")
        XCTAssertEqual(measured.samplesPerSecond, 300)
        XCTAssertEqual(measured.allreduceShare, 0.1)
        XCTAssertEqual(measured.cpuShare, 0.9)
        XCTAssertEqual(measured.ranks, 2)
        XCTAssertEqual(measured.globalBatch, 8)
        XCTAssertEqual(measured.epochs, 3)
        XCTAssertTrue(log.contains("model: \(measured.parameters) parameters"), "parameter count \(measured.parameters) against the log:\n\(log)")
        // A step of 8 trials at 300 samples/s, 90% compute, ranks busy 90% of it, 4 trials on the busiest of 2 ranks.
        XCTAssertEqual(measured.computeSecondsPerSample, 0.9 * (8.0 / 300) * 0.9 / 4, accuracy: 1e-12)

        try [EpochMetrics.csvHeader, rows[0]].joined(separator: "\n").write(to: runDirectory.metrics, atomically: true, encoding: .utf8)
        XCTAssertEqual(try MeasuredRun.read(runDirectory).samplesPerSecond, 900, "a single epoch is all there is")
        XCTAssertThrowsError(try MeasuredRun.read(RunDirectory(path("absent")))) { XCTAssertTrue("\($0)".contains("metrics.csv is missing"), "\($0)") }
    }

    private func measured(_ name: String, ranks: Int, batch: Int, samplesPerSecond: Double, share: Double, cpu: Double? = nil) -> MeasuredRun {
        MeasuredRun(name: name, ranks: ranks, globalBatch: batch, epoch: 2, epochs: 2, samplesPerSecond: samplesPerSecond,
                    allreduceShare: share, parameters: 100_000, cpuShare: cpu)
    }

    func testSpeedupAndEfficiencyAgainstEachModesSmallestRun() throws {
        let strong = [measured("s2", ranks: 2, batch: 16, samplesPerSecond: 1.8, share: 0.03, cpu: 0.6),
                      measured("s1", ranks: 1, batch: 16, samplesPerSecond: 1, share: 0, cpu: 0.8)]
        let weak = [measured("w1", ranks: 1, batch: 8, samplesPerSecond: 0.9, share: 0), measured("w4", ranks: 4, batch: 32, samplesPerSecond: 3.0, share: 0.05)]
        let report = try ScalingReport(strong: strong, weak: weak, allreduce: RingAllreduce(latency: 1e-6, bandwidth: 1e9))
        XCTAssertEqual(report.rows.map(\.run.name), ["s1", "s2", "w1", "w4"])
        XCTAssertEqual(report.rows.map(\.speedup), [1, 1.8, 1, 3.0 / 0.9])
        XCTAssertEqual(report.rows[1].efficiency, 0.9, accuracy: 1e-12)
        XCTAssertEqual(report.rows[3].efficiency, 3.0 / 0.9 / 4, accuracy: 1e-12)
        // s2 got 60% of its cores, s1 80% of its core: per second of processor time, 1.8 / 0.6 against 1 / 0.8.
        XCTAssertEqual(report.rows[1].unsharedSpeedup ?? 0, 3 / 1.25, accuracy: 1e-12)
        XCTAssertNil(report.rows[3].unsharedSpeedup, "the weak runs have no cpu_share")
        // The model takes t_compute from s1: 1 sample/s with the rank busy 80%, so 0.8 s of processor time per trial.
        XCTAssertEqual(report.model?.computeSecondsPerSample ?? 0, 0.8, accuracy: 1e-12)
        XCTAssertEqual(report.rows[0].modelSamplesPerSecond ?? 0, 1.25, accuracy: 1e-12)
        XCTAssertEqual(report.projectedBatches.strong, 16)
        XCTAssertEqual(report.projectedBatches.weakPerRank, 8)

        let lines = report.csv.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init), ScalingReport.csvHeader)
        XCTAssertEqual(lines.count, 5)
        XCTAssertTrue(lines[2].hasPrefix("strong,2,16,8,1.8,1.8,0.9,0.03,"), String(lines[2]))

        let markdown = report.markdown(title: "T", note: "load 0.1", projectionRanks: [1, 2, 64])
        XCTAssertTrue(markdown.contains("| strong | 2 | 16 | 8 | 1.80 | 1.80x | 90% | 3.0% | 8.89 | 2.50 | 60% | 2.40x |"), markdown)
        XCTAssertTrue(markdown.contains("| weak | 4 | 32 | 8 | 3.00 | 3.33x | 83% | 5.0% | 10.7 | 5.00 | - | - |"), markdown)
        XCTAssertTrue(markdown.contains("## Projection"), markdown)
        XCTAssertTrue(markdown.contains("\n| 64 | "), markdown)
        XCTAssertTrue(markdown.contains("load 0.1"), markdown)
        let svg = report.svg(projectionRanks: [1, 2, 64])
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), String(svg.prefix(80)))
        for series in ["strong measured", "weak measured", "strong model", "weak model"] {
            XCTAssertTrue(svg.contains(series), "\(series) missing from the plot")
        }
    }

    func testReportRefusesRunsThatAreNotTheSameExperiment() {
        let strong = [measured("s1", ranks: 1, batch: 16, samplesPerSecond: 1, share: 0), measured("s2", ranks: 2, batch: 32, samplesPerSecond: 2, share: 0)]
        XCTAssertThrowsError(try ScalingReport(strong: strong, weak: [], allreduce: nil)) { XCTAssertTrue("\($0)".contains("s2 has 32"), "\($0)") }
        let weak = [measured("w1", ranks: 1, batch: 8, samplesPerSecond: 1, share: 0), measured("w2", ranks: 2, batch: 8, samplesPerSecond: 2, share: 0)]
        XCTAssertThrowsError(try ScalingReport(strong: [], weak: weak, allreduce: nil)) { XCTAssertTrue("\($0)".contains("each rank's batch"), "\($0)") }
        XCTAssertThrowsError(try ScalingReport(strong: [], weak: [], allreduce: nil))
        let withoutModel = try? ScalingReport(strong: [strong[0]], weak: [], allreduce: nil)
        XCTAssertNil(withoutModel?.model)
        XCTAssertEqual(withoutModel?.projection(ranks: [1, 2]).count, 0)
    }

    func testCommandsRefuseWhatCannotWork() throws {
        let alone = try run(Self.binary, ["scaling", "allreduce", "--out", path("a.csv")], expectSuccess: false)
        XCTAssertTrue(alone.contains("one rank has nothing to communicate: run this under mpirun -np 2"), alone)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("a.csv")))
        let nothing = try run(Self.binary, ["scaling", "report", "--out", path("r")], expectSuccess: false)
        XCTAssertTrue(nothing.contains("--strong and/or --weak"), nothing)
        let half = try run(Self.binary, ["scaling", "report", "--strong", path("s1"), "--latency", "2", "--out", path("r")], expectSuccess: false)
        XCTAssertTrue(half.contains("give both --latency and --bandwidth"), half)
        let missing = try run(Self.binary, ["scaling", "report", "--strong", path("s1"), "--out", path("r")], expectSuccess: false)
        XCTAssertTrue(missing.contains("s1/metrics.csv is missing"), missing)
    }

    /// The whole experiment on the tiny model: 1 and 2 ranks, both modes, allreduce timings, report.
    func testScalingScriptWritesTheReport() throws {
        let data = try simulate()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/scaling.sh").standardizedFileURL
        let out = path("scaling")
        let output = try run(URL(fileURLWithPath: "/bin/bash"), [script.path, "--ranks", "1 2", "--limit-data", "32", "--epochs", "2",
                                                                 "--data", data, "--out", out, "--binary", Self.binary.path,
                                                                 "--allreduce-max-bytes", "64K", "--project", "1 2 8", "--"] + Self.tinyModel)
        let csv = try String(contentsOfFile: out + "/scaling.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5, output)
        XCTAssertEqual(csv.dropFirst().map { $0.split(separator: ",").prefix(4).joined(separator: ",") },
                       ["strong,1,16,16", "strong,2,16,8", "weak,1,8,8", "weak,2,16,8"])
        let timings = try AllreduceTiming.parse(csv: String(contentsOfFile: out + "/allreduce.csv", encoding: .utf8), source: "allreduce.csv")
        XCTAssertEqual(timings.map(\.bytes), AllreduceBenchmark.sizes(maxBytes: 64 << 10))
        XCTAssertTrue(timings.allSatisfy { $0.ranks == 2 && $0.seconds > 0 })
        let markdown = try String(contentsOfFile: out + "/scaling.md", encoding: .utf8)
        for expected in ["# Scaling of the demo preset", "load average", "## Measured", "## Allreduce", "## Projection", "\n| 8 | "] {
            XCTAssertTrue(markdown.contains(expected), "\(expected) missing from scaling.md:\n\(markdown)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/scaling.svg"))
    }
}
