import Foundation
import H5
@testable import TrainingSet
import XCTest

/// Format version 2: stimulus kinds (scenes, movie frames), sessions with a neuron-recorded mask,
/// movie tiers by segment, and version 1 files still reading.
final class StimulusKindAndSessionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeScratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testMoviesAndSessionsSurviveWriteAndRead() throws {
        let recording = makeMovieRecording()
        try recording.validate()
        try recording.write(to: path("movies.h5"))
        let read = try Recording.read(from: path("movies.h5"))
        XCTAssertEqual(read, recording)
        XCTAssertEqual(read.trials.stimulusKinds.map(\.name), ["natural_scenes", "natural_movie_one"])
        XCTAssertEqual(read.sessions.map(\.recorded), [[true, true, true], [true, true, false]])
        XCTAssertEqual(read.metadata.movieTrials, MovieTrialSettings(responseWindowStart: 0.1, responseWindowEnd: 0.4, frameStep: 2))
        let movieTrial = read.trials.indices(selecting: try StimulusSelection(parsing: "movies")).last!
        XCTAssertFalse(read.isRecorded(trial: movieTrial, neuron: 2))
        XCTAssertTrue(read.isRecorded(trial: 0, neuron: 2))
        XCTAssertFalse(read.recordsEveryNeuronOnEveryTrial)
    }

    func testVersion1FileReadsAsOneSessionOfNaturalScenes() throws {
        let file = path("v1.h5")
        try makeSmallRecording().write(to: file)
        let editable = try H5File.open(file, mode: .readWrite)
        for removed in ["stimuli", "sessions", "trials/stimulus_kind", "trials/session"] { try editable.remove(removed) }
        try editable.setAttribute("format_version", Int64(1))
        try editable.close()

        let read = try Recording.read(from: file)
        XCTAssertEqual(read.metadata.formatVersion, 1)
        XCTAssertEqual(read.trials.stimulusKinds, [.naturalScenes])
        XCTAssertEqual(read.sessions, [RecordedSession(experimentID: "fixture-1", sessionType: "three_session_B", recorded: [true, true, true])])
        XCTAssertEqual(read.trials, makeSmallRecording().trials)
        XCTAssertEqual(try read.trialIndices(selecting: StimulusSelection(parsing: "scenes")).count, read.trials.count)
        XCTAssertThrowsError(try read.trialIndices(selecting: StimulusSelection(parsing: "scenes,movies"))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("--stimuli asks for movies, but the file holds trials of natural_scenes only"), text)
            XCTAssertTrue(text.contains("format version 1"), text)
            XCTAssertTrue(text.contains("Convert the session again"), text)
        }
    }

    func testSelectionPicksTrialsByKindAndRefusesUnknownWords() throws {
        let recording = makeMovieRecording()
        let scenes = try recording.trialIndices(selecting: StimulusSelection(parsing: "scenes"))
        let movies = try recording.trialIndices(selecting: StimulusSelection(parsing: "natural_movie_one"))
        XCTAssertEqual(scenes, Array(0..<22))
        XCTAssertEqual(movies, Array(22..<recording.trials.count))
        XCTAssertEqual(try recording.trialIndices(selecting: StimulusSelection(parsing: " scenes , movies ")), Array(0..<recording.trials.count))
        XCTAssertEqual(try recording.trialIndices(selecting: .all).count, recording.trials.count)
        XCTAssertThrowsError(try recording.trialIndices(selecting: StimulusSelection(parsing: "natural_movie_three"))) { error in
            XCTAssertTrue("\(error)".contains("holds trials of natural_scenes, natural_movie_one only"), "\(error)")
        }
        XCTAssertThrowsError(try StimulusSelection(parsing: "gratings")) { error in
            XCTAssertTrue("\(error)".contains("'gratings' is neither scenes, movies"), "\(error)")
        }
        XCTAssertThrowsError(try StimulusSelection(parsing: ","))

        let moviesOnly = recording.selectingTrials(movies)
        XCTAssertEqual(moviesOnly.trials.count, movies.count)
        XCTAssertEqual(moviesOnly.groundTruth!.noiselessResponses, recording.groundTruth!.noiselessResponses.rows(movies))
        XCTAssertEqual(moviesOnly.statistics, Statistics.compute(for: moviesOnly))
    }

    func testResponseStatisticsSkipUnrecordedNeurons() throws {
        let recording = makeMovieRecording()
        let training = recording.trials.indices(in: .train)
        let recorded = training.filter { recording.isRecorded(trial: $0, neuron: 2) }
        XCTAssertLessThan(recorded.count, training.count)
        let mean = recorded.map { Double(recording.trials.responses[$0, 2]) }.reduce(0, +) / Double(recorded.count)
        XCTAssertEqual(Double(recording.statistics.responses.mean[2]), mean, accuracy: 1e-5)
        let everyone = training.map { Double(recording.trials.responses[$0, 0]) }.reduce(0, +) / Double(training.count)
        XCTAssertEqual(Double(recording.statistics.responses.mean[0]), everyone, accuracy: 1e-5)
    }

    func testMaskAndKindRulesAreEnforced() throws {
        var recording = makeMovieRecording()
        let unrecorded = recording.trials.indices(selecting: .all).first { !recording.isRecorded(trial: $0, neuron: 2) }!
        recording.trials.responses[unrecorded, 2] = 0.5
        XCTAssertThrowsError(try recording.validate()) { error in
            XCTAssertTrue("\(error)".contains("was not recorded in its session but holds 0.5"), "\(error)")
        }

        recording = makeMovieRecording()
        for trial in 0..<recording.trials.count where recording.trials.sessionIndex[trial] == 0 {
            recording.trials.responses[trial, 2] = 0
        }
        recording.sessions[0].recorded[2] = false
        XCTAssertThrowsError(try recording.validate()) { error in
            XCTAssertTrue("\(error)".contains("neuron 2 (id 517500002) is recorded on no training trial"), "\(error)")
        }

        recording = makeMovieRecording()
        recording.metadata.movieTrials = nil
        XCTAssertThrowsError(try recording.validate()) { error in
            XCTAssertTrue("\(error)".contains("there are movie trials but no movie settings"), "\(error)")
        }

        let badRun = path("bad-run.h5")
        try makeMovieRecording().write(to: badRun)
        let damaged = try H5File.open(badRun, mode: .readWrite)
        try damaged.setAttribute("movie_frame_run", Int64(0))
        try damaged.close()
        XCTAssertThrowsError(try Recording.read(from: badRun)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(badRun): /@movie_frame_run: is 0; it must be 1 or more"), "\(error)")
        }

        let file = path("bad-kind.h5")
        try makeMovieRecording().write(to: file)
        let editable = try H5File.open(file, mode: .readWrite)
        try editable.remove("trials/stimulus_kind")
        try editable.write([Int32](repeating: 7, count: makeMovieRecording().trials.count), to: "trials/stimulus_kind")
        try editable.close()
        XCTAssertThrowsError(try Recording.read(from: file)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(file): /trials/stimulus_kind: trial 0 has kind 7, but /stimuli/name lists kinds 0..<2"), "\(error)")
        }
    }

    func testMovieTiersFollowSegmentsAndNeighbouringFramesNeverStraddleTiers() throws {
        let recording = makeMovieRecording()
        let trials = recording.trials
        let movie = trials.indices(selecting: try StimulusSelection(parsing: "movies"))
        var tierOfFrame = [Int32: Tier]()
        var tierOfSegment = [Int32: Tier]()
        for trial in movie {
            let frame = trials.stimulusFrame[trial]
            XCTAssertEqual(tierOfFrame.updateValue(trials.tiers[trial], forKey: frame) ?? trials.tiers[trial], trials.tiers[trial])
            XCTAssertEqual(tierOfSegment.updateValue(trials.tiers[trial], forKey: frame / 10) ?? trials.tiers[trial], trials.tiers[trial])
        }
        XCTAssertEqual(Set(tierOfSegment.values), [.train, .validation, .test])
        for (a, tierA) in tierOfFrame {
            for (b, tierB) in tierOfFrame where abs(a - b) <= 2 { XCTAssertEqual(tierA, tierB, "frames \(a) and \(b)") }
        }
        // Only the gap frames next to a later tier were dropped: 30 frames x 3 repeats before the split.
        let dropped = 90 - movie.count
        XCTAssertGreaterThan(dropped, 0)
        XCTAssertEqual(dropped % 3, 0)
        let again = TierSplit(validationFraction: 0.2, testFraction: 0.2, seed: 1, movieSegmentFrames: 10, movieGapFrames: 2)
            .assign(trials)
        XCTAssertEqual(again.kept, Array(0..<trials.count), "splitting a split trial set again drops nothing more")
        XCTAssertEqual(again.tiers, trials.tiers)
    }

    func testReportNamesStimuliAndSessions() {
        let recording = makeMovieRecording()
        let movieTrials = recording.trials.count - 22
        let text = RecordingReport(recording: recording, path: "movies.h5").text
        XCTAssertTrue(text.contains("stimuli: natural_scenes 22 trials, natural_movie_one \(movieTrials) trials; movies: frame step 2, response 0.100-0.400 s after the frame"), text)
        XCTAssertTrue(text.contains("sessions: fixture-1 (three_session_B, 3 of 3 neurons), fixture-2 (three_session_A, 2 of 3 neurons)"), text)
    }
}
