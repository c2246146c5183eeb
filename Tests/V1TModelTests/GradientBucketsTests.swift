import XCTest
@testable import V1TModel

/// The buckets a data-parallel engine sums while the backward pass goes on: they must cover the
/// gradient buffer exactly once, be reported in order, and each be final when reported.
final class GradientBucketsTests: XCTestCase {
    private func model(blocks: Int, mode: Int) throws -> V1T {
        let tiny = V1TTests.tinyConfiguration(behaviourMode: mode, shifter: true)
        var core = try XCTUnwrap(tiny.core.vit)
        core.blocks = blocks
        return try V1T(configuration: V1TConfiguration(behaviourMode: mode, usesShifter: true, core: .vit(core), mice: tiny.mice), seed: 4)
    }

    /// Runs one training pass of mouse 1 and returns, for each reported bucket in order, its
    /// index and its gradients at the moment it was reported, next to the gradients at the end.
    private func reportedBuckets(_ model: V1T) -> [(index: Int, reported: [Float], final: [Float])] {
        let buckets = model.gradientBuckets
        var reports: [(Int, [Float])] = []
        model.gradientBucketReady = { index in
            reports.append((index, buckets[index].flatMap { Array(model.parameters.gradients[$0]) }))
        }
        let stack = V1TTests.images(count: 3)
        let behaviour: [Float] = [0.3, -0.2, 1.1, 0.5, 0.1, -0.7], pupil: [Float] = [0.2, -0.4, -0.3, 0.6]
        let neurons = model.configuration.mice[1].neurons
        model.parameters.zeroGradients()
        _ = stack.withUnsafeBufferPointer {
            model.forward(mouse: 1, images: $0.baseAddress!, imageCount: 3, imageIndices: [2, 0], behaviour: behaviour,
                          pupilCenter: pupil, context: PassContext(training: true, seed: 3, step: 1, trialIndices: [4, 9]))
        }
        model.backward(randomProjection(2 * neurons, seed: 8))
        return reports.map { ($0.0, $0.1, buckets[$0.0].flatMap { Array(model.parameters.gradients[$0]) }) }
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
            let reports = reportedBuckets(try model(blocks: blocks, mode: mode))
            XCTAssertEqual(reports.map(\.index), Array(0..<(blocks + 2)), "every bucket once, in order")
            for report in reports {
                XCTAssertEqual(report.reported, report.final, "blocks \(blocks), mode \(mode): bucket \(report.index) changed after it was reported")
                XCTAssertTrue(report.final.contains { $0 != 0 }, "bucket \(report.index) holds gradients")
            }
        }
    }

    func testTheStacked2dCoreIsOneBucketAfterTheReadouts() throws {
        let model = try V1T(configuration: Stacked2dCoreTests.tinyConfiguration(behaviourMode: 0, shifter: true), seed: 4)
        let buckets = model.gradientBuckets
        XCTAssertEqual(buckets.count, 2)
        XCTAssertEqual(buckets.flatMap { $0 }.reduce(0) { $0 + $1.count }, model.parameters.count)
        let reports = reportedBuckets(model)
        XCTAssertEqual(reports.map(\.index), [0, 1])
        for report in reports { XCTAssertEqual(report.reported, report.final, "bucket \(report.index) changed after it was reported") }
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
