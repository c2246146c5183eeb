/// What to simulate. The defaults mimic one Allen Brain Observatory three_session_B natural-scenes
/// session: 118 images, ~50 repeats each in random order, a blank trial per pass through the
/// images (5,950 trials), 174 neurons in a 400 x 400 µm field at 175 µm depth, eye tracking present.
public struct SimulationOptions: Equatable, Sendable {
    /// Everything random derives from it: the same seed gives the same file.
    public var seed: UInt64 = 1
    public var neurons = 174
    public var images = 118
    public var repeats = 50
    /// Stored image size (the model resizes to 36 x 64, as V1T does).
    public var imageHeight = 72
    public var imageWidth = 128
    /// Without eye tracking the eyes still move (and shift receptive fields), but pupil size, its
    /// derivative and the pupil centre are not recorded: stored as zeros and flagged unavailable.
    public var eyeTracking = true
    /// Shares of the natural images held out for validation and test (see `TierSplit`).
    public var validationFraction = 0.1
    public var testFraction = 0.1
    /// Frames of a natural movie (`natural_movie_one`) shown after the scenes; 0: none. The Allen's
    /// movie one has 900 frames (30 s), shown `movieRepeats` = 10 times; every `movieFrameStep`-th
    /// frame becomes a trial, as `convert` does (`SimulatedMovie`), its image the mean of
    /// `movieFrameRun` frames from it (`MovieFrameRun`).
    public var movieFrames = 0
    public var movieRepeats = 10
    public var movieFrameStep = 10
    public var movieFrameRun = 1

    /// The movie's tier segments: a sixth of the movie (at most 5 s) with a gap of a fifth of a
    /// segment (at most 1 s) between tiers, as `convert --movie-tiers 150,30` for a 900-frame movie.
    public var movieSegmentFrames: Int { min(TierSplit.defaultMovieSegmentFrames, max(1, movieFrames / 6)) }
    public var movieGapFrames: Int { min(TierSplit.defaultMovieGapFrames, movieSegmentFrames / 5) }

    public init() {}

    /// Seconds between image onsets (each image is shown 0.25 s with no gap, as in the Allen stimulus).
    public static let secondsPerTrial = 0.25

    /// Trials the options produce: one pass per repeat through all images plus one blank.
    public var trialCount: Int { repeats * (images + 1) }

    /// Rejects values that cannot make a usable recording, naming the option (as its command-line
    /// flag) and the allowed range.
    public func validate() throws {
        func require(_ condition: Bool, _ flag: String, _ message: String) throws {
            if !condition { throw SimulationOptionsError(flag: flag, message: message) }
        }
        try require((1...100_000).contains(neurons), "--neurons", "must be between 1 and 100000 (got \(neurons))")
        try require((3...10_000).contains(images), "--images",
                    "must be between 3 and 10000 (got \(images)): training, validation and test each need an image")
        try require((2...1_000).contains(repeats), "--repeats",
                    "must be between 2 and 1000 (got \(repeats)): a noise ceiling needs repeats of each image")
        try require((16...1_024).contains(imageHeight), "--height", "must be between 16 and 1024 pixels (got \(imageHeight))")
        try require((16...1_024).contains(imageWidth), "--width", "must be between 16 and 1024 pixels (got \(imageWidth))")
        try require(validationFraction > 0 && testFraction > 0 && validationFraction + testFraction < 0.9,
                    "--validation-fraction/--test-fraction",
                    "must be positive and leave at least 10 % of the images for training (got \(validationFraction), \(testFraction))")
        let cells = Double(trialCount) * Double(neurons)
        try require(cells <= 200_000_000, "--neurons/--images/--repeats",
                    "ask for \(trialCount) trials x \(neurons) neurons; keep the product under 200 million")
        try require(movieFrames == 0 || (12...20_000).contains(movieFrames), "--movie-frames",
                    "must be 0 (no movie) or between 12 and 20000 (got \(movieFrames))")
        try require((2...100).contains(movieRepeats), "--movie-repeats", "must be between 2 and 100 (got \(movieRepeats)): repeats give the noise ceiling")
        try require((1...30).contains(movieFrameStep), "--movie-frame-step", "must be between 1 and 30 (got \(movieFrameStep))")
        try require(movieFrameRun >= 1, "--movie-frame-run", "must be 1 or more (got \(movieFrameRun))")
        try require(movieFrames == 0 || MovieFrameRun.fits(length: movieFrameRun, gapFrames: movieGapFrames), "--movie-frame-run",
                    "\(movieFrameRun) is longer than the \(movieGapFrames)-frame gap between the movie's tiers (a fifth of a segment of "
                    + "\(movieSegmentFrames) frames, at most 30), so a training frame's run could reach frames of a held-out segment; "
                    + "use --movie-frame-run \(max(1, movieGapFrames)) or less, or a longer movie (--movie-frames 900 gives a 30-frame gap)")
        let pixels = Double(images + 1) * Double(imageHeight) * Double(imageWidth)
        try require(pixels <= 1_000_000_000, "--images/--height/--width", "ask for more than a gigabyte of images")
    }
}

/// A simulation option out of range, named by its command-line flag.
public struct SimulationOptionsError: Error, CustomStringConvertible, Equatable, Sendable {
    public let flag: String
    public let message: String
    public var description: String { "\(flag) \(message)" }
}
