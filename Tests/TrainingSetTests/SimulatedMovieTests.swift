import Foundation
@testable import TrainingSet
import XCTest

/// The simulator's natural movie: the same neurons as its scenes, frames that change slowly, trials
/// every n-th frame with repeats, tiers by segment, and responses that follow the frames.
final class SimulatedMovieTests: XCTestCase {
    private func options(movieFrames: Int) -> SimulationOptions {
        var options = SimulationOptions()
        (options.neurons, options.images, options.repeats, options.seed) = (12, 12, 4, 9)
        (options.imageHeight, options.imageWidth) = (24, 40)
        (options.movieFrames, options.movieRepeats, options.movieFrameStep) = (movieFrames, 4, 3)
        return options
    }

    func testMovieTrialsFollowTheScenesOfTheSameNeurons() throws {
        let scenes = try Simulator.simulate(options(movieFrames: 0))
        let both = try Simulator.simulate(options(movieFrames: 120))
        let sceneTrials = try both.trialIndices(selecting: StimulusSelection(parsing: "scenes"))
        XCTAssertEqual(sceneTrials, Array(0..<scenes.trials.count))
        XCTAssertEqual(both.trials.responses.rows(sceneTrials), scenes.trials.responses)
        XCTAssertEqual(both.neurons, scenes.neurons)
        XCTAssertEqual(both.trials.stimulusKinds.map(\.name), ["natural_scenes", "natural_movie_one"])
        XCTAssertEqual(both.metadata.movieTrials?.frameStep, 3)

        let movie = try both.trialIndices(selecting: StimulusSelection(parsing: "movies"))
        XCTAssertTrue(movie.allSatisfy { both.trials.stimulusFrame[$0] % 3 == 0 })
        // 40 kept frames x 4 repeats, less the frames in the gaps between tiers; each in every repeat.
        var repeats = [Int32: Int]()
        for trial in movie { repeats[both.trials.stimulusFrame[trial], default: 0] += 1 }
        XCTAssertTrue(repeats.values.allSatisfy { $0 == 4 }, "\(repeats)")
        XCTAssertLessThan(repeats.count, 40)
        XCTAssertGreaterThan(repeats.count, 25)
        XCTAssertEqual(Set(movie.map { both.trials.tiers[$0] }), [.train, .validation, .test])
        try both.validate()
    }

    func testNeighbouringFramesLookAlikeAndResponsesRepeat() throws {
        let recording = try Simulator.simulate(options(movieFrames: 120))
        let movie = try recording.trialIndices(selecting: StimulusSelection(parsing: "movies"))
        let images = recording.images
        func difference(_ a: Int32, _ b: Int32) -> Double {
            zip(images.image(Int(a)), images.image(Int(b))).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(images.pixelsPerImage)
        }
        var imageOfFrame = [Int32: Int32]()
        for trial in movie { imageOfFrame[recording.trials.stimulusFrame[trial]] = recording.trials.imageIndex[trial] }
        let frames = imageOfFrame.keys.sorted()
        // Frames 3 apart within a shot differ far less than frames of different shots (a cut every 150).
        let near = zip(frames, frames.dropFirst()).filter { $1 - $0 == 3 }.map { difference(imageOfFrame[$0]!, imageOfFrame[$1]!) }
        let far = difference(imageOfFrame[frames.first!]!, imageOfFrame[frames.last!]!)
        XCTAssertLessThan(near.reduce(0, +) / Double(near.count), far / 2)

        // The noiseless response of a frame is the same in every repeat up to the behavioural gain,
        // and the recorded responses follow it.
        let truth = try XCTUnwrap(recording.groundTruth).noiselessResponses
        var sumXY = 0.0, sumX = 0.0, sumY = 0.0, sumXX = 0.0, sumYY = 0.0
        for trial in movie {
            for n in 0..<recording.neurons.count {
                let x = Double(truth[trial, n]), y = Double(recording.trials.responses[trial, n])
                sumXY += x * y; sumX += x; sumY += y; sumXX += x * x; sumYY += y * y
            }
        }
        let count = Double(movie.count * recording.neurons.count)
        let correlation = (sumXY / count - sumX * sumY / count / count)
            / ((sumXX / count - sumX * sumX / count / count).squareRoot() * (sumYY / count - sumY * sumY / count / count).squareRoot())
        XCTAssertGreaterThan(correlation, 0.3)
    }

    /// A run of 4 frames (the 120-frame movie's tiers have a 4-frame gap): each stored movie image is
    /// the rounded mean of the frames from its own, clipped at the last; trials, responses and truth
    /// are those of single frames.
    func testAFrameRunChangesOnlyTheStoredMovieImages() throws {
        let single = try Simulator.simulate(options(movieFrames: 120))
        var runOptions = options(movieFrames: 120)
        runOptions.movieFrameRun = 4
        let averaged = try Simulator.simulate(runOptions)
        XCTAssertEqual(averaged.trials, single.trials)
        XCTAssertEqual(averaged.groundTruth, single.groundTruth)
        XCTAssertEqual(averaged.metadata.movieTrials?.frameRun, 4)
        XCTAssertEqual(single.metadata.movieTrials?.frameRun, 1)
        let movie = try averaged.trialIndices(selecting: StimulusSelection(parsing: "movies"))
        let firstMovieImage = Int(movie.map { averaged.trials.imageIndex[$0] }.min()!)
        for image in 0..<firstMovieImage { XCTAssertEqual(averaged.images.image(image), single.images.image(image)) }

        let frames = SimulatedMovie(options: runOptions, neurons: [], name: "natural_movie_one", frameCount: 120).frames()
        let kept = Set(movie.map { Int(averaged.trials.stimulusFrame[$0]) })
        XCTAssertTrue(kept.contains(117), "the last kept frame, whose run is clipped to 117...119")
        for trial in movie {
            let frame = Int(averaged.trials.stimulusFrame[trial])
            let run = frame..<min(frame + 4, 120)
            let expected = (0..<frames.pixelsPerImage).map { pixel -> UInt8 in
                let sum = run.map { Int(frames.image($0)[frames.image($0).startIndex + pixel]) }.reduce(0, +)
                return UInt8((2 * sum + run.count) / (2 * run.count))
            }
            XCTAssertEqual(Array(averaged.images.image(Int(averaged.trials.imageIndex[trial]))), expected, "frame \(frame)")
        }
        try averaged.validate()

        runOptions.movieFrameRun = 5
        XCTAssertThrowsError(try runOptions.validate()) { error in
            let refusal = error as? SimulationOptionsError
            XCTAssertEqual(refusal?.flag, "--movie-frame-run")
            XCTAssertTrue(refusal?.message.contains("5 is longer than the 4-frame gap between the movie's tiers") == true, "\(error)")
            XCTAssertTrue(refusal?.message.contains("use --movie-frame-run 4 or less") == true, "\(error)")
        }
    }

    func testCalciumKernelPeaksLikeGCaMP6fAndSustainedDriveKeepsItsLevel() {
        let kernel = CalciumKernel()
        XCTAssertEqual(kernel.peakTime, 0.21, accuracy: 0.01)
        let peakFrame = kernel.samples.indices.max { kernel.samples[$0] < kernel.samples[$1] }!
        XCTAssertEqual(Double(peakFrame) / 30, kernel.peakTime, accuracy: 1.0 / 30)
        XCTAssertEqual(kernel.samples.max()!, 1, accuracy: 0.02)
        XCTAssertEqual(kernel.samples[0], 0)
        let trace = kernel.trace(of: [Double](repeating: 1, count: 200))
        XCTAssertEqual(trace[199], kernel.samples.reduce(0, +), accuracy: 1e-9)
    }
}
