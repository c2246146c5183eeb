import ArgumentParser
import Foundation
import TrainingSet

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a simulated Allen-like natural-scenes session as a training-set file.",
        discussion: """
        The simulation mimics an Allen Brain Observatory three_session_B recording: natural-like images \
        shown ~50 times each in random order with a blank trial per pass, mouse-like running bouts, \
        pupil size following arousal, and eye movements that shift every receptive field. Each neuron \
        has a Gabor-like receptive field placed by retinotopy (simple or complex cell), a gain that \
        follows running and arousal, and Poisson trial-to-trial noise. The file stores the noiseless \
        responses and the true receptive fields as ground truth, so you can check what a model learnt.

        The same --seed always gives the same file. Inspect the result with `v1t-dist inspect FILE`.

        --container writes an experiment container instead: three sessions (three_session_A, B, C) of the \
        same --neurons neurons in one training set with a per-session recorded mask, each showing the natural \
        movies its Allen session type shows: B is exactly the session above with natural_movie_one (so held-out \
        scenes compare directly), A (without cells i % 4 == 1) shows natural_movie_one and natural_movie_three \
        (four times as long), C (without cells i % 4 == 3) natural_movie_one and natural_movie_two. Movie one \
        and two have --movie-frames frames (900, as the Allen's, unless given).

        Example: v1t-dist simulate --out data/simulated.h5 --seed 7
        """
    )

    @Option(name: .long, help: ArgumentHelp("Training-set file to write (replaced if it exists).", valueName: "file"))
    var out: String

    @Option(help: "Seed of every random choice (images, neurons, behaviour, noise, tiers).")
    var seed: UInt64 = 1

    @Option(help: "Number of neurons.")
    var neurons = SimulationOptions().neurons

    @Option(help: "Number of distinct natural images (a gray image for blank trials is added).")
    var images = SimulationOptions().images

    @Option(help: "Times each image is shown; each pass through the images adds one blank trial.")
    var repeats = SimulationOptions().repeats

    @Option(help: "Stored image height in pixels.")
    var height = SimulationOptions().imageHeight

    @Option(help: "Stored image width in pixels.")
    var width = SimulationOptions().imageWidth

    @Flag(inversion: .prefixedNo, help: "Record pupil size, its derivative and the pupil centre (--no-eye-tracking: a session without an eye camera; eyes still move).")
    var eyeTracking = true

    @Option(help: "Share of the natural images held out for validation.")
    var validationFraction = SimulationOptions().validationFraction

    @Option(help: "Share of the natural images held out for test.")
    var testFraction = SimulationOptions().testFraction

    @Flag(help: "Write a three-session experiment container (see above).")
    var container = false

    @Option(help: "Frames of a natural movie (natural_movie_one; the Allen's has 900) shown after the scenes and driven through a calcium kernel; 0: none. (default: 0, with --container 900)")
    var movieFrames: Int?

    @Option(help: "Times the movie is shown.")
    var movieRepeats = SimulationOptions().movieRepeats

    @Option(help: "Every n-th movie frame becomes a trial (as `convert --movie-frame-step`).")
    var movieFrameStep = SimulationOptions().movieFrameStep

    @Option(help: "A movie trial's stored image: the mean of this many frames from its frame (as `convert --movie-frame-run`); the responses stay those of the frames shown. At most the movie's tier gap (30 frames for --movie-frames 900).")
    var movieFrameRun = SimulationOptions().movieFrameRun

    /// natural_movie_one's length in the Allen's sessions (30 s at 30 frames/s).
    static let containerMovieFrames = 900

    var options: SimulationOptions {
        var options = SimulationOptions()
        options.seed = seed
        options.neurons = neurons
        options.images = images
        options.repeats = repeats
        options.imageHeight = height
        options.imageWidth = width
        options.eyeTracking = eyeTracking
        options.validationFraction = validationFraction
        options.testFraction = testFraction
        options.movieFrames = movieFrames ?? (container ? Self.containerMovieFrames : 0)
        options.movieRepeats = movieRepeats
        options.movieFrameStep = movieFrameStep
        options.movieFrameRun = movieFrameRun
        return options
    }

    func validate() throws {
        do {
            try options.validate()
        } catch let error as SimulationOptionsError {
            throw ValidationError(error.description)
        }
        if container && movieFrames == 0 {
            throw ValidationError("--movie-frames 0 does not combine with --container: the container's A and C sessions show only movies; "
                                  + "leave it out for the Allen's 900 frames")
        }
        try validateOutputPath(out)
    }

    func run() throws {
        let start = Date()
        let recording = container ? try Simulator.simulateContainer(options) : try Simulator.simulate(options)
        try recording.write(to: out)
        let trials = recording.trials
        let tiers = Tier.allCases.map { tier in "\(tier) \(trials.tiers.filter { $0 == tier }.count)" }.joined(separator: ", ")
        print("wrote \(out): \(trials.count) trials (\(tiers)), \(recording.neurons.count) neurons, "
              + "\(recording.images.count) images of \(recording.images.height) x \(recording.images.width) "
              + "in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        if container {
            print("container sessions: " + recording.sessions.map { "\($0.sessionType) \($0.recorded.filter { $0 }.count) neurons" }
                .joined(separator: ", "))
        }
    }
}

/// The directory must exist and the path must not be a directory, checked before any work is done.
func validateOutputPath(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw ValidationError("--out \(path) is a directory; give a file name, e.g. \(path)/simulated.h5")
    }
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--out \(path): the directory \(directory) does not exist; create it first (mkdir -p \(directory))")
    }
}
