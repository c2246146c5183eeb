/// Assigns trials to tiers by image: all repeats of an image land in one tier, so validation and
/// test measure generalisation to images the model never saw (and have repeats for a noise ceiling).
///
/// The natural images are shuffled by `seed` and cut into validation, test and training shares
/// (at least one image each when there are three or more). Blank (gray) trials go to the training
/// tier: they carry no image to generalise to, and the model should still learn the baseline.
///
/// Movie frames are split by contiguous segments of `movieSegmentFrames` frames instead (each movie
/// on its own), since neighbouring frames look alike and their calcium responses overlap; a
/// training (or validation) frame closer than `movieGapFrames` to a frame of a later tier is
/// dropped (`assign`), so no two kept frames that close straddle training and test.
public struct TierSplit: Sendable {
    public var validationFraction: Double
    public var testFraction: Double
    public var seed: UInt64
    public var movieSegmentFrames: Int
    public var movieGapFrames: Int

    /// 150 frames = 5 s at 30 frames/s: `natural_movie_one` (900 frames) gives 6 segments (one
    /// validation, one test), `natural_movie_three` (3,600) 24. The 30-frame (1 s) gap covers a response
    /// window plus the GCaMP6f decay (docs/allen.md, "Movie trials").
    public static let defaultMovieSegmentFrames = 150
    public static let defaultMovieGapFrames = 30

    public init(validationFraction: Double = 0.1, testFraction: Double = 0.1, seed: UInt64 = 0,
                movieSegmentFrames: Int = TierSplit.defaultMovieSegmentFrames,
                movieGapFrames: Int = TierSplit.defaultMovieGapFrames) {
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
                     "tier fractions must be non-negative and leave room for training")
        precondition(movieSegmentFrames >= 1 && movieGapFrames >= 0, "movie segments need one frame or more and a gap of 0 or more")
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
        self.movieSegmentFrames = movieSegmentFrames
        self.movieGapFrames = movieGapFrames
    }

    /// Tiers for scenes (by image) and movie frames (by segment) alike, and the trials to keep: all
    /// but the movie frames in the gaps between tiers. Write `trials.subset(kept)` with `tiers` of those.
    public func assign(_ trials: Trials) -> (tiers: [Tier], kept: [Int]) {
        var result = [Tier](repeating: .train, count: trials.count)
        let movieTrial = trials.stimulusKindIndex.indices.map { trials.stimulusKind(of: $0).isMovie }
        let scenes = trials.stimulusKindIndex.indices.filter { !movieTrial[$0] }
        let sceneTiers = tiers(imageIndex: scenes.map { trials.imageIndex[$0] }, isBlank: scenes.map { trials.stimulusFrame[$0] < 0 })
        for (position, trial) in scenes.enumerated() { result[trial] = sceneTiers[position] }

        var dropped = Set<Int>()
        for kind in trials.stimulusKinds.indices where trials.stimulusKinds[kind].isMovie {
            let movie = trials.stimulusKindIndex.indices.filter { trials.stimulusKindIndex[$0] == Int32(kind) }
            let segments = Set(movie.map { Int32(Int(trials.stimulusFrame[$0]) / movieSegmentFrames) })
            let tierOfSegment = assign(images: segments.sorted())
            /// A frame is dropped when a frame of a later tier (train < validation < test) lies within the gap.
            func inGap(_ frame: Int, _ tier: Tier) -> Bool {
                let first = max(0, frame - movieGapFrames) / movieSegmentFrames, last = (frame + movieGapFrames) / movieSegmentFrames
                return (first...last).contains { tierOfSegment[Int32($0)].map { $0.rawValue > tier.rawValue } ?? false }
            }
            for trial in movie {
                let frame = Int(trials.stimulusFrame[trial])
                result[trial] = tierOfSegment[Int32(frame / movieSegmentFrames)]!
                if inGap(frame, result[trial]) { dropped.insert(trial) }
            }
        }
        let kept = trials.stimulusKindIndex.indices.filter { !dropped.contains($0) }
        return (kept.map { result[$0] }, kept)
    }

    /// The tier of every trial. `imageIndex[t]` is the image of trial `t`; `isBlank[t]` marks blank trials.
    public func tiers(imageIndex: [Int32], isBlank: [Bool]) -> [Tier] {
        precondition(imageIndex.count == isBlank.count, "one blank flag per trial")
        var natural = Set<Int32>()
        for (trial, image) in imageIndex.enumerated() where !isBlank[trial] { natural.insert(image) }
        let tierOfImage = assign(images: natural.sorted())
        return imageIndex.indices.map { isBlank[$0] ? .train : tierOfImage[imageIndex[$0]]! }
    }

    /// The tier of every trial of a natural-scenes-only `trials` (blank = stimulus frame -1).
    public func tiers(for trials: Trials) -> [Tier] {
        precondition(!trials.stimulusKinds.contains(where: \.isMovie), "recordings with movies are split by assign(_:)")
        return tiers(imageIndex: trials.imageIndex, isBlank: trials.stimulusFrame.map { $0 < 0 })
    }

    private func assign(images: [Int32]) -> [Int32: Tier] {
        var shuffled = images
        var random = SeededRandom(seed: seed, stream: 0x7135_5011)
        random.shuffle(&shuffled)
        var validationCount = Int((Double(images.count) * validationFraction).rounded())
        var testCount = Int((Double(images.count) * testFraction).rounded())
        // Small image sets still get one image per requested held-out tier when there is room.
        if images.count >= 3 {
            if validationFraction > 0 { validationCount = max(1, validationCount) }
            if testFraction > 0 { testCount = max(1, testCount) }
        }
        var result = [Int32: Tier]()
        for (position, image) in shuffled.enumerated() {
            result[image] = position < validationCount ? .validation
                : position < validationCount + testCount ? .test : .train
        }
        return result
    }
}
