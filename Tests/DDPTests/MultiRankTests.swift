import DDP
import XCTest

/// Real `mpirun` jobs of 2 and 3 ranks running `ddp-harness`. The harness checks each collective
/// against closed-form values on every rank; these tests check that every rank got there, and
/// what the job printed.
final class MultiRankTests: XCTestCase {
    func testOneRankRunsWithoutMpirun() throws {
        let info = try MPIJob.runAlone(["info"])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("info rank=0 size=1 local_rank=0 local_size=1 "), info.stdout)
        XCTAssertEqual(info.stderr, "", "a 1-rank run should print no MPI warnings")
        for scenario in ["allreduce", "broadcast"] {
            let job = try MPIJob.runAlone([scenario])
            XCTAssertEqual(job.status, 0, job.stderr)
            XCTAssertEqual(job.passLines(scenario), ["PASS \(scenario) rank 0 of 1"])
        }
        let failing = try MPIJob.runAlone(["fail-on-rank", "0"])
        XCTAssertEqual(failing.status, 1)
        XCTAssertEqual(failing.stderr, "v1t-dist: rank 0 of 1 failed: injected failure on rank 0\n")
    }

    func testRanksKnowTheirPlaceOnTheNode() throws {
        for ranks in [2, 3] {
            let job = try MPIJob.run(ranks: ranks, ["info"])
            XCTAssertEqual(job.status, 0, job.stderr)
            let lines = job.stdout.split(separator: "\n").filter { $0.hasPrefix("info ") }
            XCTAssertEqual(lines.count, ranks, job.stdout)
            for rank in 0..<ranks {
                // One node: the local rank is the rank and every rank is local.
                XCTAssertEqual(lines.filter { $0.hasPrefix("info rank=\(rank) size=\(ranks) local_rank=\(rank) local_size=\(ranks) ") }.count,
                               1, job.stdout)
            }
        }
    }

    func testSingleNodeHostfileStartsRanksHere() throws {
        let hostfile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../hostfiles/single-node.txt").standardizedFileURL
        let job = try MPIJob.run(ranks: 2, ["info"], mpirunFlags: ["--hostfile", hostfile.path])
        XCTAssertEqual(job.status, 0, job.stderr)
        XCTAssertEqual(job.stdout.split(separator: "\n").filter { $0.hasPrefix("info ") && $0.contains(" local_size=2 ") }.count, 2, job.stdout)
    }

    func testAllreduceIsExactOnEveryRank() throws {
        try expectEveryRankPasses("allreduce", ranks: [2, 3])
    }

    func testLargeAndChunkedBuffersAreExact() throws {
        try expectEveryRankPasses("large", ranks: [2, 3])
    }

    func testOverlappedBucketSumsAreExactWithARankWithoutWork() throws {
        try expectEveryRankPasses("buckets", ranks: [2, 3])
    }

    func testBroadcastDeliversRootsDataExactly() throws {
        try expectEveryRankPasses("broadcast", ranks: [2, 3])
    }

    func testFailureOnOneRankEndsTheWholeJobQuickly() throws {
        for ranks in [2, 3] {
            // The other ranks wait in a barrier that rank 1 never reaches: only an abort frees them.
            let job = try MPIJob.run(ranks: ranks, ["fail-on-rank", "1"], timeout: 30)
            XCTAssertNotEqual(job.status, 0)
            XCTAssertLessThan(job.seconds, 10, "the job should end within seconds of the failure")
            XCTAssertTrue(job.stderr.contains("v1t-dist: rank 1 of \(ranks) failed: injected failure on rank 1\n"), job.stderr)
            XCTAssertEqual(job.passLines("fail-on-rank"), [], "no rank should get past the barrier")
        }
    }

    func testShardsAreDisjointAndCoverEachGlobalBatch() throws {
        // 23 trials, global batch 8, micro-batch at most 2, seed 5, 2 epochs: the last batch has 7.
        let sharding = try TrialSharding(trials: (0..<23).map { 3 * $0 + 1 }, globalBatchSize: 8, seed: 5)
        for ranks in [2, 3] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-shards-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let job = try MPIJob.run(ranks: ranks, ["sharding", directory.path, "23", "8", "2", "5", "2"])
            XCTAssertEqual(job.status, 0, job.stderr)

            var shares: [String: [Int: [Int]]] = [:]  // "epoch step" -> rank -> share
            for rank in 0..<ranks {
                let text = try String(contentsOf: directory.appendingPathComponent("rank-\(rank).txt"), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                    XCTAssertEqual(fields.count, 4, String(line))
                    let key = fields[0].split(separator: " ").prefix(2).joined(separator: " ")
                    let share = fields[2].split(separator: ",").compactMap { Int($0) }
                    let micro = fields[3].split(separator: ",").compactMap { Int($0) }
                    XCTAssertEqual(micro.reduce(0, +), share.count, String(line))
                    XCTAssertTrue(micro.allSatisfy { $0 >= 1 && $0 <= 2 }, String(line))
                    shares[key, default: [:]][rank] = share
                }
            }
            XCTAssertEqual(shares.count, 2 * sharding.stepsPerEpoch)
            for epoch in 0..<2 {
                let order = sharding.permutation(epoch: epoch)
                for step in 0..<sharding.stepsPerEpoch {
                    let expected = Array(order[(step * 8)..<min(step * 8 + 8, 23)])
                    let byRank = try XCTUnwrap(shares["\(epoch) \(step)"])
                    XCTAssertEqual(byRank.count, ranks)
                    let all = (0..<ranks).flatMap { byRank[$0] ?? [] }
                    XCTAssertEqual(Set(all).count, all.count, "shares overlap at epoch \(epoch) step \(step)")
                    XCTAssertEqual(all, expected, "rank-ordered shares must be the global batch")
                    let sizes = byRank.values.map(\.count)
                    XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1)
                }
            }
        }
    }

    private func expectEveryRankPasses(_ scenario: String, ranks: [Int]) throws {
        for count in ranks {
            let job = try MPIJob.run(ranks: count, [scenario])
            XCTAssertEqual(job.status, 0, "mpirun -np \(count) ddp-harness \(scenario):\n\(job.stderr)")
            XCTAssertEqual(Set(job.passLines(scenario)), Set((0..<count).map { "PASS \(scenario) rank \($0) of \(count)" }), job.stdout)
        }
    }
}
