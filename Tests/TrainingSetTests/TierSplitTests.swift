@testable import TrainingSet
import XCTest

final class TierSplitTests: XCTestCase {
    /// 118 images x 50 repeats in random order with a blank every 118 images, like an Allen session.
    private func allenLikeTrials(seed: UInt64) -> (imageIndex: [Int32], isBlank: [Bool]) {
        var random = SeededRandom(seed: seed, stream: 1)
        var imageIndex = [Int32](), isBlank = [Bool]()
        for _ in 0..<50 {
            var block = (0..<119).map { Int32($0) }  // 118 = the gray image
            random.shuffle(&block)
            imageIndex += block
            isBlank += block.map { $0 == 118 }
        }
        return (imageIndex, isBlank)
    }

    func testEveryImageLandsInExactlyOneTier() {
        let (imageIndex, isBlank) = allenLikeTrials(seed: 3)
        let tiers = TierSplit(seed: 5).tiers(imageIndex: imageIndex, isBlank: isBlank)
        var tierOfImage = [Int32: Set<Tier>]()
        for trial in imageIndex.indices where !isBlank[trial] { tierOfImage[imageIndex[trial], default: []].insert(tiers[trial]) }
        XCTAssertEqual(tierOfImage.count, 118)
        XCTAssertTrue(tierOfImage.values.allSatisfy { $0.count == 1 })

        // 10 % of 118 images rounds to 12 each for validation and test.
        let imagesPerTier = Dictionary(grouping: tierOfImage.values.map { $0.first! }, by: { $0 }).mapValues(\.count)
        XCTAssertEqual(imagesPerTier[.validation], 12)
        XCTAssertEqual(imagesPerTier[.test], 12)
        XCTAssertEqual(imagesPerTier[.train], 94)
        let trainFraction = Double(tiers.filter { $0 == .train }.count) / Double(tiers.count)
        XCTAssertEqual(trainFraction, 0.8, accuracy: 0.02)

        // Blank trials train.
        for trial in imageIndex.indices where isBlank[trial] { XCTAssertEqual(tiers[trial], .train) }
    }

    func testSplitIsDeterministicBySeed() {
        let (imageIndex, isBlank) = allenLikeTrials(seed: 3)
        let first = TierSplit(seed: 5).tiers(imageIndex: imageIndex, isBlank: isBlank)
        XCTAssertEqual(first, TierSplit(seed: 5).tiers(imageIndex: imageIndex, isBlank: isBlank))
        XCTAssertNotEqual(first, TierSplit(seed: 6).tiers(imageIndex: imageIndex, isBlank: isBlank))
    }

    func testSmallImageSetsStillGetHeldOutImages() {
        let imageIndex: [Int32] = [0, 1, 2, 0, 1, 2]
        let tiers = TierSplit(seed: 0).tiers(imageIndex: imageIndex, isBlank: Array(repeating: false, count: 6))
        XCTAssertEqual(Set(tiers), [.train, .validation, .test])
    }
}
