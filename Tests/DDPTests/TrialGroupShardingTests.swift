@testable import DDP
import XCTest

/// Sharding in whole groups (batch norm's): every group of the global batch's order lies inside
/// one micro-batch on one rank, for any rank count and micro-batch size.
final class TrialGroupShardingTests: XCTestCase {
    func testEveryGroupStaysInOneMicroBatchForAnyRanksAndMicroBatchSize() throws {
        let groupSize = 3
        // 40 trials in batches of 12: three full steps of 4 groups and a last one of 4 trials (groups of 3 and 1).
        let sharding = try TrialSharding(trials: Array(100..<140), globalBatchSize: 12, seed: 7, groupSize: groupSize)
        XCTAssertEqual(sharding.largestShare(ranks: 3), 6)
        XCTAssertEqual(TrialSharding.largestShare(globalBatchSize: 16, ranks: 3, groupSize: 4), 8)
        XCTAssertEqual(TrialSharding.largestShare(globalBatchSize: 16, ranks: 3), 6, "groups of 1 cut trial by trial")
        let reference = try sharding.steps(epoch: 1, rank: 0, ranks: 1, microBatchSize: 12)
        for ranks in 1...4 {
            for microBatchSize in [3, 4, 7, 12] {
                let perRank = try (0..<ranks).map { try sharding.steps(epoch: 1, rank: $0, ranks: ranks, microBatchSize: microBatchSize) }
                for step in 0..<sharding.stepsPerEpoch {
                    let global = Array(reference[step].globalBatch)
                    let groups = stride(from: 0, to: global.count, by: groupSize).map { Array(global[$0..<min($0 + groupSize, global.count)]) }
                    var cut: [[Int]] = []
                    for plan in perRank.map({ $0[step] }) {
                        for microBatch in plan.microBatches {
                            XCTAssertLessThanOrEqual(microBatch.count, max(microBatchSize / groupSize, 1) * groupSize)
                            let trials = Array(microBatch)
                            cut += stride(from: 0, to: trials.count, by: groupSize).map { Array(trials[$0..<min($0 + groupSize, trials.count)]) }
                        }
                    }
                    XCTAssertEqual(cut, groups, "\(ranks) ranks, micro-batch \(microBatchSize), step \(step): micro-batches must cut between groups")
                }
            }
        }
    }

    func testGroupsOfOneCutAsBefore() throws {
        let plain = try TrialSharding(trials: Array(0..<30), globalBatchSize: 11, seed: 5)
        let grouped = try TrialSharding(trials: Array(0..<30), globalBatchSize: 11, seed: 5, groupSize: 1)
        for ranks in 1...3 {
            for rank in 0..<ranks {
                XCTAssertEqual(try plain.steps(epoch: 0, rank: rank, ranks: ranks, microBatchSize: 2),
                               try grouped.steps(epoch: 0, rank: rank, ranks: ranks, microBatchSize: 2))
            }
        }
        XCTAssertEqual(TrialSharding.microBatches(ArraySlice(0..<7), maxSize: 3), [0..<3, 3..<5, 5..<7].map { ArraySlice(Array($0)) })
    }

    func testTooFewGroupsOrTooSmallMicroBatchesAreExplained() throws {
        let sharding = try TrialSharding(trials: Array(0..<20), globalBatchSize: 8, seed: 1, groupSize: 4)
        XCTAssertThrowsError(try sharding.steps(epoch: 0, rank: 0, ranks: 3, microBatchSize: 4)) { error in
            XCTAssertTrue("\(error)".contains("2 batch-norm groups of 4"), "\(error)")
        }
        XCTAssertThrowsError(try sharding.steps(epoch: 0, rank: 0, ranks: 1, microBatchSize: 3)) { error in
            XCTAssertTrue("\(error)".contains("cannot hold a batch-norm group of 4"), "\(error)")
        }
    }
}
