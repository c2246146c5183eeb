@testable import DDP
import XCTest

final class TrialShardingTests: XCTestCase {
    func testPermutationMatchesAnIndependentImplementation() throws {
        // Values from a separate Python implementation of SplitMix64 + Lemire + Fisher-Yates: a
        // change here would silently change which trials every past run trained on.
        let sharding = try TrialSharding(trials: Array(0..<10), globalBatchSize: 4, seed: 1)
        XCTAssertEqual(sharding.permutation(epoch: 0), [0, 1, 4, 2, 7, 8, 5, 3, 6, 9])
        XCTAssertEqual(sharding.permutation(epoch: 1), [4, 1, 2, 7, 6, 9, 3, 0, 5, 8])
        XCTAssertEqual(try TrialSharding(trials: Array(0..<10), globalBatchSize: 4, seed: 2).permutation(epoch: 0),
                       [5, 3, 8, 0, 6, 7, 1, 9, 4, 2])
    }

    func testPermutationIsUniform() throws {
        // Each of 5 trials should come first in about 1/5 of 5000 epochs (binomial sd is 28).
        let sharding = try TrialSharding(trials: [10, 20, 30, 40, 50], globalBatchSize: 5, seed: 9)
        var firstCounts: [Int: Int] = [:]
        for epoch in 0..<5000 {
            let order = sharding.permutation(epoch: epoch)
            XCTAssertEqual(order.sorted(), [10, 20, 30, 40, 50])
            firstCounts[order[0], default: 0] += 1
        }
        XCTAssertEqual(firstCounts.count, 5)
        for (trial, count) in firstCounts {
            XCTAssertLessThan(abs(count - 1000), 140, "trial \(trial) came first \(count) times")
        }
    }

    func testLastShortBatchIsKept() throws {
        let sharding = try TrialSharding(trials: Array(0..<23), globalBatchSize: 8, seed: 3)
        XCTAssertEqual(sharding.stepsPerEpoch, 3)
        let plans = try sharding.steps(epoch: 0, rank: 0, ranks: 1, microBatchSize: 8)
        XCTAssertEqual(plans.map(\.globalBatch.count), [8, 8, 7])
        XCTAssertEqual(plans.flatMap(\.globalBatch).sorted(), Array(0..<23), "an epoch visits every trial once")
    }

    func testSharesPartitionTheGlobalBatchForAnyRankCount() throws {
        let trials = (0..<50).map { $0 * 2 + 5 }
        let sharding = try TrialSharding(trials: trials, globalBatchSize: 11, seed: 42)
        let oneRank = try sharding.steps(epoch: 3, rank: 0, ranks: 1, microBatchSize: 4)
        for ranks in 1...7 {
            let perRank = try (0..<ranks).map { try sharding.steps(epoch: 3, rank: $0, ranks: ranks, microBatchSize: 4) }
            for step in 0..<sharding.stepsPerEpoch {
                let shares = perRank.map { Array($0[step].share) }
                XCTAssertEqual(shares.flatMap { $0 }, Array(oneRank[step].globalBatch),
                               "\(ranks) ranks, step \(step): shares in rank order must be the global batch")
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
                XCTAssertEqual(sizes, sizes.sorted(by: >), "larger shares go to lower ranks")
                for plan in perRank.map({ $0[step] }) {
                    XCTAssertEqual(plan.microBatches.flatMap { $0 }, Array(plan.share))
                }
            }
        }
    }

    func testShareRanges() {
        XCTAssertEqual((0..<3).map { TrialSharding.shareRange(10..<17, rank: $0, ranks: 3) }, [10..<13, 13..<15, 15..<17])
        XCTAssertEqual((0..<3).map { TrialSharding.shareRange(0..<2, rank: $0, ranks: 3) }, [0..<1, 1..<2, 2..<2])
        XCTAssertEqual((0..<2).map { TrialSharding.shareRange(0..<8, rank: $0, ranks: 2) }, [0..<4, 4..<8])
    }

    func testMicroBatchesAreBalancedAndAtMostTheLimit() {
        let share = ArraySlice([1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(TrialSharding.microBatches(share, maxSize: 3).map(Array.init), [[1, 2, 3], [4, 5], [6, 7]])
        XCTAssertEqual(TrialSharding.microBatches(share, maxSize: 7).map(Array.init), [[1, 2, 3, 4, 5, 6, 7]])
        XCTAssertEqual(TrialSharding.microBatches(share, maxSize: 100).count, 1)
        XCTAssertEqual(TrialSharding.microBatches(share, maxSize: 1).map(\.count), [1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(TrialSharding.microBatches(share, maxSize: 2).map(\.count), [2, 2, 2, 1])
        XCTAssertEqual(TrialSharding.microBatches([], maxSize: 4).count, 0)
    }

    func testLastBatchShorterThanRanksLeavesSomeRanksEmpty() throws {
        // 9 trials, G = 4, 3 ranks: the last batch has one trial, so ranks 1 and 2 idle that step.
        let sharding = try TrialSharding(trials: Array(0..<9), globalBatchSize: 4, seed: 0)
        let lastShares = try (0..<3).map { try sharding.steps(epoch: 0, rank: $0, ranks: 3, microBatchSize: 2).last!.share.count }
        XCTAssertEqual(lastShares, [1, 0, 0])
        XCTAssertEqual(sharding.largestShare(ranks: 3), 2)
    }

    func testBadSettingsAreExplained() throws {
        XCTAssertThrowsError(try TrialSharding(trials: [], globalBatchSize: 4, seed: 0)) {
            XCTAssertTrue("\($0)".contains("no training trials"))
        }
        XCTAssertThrowsError(try TrialSharding(trials: [1], globalBatchSize: 0, seed: 0)) {
            XCTAssertTrue("\($0)".contains("global batch size must be at least 1"))
        }
        XCTAssertThrowsError(try TrialSharding(trials: [1, 2, 1], globalBatchSize: 2, seed: 0)) {
            XCTAssertTrue("\($0)".contains("twice"))
        }
        let sharding = try TrialSharding(trials: Array(0..<100), globalBatchSize: 4, seed: 0)
        XCTAssertThrowsError(try sharding.steps(epoch: 0, rank: 0, ranks: 8, microBatchSize: 1)) {
            XCTAssertTrue("\($0)".contains("global batch of 4 trials is smaller than the 8 ranks"), "\($0)")
        }
        XCTAssertThrowsError(try sharding.steps(epoch: 0, rank: 2, ranks: 2, microBatchSize: 1))
        XCTAssertThrowsError(try sharding.steps(epoch: 0, rank: 0, ranks: 2, microBatchSize: 0)) {
            XCTAssertTrue("\($0)".contains("micro-batch size must be at least 1"))
        }
    }
}
