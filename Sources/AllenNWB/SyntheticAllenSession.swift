import Foundation
import TrainingSet

/// A made-up Allen ophys session with every array in memory, written by `write(to:)` in the exact
/// NWB 1 layout of the Allen files (paths, dtypes, shapes of AllenSDK 2.16.2's reader and of the
/// reference fixture `allen_nwb1_fixture.py`). Tests convert it and check numbers against these arrays;
/// the benchmark writes a full-size one. Values are synthetic, not Allen data.
public struct SyntheticAllenSession {
    public enum SessionType: String {
        /// Static gratings, natural scenes, natural movie one, spontaneous activity.
        case threeSessionB = "three_session_B"
        /// Drifting gratings, natural movies one and three, spontaneous activity: no natural scenes.
        case threeSessionA = "three_session_A"
        /// Locally sparse noise, natural movies one and two, spontaneous activity: no natural scenes.
        case threeSessionC = "three_session_C"
    }

    public struct Settings {
        public var sessionType = SessionType.threeSessionB
        public var experimentID = "501559087"
        /// The experiment container, mouse, area and depth: shared by the three sessions of a container.
        public var containerID = "511510736"
        public var subjectID = "222426"
        public var area = "VISp"
        public var imagingDepth = 175
        public var cells = 5
        /// The cell specimen ids of the session's cells (`cells` of them); nil: 517500000, 517500001, ...
        /// A container's sessions share ids for the cells they both kept (`SyntheticAllenContainer`).
        public var cellSpecimenIDs: [Int64]?
        public var templateCount = 118
        public var imageHeight = 18
        public var imageWidth = 24
        /// Side of the square imaging field, pixels (real files: 512).
        public var fieldPixels = 32
        /// Presentations of each image (and of the blank) over the three natural-scene epochs.
        public var repeats = 6
        public var framesPerTrial = 7
        /// Frames of each natural movie's template (real: 900, natural_movie_three 3,600), its size
        /// (real: 304 x 608) and how often each movie is shown whole (real: 10).
        public var movieFrames = 20
        public var movieHeight = 8
        public var movieWidth = 16
        public var movieRepeats = 3
        /// The dF/F transient each movie frame's response leaves (scenes keep a plain 2-9 frame step).
        public var calciumKernel = CalciumKernel()
        /// Static-grating trials per block (three blocks).
        public var gratingTrialsPerBlock = 40
        /// The spontaneous block grows so that the session has at least this many frames.
        public var minimumFrames = 0
        public var eyeTracking = true
        /// Running speed starts this many frames after the imaging (its own timestamps), as in real files.
        public var runningStartFrame = 3
        /// Running-speed samples set to NaN (indices into its own samples).
        public var runningNaN: [Range<Int>] = []
        /// Pupil samples (size and position) set to NaN, as during blinks.
        public var pupilNaN: [Range<Int>] = []
        public var seed: UInt64 = 0

        public init() {}

        /// The benchmark size: ~5,950 trials, 200 neurons, ~115,000 frames, 118 images of 918 x 1174.
        public static var fullSize: Settings {
            var settings = Settings()
            settings.cells = 200
            settings.imageHeight = 918
            settings.imageWidth = 1174
            settings.fieldPixels = 512
            settings.repeats = 50
            settings.framesPerTrial = 8
            settings.gratingTrialsPerBlock = 2000
            settings.minimumFrames = 115_000
            settings.movieFrames = 900
            settings.movieHeight = 304
            settings.movieWidth = 608
            settings.movieRepeats = 10
            return settings
        }
    }

    /// One stimulus block: its name and each trial's [start, end) frames.
    public struct Block {
        public var stimulus: String
        public var starts: [Int]
        public var ends: [Int]
    }

    public let settings: Settings
    public let timestamps: [Double]
    public let blocks: [Block]
    /// (cells x frames), row-major.
    public let dff: [Float]
    /// Natural-scene trials in file order: image shown (-1 blank) and frames.
    public let trialImages: [Int64]
    public let trialStarts: [Int]
    public let trialEnds: [Int]
    /// (templates x height x width), integer values 0...255 as float32 like the real stack.
    public let templates: [Float]
    public let runningTimes: [Double]
    public let runningSpeed: [Double]
    /// Pupil area and (N x 2) spherical position on the imaging clock; empty without eye tracking.
    public let pupilSize: [Double]
    public let pupilPosition: [Double]
    /// Each cell's ROI: top-left (row, column), 4 rows x 3 columns.
    public let roiCorners: [(row: Int, column: Int)]

    public var frames: Int { timestamps.count }

    /// The cell specimen id of each cell, in file order.
    public var cellSpecimenIDs: [Int64] {
        settings.cellSpecimenIDs ?? (0..<settings.cells).map { 517_500_000 + Int64($0) }
    }

    public init(_ settings: Settings = Settings()) {
        precondition(settings.cellSpecimenIDs.map { $0.count == settings.cells } ?? true, "one cell specimen id per cell")
        self.settings = settings
        var random = SplitMix(seed: settings.seed)
        var blocks: [Block] = []
        var cursor = 30
        func add(_ stimulus: String, trials: Int, length: Int) {
            let starts = (0..<trials).map { cursor + $0 * length }
            blocks.append(Block(stimulus: stimulus, starts: starts, ends: starts.map { $0 + length }))
            cursor = starts.last! + length + 30
        }
        let isB = settings.sessionType == .threeSessionB
        let perEpoch = (0..<3).map { settings.repeats / 3 + ($0 < settings.repeats % 3 ? 1 : 0) }
        let movieShowings = settings.movieRepeats * settings.movieFrames
        let fixedFrames = isB
            ? 3 * settings.gratingTrialsPerBlock * 7 + settings.repeats * (settings.templateCount + 1) * settings.framesPerTrial + movieShowings
            : 3 * 40 * 60 + 2 * movieShowings
        let spontaneous = max(300, settings.minimumFrames - fixedFrames - 8 * 30 - 60)
        if isB {
            add("static_gratings", trials: settings.gratingTrialsPerBlock, length: 7)
            add("natural_scenes", trials: perEpoch[0] * (settings.templateCount + 1), length: settings.framesPerTrial)
            add("spontaneous", trials: 1, length: spontaneous)
            add("natural_scenes", trials: perEpoch[1] * (settings.templateCount + 1), length: settings.framesPerTrial)
            add("static_gratings", trials: settings.gratingTrialsPerBlock, length: 7)
            add("natural_movie_one", trials: movieShowings, length: 1)
            add("static_gratings", trials: settings.gratingTrialsPerBlock, length: 7)
            add("natural_scenes", trials: perEpoch[2] * (settings.templateCount + 1), length: settings.framesPerTrial)
        } else {
            // A: drifting gratings and movie three; C: locally sparse noise and movie two.
            let isA = settings.sessionType == .threeSessionA
            let (blocked, movie) = isA ? ("drifting_gratings", "natural_movie_three") : ("locally_sparse_noise", "natural_movie_two")
            add(blocked, trials: 40, length: 60)
            add(movie, trials: movieShowings, length: 1)
            add("spontaneous", trials: 1, length: spontaneous)
            add(blocked, trials: 40, length: 60)
            add("natural_movie_one", trials: movieShowings, length: 1)
            add(blocked, trials: 40, length: 60)
        }
        let frameCount = max(cursor + 30, settings.minimumFrames)
        timestamps = (0..<frameCount).map { 9.3 + Double($0) / 30 }
        self.blocks = blocks

        // Natural-scene order: each epoch shows every image (and the blank, -1) its share of repeats, shuffled.
        var images: [Int64] = []
        for epoch in 0..<(isB ? 3 : 0) {
            var order = (0..<perEpoch[epoch]).flatMap { _ in (-1..<Int64(settings.templateCount)).map { $0 } }
            random.shuffle(&order)
            images += order
        }
        let scenes = blocks.filter { $0.stimulus == "natural_scenes" }
        trialImages = images
        trialStarts = scenes.flatMap(\.starts)
        trialEnds = scenes.flatMap(\.ends)

        // dF/F: small noise plus, for each cell, an image-specific response from 2 to 9 frames after onset.
        var dff = (0..<(settings.cells * frameCount)).map { _ in Float(random.uniform() - 0.5) * 0.1 }
        let gains = (0..<(settings.cells * (settings.templateCount + 1))).map { _ in Float(random.uniform()) * 0.4 }
        for (trial, image) in images.enumerated() where image >= 0 {
            for cell in 0..<settings.cells {
                let gain = gains[cell * (settings.templateCount + 1) + Int(image)]
                for frame in (trialStarts[trial] + 2)..<min(frameCount, trialStarts[trial] + 9) {
                    dff[cell * frameCount + frame] += gain
                }
            }
        }
        Self.addMovieResponses(to: &dff, frameCount: frameCount, settings: settings, blocks: blocks)
        self.dff = dff

        let pixels = settings.imageHeight * settings.imageWidth
        templates = isB ? (0..<(settings.templateCount * pixels)).map { index in
            let image = index / pixels, y = index % pixels / settings.imageWidth, x = index % settings.imageWidth
            return Float((x * (image + 3) + y * (2 * image + 1) + (x * y) % 7 + 13 * image) % 256)
        } : []

        let start = min(settings.runningStartFrame, frameCount - 1)
        runningTimes = Array(timestamps[start...])
        var running = runningTimes.map { 5 + 3 * sin($0 * 0.7) }
        for range in settings.runningNaN { for i in range where running.indices.contains(i) { running[i] = .nan } }
        runningSpeed = running

        if settings.eyeTracking {
            var size = timestamps.map { 100 + 10 * sin($0 * 0.3) }
            var position = timestamps.flatMap { [2 * sin($0 * 0.2), 3 * cos($0 * 0.1)] }
            for range in settings.pupilNaN {
                for i in range where size.indices.contains(i) { size[i] = .nan; position[2 * i] = .nan; position[2 * i + 1] = .nan }
            }
            pupilSize = size
            pupilPosition = position
        } else {
            pupilSize = []
            pupilPosition = []
        }
        let span = max(1, settings.fieldPixels - 8)
        roiCorners = (0..<settings.cells).map { (4 + 5 * $0 % span, 6 + 3 * $0 % span) }
    }

    /// The ROI mask of `cell` (fieldPixels x fieldPixels, 1 inside).
    public func mask(_ cell: Int) -> [UInt8] {
        let side = settings.fieldPixels
        var mask = [UInt8](repeating: 0, count: side * side)
        let corner = roiCorners[cell]
        for row in corner.row..<(corner.row + 4) { for column in corner.column..<(corner.column + 3) { mask[row * side + column] = 1 } }
        return mask
    }
}

/// SplitMix64: a tiny seeded generator, so a session is the same on every machine.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed ^ 0x5EED_A11E }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for index in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(index, Int(next() % UInt64(index + 1)))
        }
    }
}
