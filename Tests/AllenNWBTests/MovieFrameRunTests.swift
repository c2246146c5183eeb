import AllenNWB
import Foundation
import H5
import ImageFiles
import TrainingSet
import XCTest

/// `convert --movie-frame-run K`: a movie trial's image is the rounded mean of the K template frames
/// from its frame, clipped at the movie's last frame, recorded in the file, and never sharing a frame
/// between a training run and a held-out one. The synthetic movie: 20 frames of 8 x 16 pixels,
/// converted at that size (squash: each pixel kept as it is) so the images are the means themselves.
final class MovieFrameRunTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("movie-frame-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Every frame a trial; segments 0-6, 7-13, 14-19 (one per tier) with a 3-frame gap.
    private func options(frameRun: Int) -> ConversionOptions {
        var options = ConversionOptions()
        (options.imageHeight, options.imageWidth, options.aspect) = (8, 16, .squash)
        (options.movieFrameStep, options.movieSegmentFrames, options.movieGapFrames) = (1, 7, 3)
        options.movieFrameRun = frameRun
        return options
    }

    private func converted(frameRun: Int) throws -> (SyntheticAllenSession, Recording, ConversionReport) {
        let session = SyntheticAllenSession()
        let path = folder.appendingPathComponent("b.nwb").path
        try session.write(to: path)
        let (recording, report) = try AllenConverter.convert(nwb: path, options: options(frameRun: frameRun))
        return (session, recording, report)
    }

    /// The rounded (halves up) mean of template frames `frames`, in integers: independent of the converter's float path.
    private func expectedImage(_ template: [UInt8], frames: Range<Int>, pixels: Int) -> [UInt8] {
        (0..<pixels).map { pixel in
            let sum = frames.map { Int(template[$0 * pixels + pixel]) }.reduce(0, +)
            return UInt8((2 * sum + frames.count) / (2 * frames.count))
        }
    }

    private func movieTrials(_ recording: Recording) throws -> [Int] {
        recording.trials.indices(selecting: try StimulusSelection(parsing: "movies"))
    }

    func testImagesAreTheRoundedMeanOfTheRunClippedAtTheMoviesEnd() throws {
        let (session, recording, report) = try converted(frameRun: 3)
        let template = session.movieTemplate("natural_movie_one")
        let pixels = session.settings.movieHeight * session.settings.movieWidth
        let movie = try movieTrials(recording)
        let frames = Set(movie.map { Int(recording.trials.stimulusFrame[$0]) })
        // The last segment borders no later one, so its last frames are kept whatever its tier.
        XCTAssertTrue(frames.isSuperset(of: [17, 18, 19]), "\(frames.sorted())")
        for trial in movie {
            let frame = Int(recording.trials.stimulusFrame[trial])
            let run = frame..<min(frame + 3, 20)
            XCTAssertEqual(Array(recording.images.image(Int(recording.trials.imageIndex[trial]))),
                           expectedImage(template, frames: run, pixels: pixels), "frame \(frame)")
        }
        // Averaging three frames really changed the drifting movie's images.
        let frame17 = try XCTUnwrap(movie.first { recording.trials.stimulusFrame[$0] == 17 })
        XCTAssertNotEqual(Array(recording.images.image(Int(recording.trials.imageIndex[frame17]))),
                          expectedImage(template, frames: 17..<18, pixels: pixels))
        XCTAssertTrue(report.notes.contains("natural_movie_one: 2 frame images average fewer than 3 frames (--movie-frame-run stops at the movie's last frame, 19)"),
                      "\(report.notes)")
        XCTAssertTrue(report.notes.contains { $0.contains("every 1th frame, images the mean of 3 frames") }, "\(report.notes)")

        // Recorded in the file and read back.
        XCTAssertEqual(recording.metadata.movieTrials?.frameRun, 3)
        let file = folder.appendingPathComponent("run.h5").path
        try recording.write(to: file)
        XCTAssertEqual(try H5File.open(file).attribute("movie_frame_run", as: Int64.self), [3])
        XCTAssertEqual(try Recording.read(from: file), recording)
    }

    func testNoTrainingRunSharesAFrameWithAHeldOutRun() throws {
        let (_, recording, _) = try converted(frameRun: 3)
        let movie = try movieTrials(recording)
        func runs(_ tiers: Set<Tier>) -> Set<Int> {
            Set(movie.filter { tiers.contains(recording.trials.tiers[$0]) }.flatMap { trial -> Range<Int> in
                let frame = Int(recording.trials.stimulusFrame[trial])
                return frame..<min(frame + 3, 20)
            })
        }
        XCTAssertEqual(Set(movie.map { recording.trials.tiers[$0] }), [.train, .validation, .test])
        XCTAssertTrue(runs([.train]).isDisjoint(with: runs([.validation, .test])))
        XCTAssertTrue(runs([.validation]).isDisjoint(with: runs([.test])))
    }

    func testARunOfOneStoresEachFrameAsItIsAndWritesNoRunAttribute() throws {
        let (session, recording, _) = try converted(frameRun: 1)
        let template = session.movieTemplate("natural_movie_one")
        let pixels = session.settings.movieHeight * session.settings.movieWidth
        for trial in try movieTrials(recording) {
            let frame = Int(recording.trials.stimulusFrame[trial])
            XCTAssertEqual(Array(recording.images.image(Int(recording.trials.imageIndex[trial]))),
                           Array(template[(frame * pixels)..<((frame + 1) * pixels)]))
        }
        XCTAssertEqual(recording.metadata.movieTrials?.frameRun, 1)
        // A file as written before runs existed: no attribute, and such a file reads as a run of 1.
        let file = folder.appendingPathComponent("single.h5").path
        try recording.write(to: file)
        XCTAssertFalse(try H5File.open(file).hasAttribute("movie_frame_run"))
        XCTAssertEqual(try Recording.read(from: file).metadata.movieTrials?.frameRun, 1)
    }

    func testRunsFitTheGapOrAreRefused() {
        XCTAssertTrue(MovieFrameRun.fits(length: 1, gapFrames: 0))
        XCTAssertTrue(MovieFrameRun.fits(length: 30, gapFrames: 30))
        XCTAssertFalse(MovieFrameRun.fits(length: 31, gapFrames: 30))
        XCTAssertFalse(MovieFrameRun.fits(length: 2, gapFrames: 0))
        XCTAssertEqual(MovieFrameRun(length: 3).frames(from: 5, templateFrames: 20), 5..<8)
        XCTAssertEqual(MovieFrameRun(length: 3).frames(from: 19, templateFrames: 20), 19..<20)
    }
}
