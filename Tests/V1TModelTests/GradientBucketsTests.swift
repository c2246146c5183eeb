import XCTest
@testable import V1TModel

/// The buckets a data-parallel engine sums while the backward pass goes on: they must cover the
/// gradient buffer exactly once, be reported in order, and each be final when reported.
final class GradientBucketsTests: XCTestCase {
    private func model(blocks: Int, mode: Int) throws -> V1T {
        var configuration = V1TTests.tinyConfiguration(behaviourMode: mode, shifter: true)
        configuration.core.blocks = blocks
        return try V1T(configuration: configuration, seed: 4)
    }

    func testBucketsCoverTheGradientBufferOnceInBackwardOrder() throws {
        let model = try model(blocks: 3, mode: 4)
        let buckets = model.gradientBuckets
        XCTAssertEqual(buckets.count, 3 + 2, "readouts and shifters, three blocks, the rest of the core")
        let ranges = buckets.flatMap { $0 }.sorted { $0.lowerBound < $1.lowerBound }
        XCTAssertEqual(ranges.first?.lowerBound, 0)
        XCTAssertEqual(ranges.last?.upperBound, model.parameters.count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound, "no gap, no overlap") }
        let block2 = try XCTUnwrap(model.layout.slice(named: "core.block2.attention.to_qkv.weight")).offset
        XCTAssertTrue(buckets[1].contains { $0.contains(block2) }, "the last block's bucket comes right after the readouts'")
        let readout = try XCTUnwrap(model.layout.slices.first { $0.name.hasPrefix("readout.mouse1") }).offset
        XCTAssertTrue(buckets[0].contains { $0.contains(readout) })
    }

    func testEachBucketIsFinalWhenBackwardReportsIt() throws {
        for (blocks, mode) in [(2, 3), (3, 4)] {
            let model = try model(blocks: blocks, mode: mode)
            let buckets = model.gradientBuckets
            var reported: [Int] = [], snapshots: [[Float]] = []
            model.gradientBucketReady = { index in
                reported.append(index)
                snapshots.append(buckets[index].flatMap { Array(model.parameters.gradients[$0]) })
            }
            let stack = V1TTests.images(count: 3)
            let behaviour: [Float] = [0.3, -0.2, 1.1, 0.5, 0.1, -0.7], pupil: [Float] = [0.2, -0.4, -0.3, 0.6]
            let mouse = 1, neurons = model.configuration.mice[mouse].neurons
            model.parameters.zeroGradients()
            _ = stack.withUnsafeBufferPointer {
                model.forward(mouse: mouse, images: $0.baseAddress!, imageCount: 3, imageIndices: [2, 0], behaviour: behaviour,
                              pupilCenter: pupil, context: PassContext(training: true, seed: 3, step: 1, trialIndices: [4, 9]))
            }
            model.backward(randomProjection(2 * neurons, seed: 8))
            XCTAssertEqual(reported, Array(0..<(blocks + 2)), "every bucket once, in order")
            for (index, snapshot) in zip(reported, snapshots) {
                let final = buckets[index].flatMap { Array(model.parameters.gradients[$0]) }
                XCTAssertEqual(snapshot, final, "blocks \(blocks), mode \(mode): bucket \(index) changed after it was reported")
                XCTAssertTrue(final.contains { $0 != 0 }, "bucket \(index) holds gradients")
            }
        }
    }

    func testAFrozenCoreReportsItsBucketsWithoutComputingThem() throws {
        let model = try model(blocks: 2, mode: 3)
        model.trainsCore = false
        var reported: [Int] = []
        model.gradientBucketReady = { reported.append($0) }
        let stack = V1TTests.images(count: 3)
        _ = stack.withUnsafeBufferPointer {
            model.forward(mouse: 0, images: $0.baseAddress!, imageCount: 3, imageIndices: [1, 0], behaviour: [0, 0, 0, 0, 0, 0],
                          pupilCenter: [0, 0, 0, 0], context: PassContext(training: true, seed: 3, step: 1, trialIndices: [1, 2]))
        }
        model.backward(randomProjection(2 * model.configuration.mice[0].neurons, seed: 9))
        XCTAssertEqual(reported, [0, 3], "the readouts' bucket, then the last: the engine starts the blocks' with it")
    }
}
