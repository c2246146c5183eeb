import XCTest
@testable import V1TModel

final class TrainingFLOPsTests: XCTestCase {
    /// 6x7 images, 3x3 patches with stride 2 (a 2x3 grid: 6 patches of 9 pixels, 7 tokens), width 6,
    /// 2 split heads of 3, MLP 8, 2 blocks; every product counted by hand.
    func testCountsEveryProductOfATinyCore() {
        let configuration = ViTCore.Configuration(
            imageChannels: 1, imageHeight: 6, imageWidth: 7, patchSize: 3, patchStride: 2, embedding: 6, blocks: 2,
            heads: 2, headWidth: .split, mlpWidth: 8, patchDropout: 0, transformerDropout: 0, dropPath: 0,
            behaviourMode: 0, mice: 1)
        let flops = TrainingFLOPs(configuration)
        XCTAssertEqual(flops.tokenizer, 2 * 6 * 9 * 6)             // 648
        XCTAssertEqual(flops.qkv, 2 * (2 * 7 * 6 * 18))           // 3024: 3 x 2 heads x 3 outputs
        XCTAssertEqual(flops.scores, 2 * (2 * 2 * 7 * 7 * 3))     // 1176
        XCTAssertEqual(flops.mixing, 1176)
        XCTAssertEqual(flops.projection, 2 * (2 * 7 * 6 * 6))     // 1008
        XCTAssertEqual(flops.mlp, 2 * (2 * 2 * 7 * 6 * 8))        // 2688
        XCTAssertEqual(flops.forward, 9720)
        // Backward doubles every product but the tokenizer's (no gradient for the images).
        XCTAssertEqual(flops.training, 3 * (9720 - 648) + 2 * 648)
    }

    func testPublishedCoreIsAbout103GFLOPPerSample() {
        let flops = TrainingFLOPs(.published)
        // 4 blocks x 4 heads x 1654² x 155 x 2 for each of QKᵀ and PV: attention's products dominate.
        XCTAssertEqual(flops.scores, 13_569_151_360)
        XCTAssertEqual(flops.training, 102_744_852_480)
        XCTAssertGreaterThan(Double(flops.scores + flops.mixing) / Double(flops.forward), 0.79)
    }
}
