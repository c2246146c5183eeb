import Foundation
import ImageFiles
import NumPyFormat
import Plots
import XCTest
@testable import Results
@testable import Training
import TrainingSet

final class PredictTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        try TrainedRun.shared.require()
        scratch = TrainedRun.shared.directory.appendingPathComponent("predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    private func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    /// Rows of `trials` as `evaluate` predicts them (DistributedPrediction's micro-batch forward).
    private func evaluationPredictions(_ loaded: LoadedRun, trials: [Int]) -> [Float] {
        let data = loaded.mice[0]
        var batch = Batch()
        data.gather(trials, into: &batch)
        let stack = data.recording.images
        let output = stack.pixels.withUnsafeBufferPointer { pixels in
            loaded.model.forward(mouse: 0, images: pixels.baseAddress!, imageCount: stack.count, imageIndices: batch.imageIndices,
                                 behaviour: batch.behaviour, pupilCenter: batch.pupilCenter, context: .evaluation(batch: batch.count))
        }
        return Array(UnsafeBufferPointer(start: output, count: trials.count * data.neurons))
    }

    func testPredictOnATrainingImageEqualsTheEvaluationPrediction() throws {
        let loaded = try LoadedRun(RunDirectory(TrainedRun.shared.run))
        let data = loaded.mice[0], n = data.neurons
        let trials = Array(data.trainTrials.prefix(6))
        let trial = trials[3]
        let expected = Array(evaluationPredictions(loaded, trials: trials)[(3 * n)..<(4 * n)])

        // The trial's image as a PGM, and enlarged 2x as a PNG (area averaging brings it back exactly).
        let stack = data.recording.images
        let pixels = Array(stack.image(Int(data.recording.trials.imageIndex[trial])))
        try PGM.encode(pixels, height: stack.height, width: stack.width).write(to: URL(fileURLWithPath: path("image.pgm")))
        try PNG.encodeGray(pixels, width: stack.width, height: stack.height, scale: 2).write(to: URL(fileURLWithPath: path("large.png")))

        // The trial's own behaviour, in raw units, as flags.
        let behaviour = data.recording.trials.behaviour.values[(trial * 3)..<(trial * 3 + 3)].map { "\($0)" }
        let pupil = data.recording.trials.pupilCenter.values[(trial * 2)..<(trial * 2 + 2)].map { "\($0)" }
        let flags = ["--pupil-size", behaviour[0], "--pupil-dilation-derivative", behaviour[1], "--running-speed", behaviour[2],
                     "--pupil-x", pupil[0], "--pupil-y", pupil[1]]
        try ResultsCommandRunner.run(["predict", "--checkpoint", TrainedRun.shared.run, path("image.pgm"), path("large.png"),
                                      "--out", path("predictions.csv")] + flags)
        let rows = try String(contentsOfFile: path("predictions.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.count, 2 * n)
        for (index, row) in rows.enumerated() {
            let neuron = index % n
            XCTAssertEqual(row[0], index < n ? path("image.pgm") : path("large.png"))
            XCTAssertEqual(Int(row[1]), neuron)
            XCTAssertEqual(Int64(row[2]), data.recording.neurons.ids[neuron])
            let standardised = Float(row[3])!, raw = Float(row[4])!
            XCTAssertEqual(standardised, expected[neuron], accuracy: 1e-5 * max(1, abs(expected[neuron])), "neuron \(neuron)")
            XCTAssertEqual(raw, standardised / data.responsePrecision[neuron], accuracy: 1e-5 * max(1, abs(raw)))
        }

        try ResultsCommandRunner.run(["predict", "--checkpoint", TrainedRun.shared.run, path("image.pgm"), "--out", path("p.npy"),
                                      "--units", "standardised"] + flags)
        let array = try NpyFile.read(URL(fileURLWithPath: path("p.npy")))
        XCTAssertEqual(array.shape, [1, n])
        for (got, want) in zip(try array.floats(), expected) { XCTAssertEqual(got, want, accuracy: 1e-5 * max(1, abs(want))) }
    }

    /// Defaults are the training means, standardised exactly as MouseData standardises trials; values
    /// for what the recording lacks are refused by flag name.
    func testBehaviourStandardisationAndRefusals() throws {
        let data = try TrainingSetFiles.load([TrainedRun.shared.data], limitTrainingTrials: nil)[0]
        let trial = data.trainTrials[5]
        let b = data.recording.trials.behaviour.values, p = data.recording.trials.pupilCenter.values
        let setting = BehaviourSetting(pupilSize: b[trial * 3], pupilSizeDerivative: b[trial * 3 + 1], runningSpeed: b[trial * 3 + 2],
                                       pupilX: p[trial * 2], pupilY: p[trial * 2 + 1])
        let inputs = try setting.standardised(for: data, usesBehaviour: true, usesPupilCenter: true)
        XCTAssertEqual(inputs.behaviour, Array(data.behaviour[(trial * 3)..<(trial * 3 + 3)]))
        XCTAssertEqual(inputs.pupilCenter, Array(data.pupilCenter[(trial * 2)..<(trial * 2 + 2)]))
        let typical = try BehaviourSetting().standardised(for: data, usesBehaviour: true, usesPupilCenter: true)
        let statistics = data.recording.statistics
        XCTAssertEqual(typical.behaviour, (0..<3).map { statistics.behaviour.mean[$0] / statistics.behaviour.std[$0] })
        XCTAssertEqual(typical.pupilCenter, [0, 0])

        var recording = data.recording
        recording.trials.behaviourAvailable[BehaviourVariable.runningSpeed.rawValue] = false
        let stationary = MouseData(recording: recording, name: "no-running")
        XCTAssertThrowsError(try BehaviourSetting(runningSpeed: 10).standardised(for: stationary, usesBehaviour: true, usesPupilCenter: true)) {
            XCTAssertEqual("\($0)", "--running-speed: recording no-running has no running_speed, so the model cannot use it; leave the flag out")
        }
        XCTAssertThrowsError(try BehaviourSetting(pupilX: 1).standardised(for: data, usesBehaviour: true, usesPupilCenter: false)) {
            XCTAssertTrue("\($0)".hasPrefix("--pupil-x: this model does not read the pupil centre"), "\($0)")
        }
    }

    func testBadInputIsRefusedWithTheReason() throws {
        let run = TrainedRun.shared.run
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: path("notes.png")))
        let unreadable = try ResultsCommandRunner.run(["predict", "--checkpoint", run, path("notes.png")], expectSuccess: false)
        XCTAssertNotEqual(unreadable.status, 0)
        XCTAssertTrue(unreadable.output.contains("notes.png: is not an image this tool reads; give PNG, PGM"), unreadable.output)

        let absent = try ResultsCommandRunner.run(["predict", "--checkpoint", run, path("absent.pgm")], expectSuccess: false)
        XCTAssertTrue(absent.output.contains("absent.pgm: does not exist"), absent.output)

        try PGM.encode([1, 2, 3, 4], height: 2, width: 2).write(to: URL(fileURLWithPath: path("tiny.pgm")))
        let wrongMouse = try ResultsCommandRunner.run(["predict", "--checkpoint", run, path("tiny.pgm"), "--mouse", "3"], expectSuccess: false)
        XCTAssertNotEqual(wrongMouse.status, 0)
        XCTAssertTrue(wrongMouse.output.contains("--mouse 3: the run has 1 recording(s) (0: "), wrongMouse.output)
        XCTAssertTrue(wrongMouse.output.contains("give an index from 0 to 0 or a name"), wrongMouse.output)

        let noRun = try ResultsCommandRunner.run(["predict", "--checkpoint", path("nowhere"), path("tiny.pgm")], expectSuccess: false)
        XCTAssertTrue(noRun.output.contains("nowhere does not exist: give the --output-dir of a `v1t-dist train` run"), noRun.output)

        let badOut = try ResultsCommandRunner.run(["predict", "--checkpoint", run, path("tiny.pgm"), "--out", path("x.txt")], expectSuccess: false)
        XCTAssertTrue(badOut.output.contains("name a .csv or a .npy file"), badOut.output)
    }
}
