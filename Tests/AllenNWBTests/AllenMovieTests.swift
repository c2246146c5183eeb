import AllenNWB
import Foundation
import H5
import TrainingSet
import XCTest

/// Natural-movie frames as trials: responses against the synthetic session's own dF/F, and the
/// reader's answer to damaged movie tables and templates (an error, or a counted and noted drop).
final class AllenMovieTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("allen-movies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private let movieGroup = AllenNWBLayout.presentation(of: "natural_movie_one")

    private func written() throws -> (SyntheticAllenSession, String) {
        let session = SyntheticAllenSession()
        let path = folder.appendingPathComponent("b.nwb").path
        try session.write(to: path)
        return (session, path)
    }

    /// Every 6th frame, 5-frame segments with a 2-frame gap, so the synthetic 20-frame movie has all three tiers.
    private var options: ConversionOptions {
        var options = ConversionOptions()
        (options.movieFrameStep, options.movieSegmentFrames, options.movieGapFrames) = (6, 5, 2)
        return options
    }

    /// Rewrites the movie's presentation table (frame shown, imaging frames, onsets) with `edit`.
    private func editTable(_ path: String, _ edit: (inout [(frame: Int64, start: Double, end: Double, onset: Double)]) -> Void) throws {
        let file = try H5File.open(path, mode: .readWrite)
        let frames: [Int64] = try file.read(movieGroup + "/data")
        let bounds: [Double] = try file.read(movieGroup + "/frame_duration")
        let onsets: [Double] = try file.read(movieGroup + "/timestamps")
        var rows = frames.indices.map { (frame: frames[$0], start: bounds[2 * $0], end: bounds[2 * $0 + 1], onset: onsets[$0]) }
        edit(&rows)
        for name in ["data", "frame_duration", "timestamps"] { try file.remove(movieGroup + "/" + name) }
        try file.write(rows.map(\.frame), to: movieGroup + "/data")
        try file.write(rows.flatMap { [$0.start, $0.end] }, shape: [rows.count, 2], to: movieGroup + "/frame_duration")
        try file.write(rows.map(\.onset), to: movieGroup + "/timestamps")
        try file.close()
    }

    func testMovieTrialsAverageTheWindowAfterEveryKeptFrame() throws {
        let (session, path) = try written()
        // Window edges off the frame times, which float rounding would make ambiguous: frames 4...12 after onset.
        var options = self.options
        (options.movieWindowStart, options.movieWindowEnd) = (0.11, 0.41)
        let (recording, report) = try AllenConverter.convert(nwb: path, options: options)
        let trials = recording.trials
        let movie = trials.indices(selecting: try StimulusSelection(parsing: "natural_movie_one"))
        XCTAssertEqual(recording.metadata.movieTrials, MovieTrialSettings(responseWindowStart: 0.11, responseWindowEnd: 0.41, frameStep: 6))
        let keptFrames: Set<Int32> = Set(movie.map { trials.stimulusFrame[$0] })
        XCTAssertTrue(keptFrames.isSubset(of: [0, 6, 12, 18]) && keptFrames.count >= 3, "\(keptFrames)")

        // Each frame is one image shared by its repeats (the repeat group), and no two frames share one.
        var imageOfFrame = [Int32: Int32]()
        for trial in movie {
            let image = trials.imageIndex[trial]
            XCTAssertEqual(imageOfFrame.updateValue(image, forKey: trials.stimulusFrame[trial]) ?? image, image)
        }
        XCTAssertEqual(Set(imageOfFrame.values).count, imageOfFrame.count)
        XCTAssertTrue(imageOfFrame.values.allSatisfy { $0 >= 119 }, "movie frames follow the 118 scenes and the gray image")

        // Responses: mean dF/F over the imaging frames 0.1-0.4 s after the frame's onset.
        let starts = session.blocks.filter { $0.stimulus == "natural_movie_one" }.flatMap(\.starts)
        let shown = session.movieFramesShown("natural_movie_one")
        for trial in movie {
            let onset = try XCTUnwrap(trials.onsetTimes?[trial])
            let presentation = try XCTUnwrap(starts.indices.first { session.timestamps[starts[$0]] == onset })
            XCTAssertEqual(Int32(shown[presentation]), trials.stimulusFrame[trial])
            let window = session.timestamps.indices.filter { session.timestamps[$0] >= onset + 0.11 && session.timestamps[$0] < onset + 0.41 }
            XCTAssertEqual(window.first, starts[presentation] + 4)
            XCTAssertEqual(window.count, 9)
            for cell in 0..<5 {
                let expected = window.map { Double(session.dff[cell * session.frames + $0]) }.reduce(0, +) / 9
                XCTAssertEqual(Double(trials.responses[trial, cell]), expected, accuracy: 1e-6)
            }
        }
        // Tiers by 5-frame segment: every kept frame of a movie has one tier, and all three tiers occur.
        var tierOfFrame = [Int32: Tier]()
        for trial in movie {
            let tier = trials.tiers[trial]
            XCTAssertEqual(tierOfFrame.updateValue(tier, forKey: trials.stimulusFrame[trial]) ?? tier, tier)
        }
        XCTAssertEqual(Set(tierOfFrame.values), [.train, .validation, .test])
        XCTAssertTrue(report.notes.contains { $0.contains("natural_movie_one \(movie.count)") }, "\(report.notes)")
        let file = folder.appendingPathComponent("b.h5").path
        try recording.write(to: file)
        XCTAssertEqual(try Recording.read(from: file), recording)
    }

    func testOutOfOrderTableIsSortedAndNoted() throws {
        let (_, path) = try written()
        let (expected, _) = try AllenConverter.convert(nwb: path, options: options)
        try editTable(path) { rows in rows.reverse(); rows.swapAt(0, 7) }
        let (recording, report) = try AllenConverter.convert(nwb: path, options: options)
        XCTAssertEqual(recording, expected)
        XCTAssertTrue(report.notes.contains { $0.contains("natural_movie_one: the presentation table is out of time order; sorted by start frame") }, "\(report.notes)")
    }

    func testMissingPresentationsAreKeptWithFewerRepeatsAndCounted() throws {
        let (_, path) = try written()
        let movies = try StimulusSelection(parsing: "movies")
        let complete = try AllenConverter.convert(nwb: path, options: options).0
        let frame = try XCTUnwrap(complete.trials.indices(selecting: movies).first.map { Int(complete.trials.stimulusFrame[$0]) })
        // The second repeat (presentations 20-39) lost that frame and the next.
        try editTable(path) { rows in rows.removeSubrange((20 + frame)...(21 + frame)) }
        let (recording, report) = try AllenConverter.convert(nwb: path, options: options)
        let shown = recording.trials.indices(selecting: movies).filter { recording.trials.stimulusFrame[$0] == frame }
        XCTAssertEqual(shown.count, 2)
        XCTAssertEqual(recording.trials.indices(selecting: movies).count, complete.trials.indices(selecting: movies).count - 1)
        XCTAssertTrue(report.notes.contains { $0.contains("natural_movie_one: 2 frames shown fewer than 3 times (missing presentations)") }, "\(report.notes)")
    }

    func testFrameBeyondTheTemplateIsAnError() throws {
        let (_, path) = try written()
        try editTable(path) { rows in rows[4].frame = 20 }
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path, options: options)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(path): \(self.movieGroup)/data: presentation 4 shows frame 20, but \(AllenNWBLayout.template(of: "natural_movie_one")) holds 20 frames (a truncated template or a damaged table)"), text)
            XCTAssertTrue(text.contains("fetch it again"), text)
        }
    }

    func testTruncatedOrMissingTemplateIsAnError() throws {
        let (_, path) = try written()
        let template = AllenNWBLayout.template(of: "natural_movie_one")
        let file = try H5File.open(path, mode: .readWrite)
        let frames: [UInt8] = try file.read(template)
        try file.remove(template)
        try file.write(Array(frames.prefix(12 * 8 * 16)), shape: [12, 8, 16], to: template)
        try file.close()
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path, options: options)) { error in
            XCTAssertTrue("\(error)".contains("shows frame 12, but \(template) holds 12 frames (a truncated template"), "\(error)")
        }

        let again = try H5File.open(path, mode: .readWrite)
        try again.remove(template)
        try again.close()
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path, options: options)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): \(template): is missing (the frames of natural_movie_one, which the session presents)"), "\(error)")
        }
    }
}
