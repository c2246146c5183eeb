import Foundation
import Metrics
@testable import TrainingSet
import XCTest

final class ReportTests: XCTestCase {
    func testReportStatesTheNoiseCeilingAndWhatIsRecorded() throws {
        var options = SimulationOptions()
        options.neurons = 15
        options.images = 20
        options.repeats = 10
        options.imageHeight = 36
        options.imageWidth = 64
        let recording = try Simulator.simulate(options)
        let report = RecordingReport(recording: recording, path: "sim.h5")
        let text = report.text

        // The ceiling printed is the oracle computed independently here, over natural-image trials.
        let natural = (0..<recording.trials.count).filter { !recording.trials.isBlank($0) }
        let oracle = oracleCorrelation(targets: recording.trials.responses.rows(natural).values, neurons: 15,
                                       imageIDs: natural.map { Int(recording.trials.imageIndex[$0]) })
        XCTAssertEqual(report.oracle, oracle)
        XCTAssertTrue(text.contains("noise ceiling"), text)
        XCTAssertTrue(text.contains("all natural-image trials: mean \(String(format: "%.3f", meanCountingNaNAsZero(oracle)))"), text)
        XCTAssertTrue(text.contains("test tier: mean"), text)
        XCTAssertTrue(text.contains("file: sim.h5"), text)
        XCTAssertTrue(text.contains("neurons: 15"), text)
        let tiers = Tier.allCases.map { tier in recording.trials.tiers.filter { $0 == tier }.count }
        XCTAssertTrue(text.contains("trials: \(recording.trials.count): train \(tiers[0]) (16 images), validation \(tiers[1]) (2 images), test \(tiers[2]) (2 images)"), text)
        XCTAssertTrue(text.contains("running_speed recorded"), text)
        XCTAssertTrue(text.contains("ground truth (simulated)"), text)
        XCTAssertTrue(text.contains("noiseless responses vs. responses"), text)
    }

    func testReportOfARecordingWithoutGroundTruthOrEyeTracking() {
        let recording = makeSmallRecording(groundTruth: false)
        let report = RecordingReport(recording: recording, path: "allen.h5")
        XCTAssertNil(report.groundTruthCorrelation)
        XCTAssertFalse(report.text.contains("ground truth"))
        XCTAssertTrue(report.text.contains("pupil_size absent (zeros)"), report.text)
        XCTAssertTrue(report.text.contains("pupil centre absent (zeros)"), report.text)
        XCTAssertTrue(report.text.contains("2 blank (gray) trials, all in train"), report.text)
    }
}

/// Runs the built `v1t-dist` binary, which `swift build --build-tests` places beside the test bundle.
final class CommandLineTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let binary = testBinary.deletingLastPathComponent().appendingPathComponent("v1t-dist")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: binary.path])
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testSimulateThenInspect() throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sim.h5").path
        let simulated = try run(["simulate", "--out", file, "--seed", "2", "--neurons", "8", "--images", "9",
                                 "--repeats", "5", "--height", "36", "--width", "64", "--no-eye-tracking"])
        XCTAssertEqual(simulated.status, 0, simulated.output)
        XCTAssertTrue(simulated.output.contains("wrote \(file): 50 trials"), simulated.output)
        let inspected = try run(["inspect", file])
        XCTAssertEqual(inspected.status, 0, inspected.output)
        XCTAssertTrue(inspected.output.contains("noise ceiling"), inspected.output)
        XCTAssertTrue(inspected.output.contains("pupil_size absent (zeros)"), inspected.output)
    }

    func testAbsurdFlagsAndMissingFilesFailClearly() throws {
        let zero = try run(["simulate", "--out", "/tmp/never-written.h5", "--neurons", "0"])
        XCTAssertNotEqual(zero.status, 0)
        XCTAssertTrue(zero.output.contains("--neurons must be between 1 and 100000 (got 0)"), zero.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never-written.h5"))

        let nowhere = try run(["simulate", "--out", "/nonexistent-directory/sim.h5"])
        XCTAssertNotEqual(nowhere.status, 0)
        XCTAssertTrue(nowhere.output.contains("the directory /nonexistent-directory does not exist"), nowhere.output)

        let missing = try run(["inspect", "/nonexistent-directory/sim.h5"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("no such file: /nonexistent-directory/sim.h5"), missing.output)

        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let corrupt = directory.appendingPathComponent("corrupt.h5").path
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: corrupt))
        let damaged = try run(["inspect", corrupt])
        XCTAssertNotEqual(damaged.status, 0)
        XCTAssertTrue(damaged.output.contains("\(corrupt): /: cannot be opened: not an HDF5 file"), damaged.output)
    }
}
