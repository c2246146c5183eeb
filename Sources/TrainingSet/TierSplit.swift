/// Assigns trials to tiers by image: all repeats of an image land in one tier, so validation and
/// test measure generalisation to images the model never saw (and have repeats for a noise ceiling).
///
/// The natural images are shuffled by `seed` and cut into validation, test and training shares
/// (at least one image each when there are three or more). Blank (gray) trials go to the training
/// tier: they carry no image to generalise to, and the model should still learn the baseline.
public struct TierSplit: Sendable {
    public var validationFraction: Double
    public var testFraction: Double
    public var seed: UInt64

    public init(validationFraction: Double = 0.1, testFraction: Double = 0.1, seed: UInt64 = 0) {
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
                     "tier fractions must be non-negative and leave room for training")
        self.validationFraction = validationFraction
        self.testFraction = testFraction
        self.seed = seed
    }

    /// The tier of every trial. `imageIndex[t]` is the image of trial `t`; `isBlank[t]` marks blank trials.
    public func tiers(imageIndex: [Int32], isBlank: [Bool]) -> [Tier] {
        precondition(imageIndex.count == isBlank.count, "one blank flag per trial")
        var natural = Set<Int32>()
        for (trial, image) in imageIndex.enumerated() where !isBlank[trial] { natural.insert(image) }
        let tierOfImage = assign(images: natural.sorted())
        return imageIndex.indices.map { isBlank[$0] ? .train : tierOfImage[imageIndex[$0]]! }
    }

    /// The tier of every trial of `trials` (blank = stimulus frame -1).
    public func tiers(for trials: Trials) -> [Tier] {
        tiers(imageIndex: trials.imageIndex, isBlank: trials.stimulusFrame.map { $0 < 0 })
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
