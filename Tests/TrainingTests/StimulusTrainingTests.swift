import Foundation
import TrainingSet
import XCTest
@testable import Training

/// `train --stimuli` on a simulated session with a natural movie: the chosen trials only, scores per
/// stimulus kind with the natural-scene test images first, and clear refusals.
final class StimulusTrainingTests: ScratchDirectoryTestCase {
    private func simulateWithMovie() throws -> String {
        try CommandRunner.run(["simulate", "--out", path("movie.h5"), "--neurons", "8", "--images", "10", "--repeats", "4",
                               "--movie-frames", "72", "--movie-repeats", "3", "--movie-frame-step", "3", "--seed", "4"])
        return path("movie.h5")
    }

    private func train(_ data: String, _ run: String, _ extra: [String]) throws -> EvaluationReport {
        try CommandRunner.run(["train", "--data", data, "--output-dir", path(run), "--epochs", "2", "--batch-size", "8",
                               "--behavior-mode", "0", "--shift-mode", "0"] + TrainingRunTests.tinyModel + extra)
        return try RunDirectory(path(run)).readJSON(EvaluationReport.self, from: RunDirectory(path(run)).evaluation)
    }

    func testEvaluationReportsEachStimulusKindSceneTestFirst() throws {
        let data = try simulateWithMovie()
        let report = try train(data, "all", [])
        let rows = try XCTUnwrap(report.recordings.first).tiers.map { "\($0.tier) \($0.stimulus ?? "-")" }
        XCTAssertEqual(rows, ["test natural_scenes", "test natural_movie_one", "validation natural_scenes", "validation natural_movie_one"])
        XCTAssertTrue(report.verdicts.first?.contains("held-out test images") ?? false, "\(report.verdicts)")
        XCTAssertTrue(report.table.contains("natural_movie_one"), report.table)
        let csv = try String(contentsOfFile: path("all/evaluation_neurons.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("recording,tier,neuron,neuron_id,"), csv)
        XCTAssertTrue(csv.contains(",natural_movie_one\n"), csv)

        let recording = try Recording.read(from: data)
        let scenesOnly = try train(data, "scenes", ["--stimuli", "scenes"])
        let sceneRows = try XCTUnwrap(scenesOnly.recordings.first).tiers
        XCTAssertEqual(sceneRows.map(\.stimulus), ["natural_scenes", "natural_scenes"])
        let sceneTest = try recording.trialIndices(selecting: StimulusSelection(parsing: "scenes")).filter { recording.trials.tiers[$0] == .test }
        XCTAssertEqual(sceneRows[0].trials, sceneTest.count)
        let configuration = try RunDirectory(path("scenes")).loadConfiguration()
        XCTAssertEqual(configuration.stimuli, "scenes")
        // `evaluate` rebuilds the same trials from the run's configuration.
        try CommandRunner.run(["evaluate", path("scenes")])
        let again = try RunDirectory(path("scenes")).readJSON(EvaluationReport.self, from: RunDirectory(path("scenes")).evaluation)
        XCTAssertEqual(again.recordings.first?.tiers.map(\.stimulus), ["natural_scenes", "natural_scenes"])
    }

    func testAFileWithoutTheAskedStimuliIsRefusedClearly() throws {
        try CommandRunner.run(["simulate", "--out", path("scenes.h5"), "--neurons", "6", "--images", "6", "--repeats", "4"])
        let refused = try CommandRunner.run(["train", "--data", path("scenes.h5"), "--output-dir", path("r"), "--stimuli", "movies"]
                                            + TrainingRunTests.tinyModel, expectSuccess: false)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("scenes.h5: /stimuli/name: --stimuli asks for movies, but the file holds trials of natural_scenes only"), refused.output)
        let unknown = try CommandRunner.run(["train", "--data", path("scenes.h5"), "--output-dir", path("r2"), "--stimuli", "gratings"]
                                            + TrainingRunTests.tinyModel, expectSuccess: false)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("'gratings' is neither scenes, movies"), unknown.output)
    }
}
