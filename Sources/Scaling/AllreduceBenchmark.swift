import DDP

/// Times `Communicator.allreduceSum` on Float buffers of several sizes, as the trainer's gradient
/// allreduce uses it. Collective: every rank runs it with the same arguments.
public enum AllreduceBenchmark {
    /// 4 bytes, then x4 up to `maxBytes` (64 MiB by default: beyond any V1T gradient).
    public static func sizes(maxBytes: Int = 64 << 20) -> [Int] {
        Array(sequence(first: 4) { $0 * 4 }.prefix { $0 <= maxBytes })
    }

    /// For each size: a few untimed calls (buffers and connections set up), then `rounds` timed
    /// runs of as many calls as fill about `secondsPerRound`, the same count on every rank. A
    /// round's time is its slowest rank's (an allreduce ends when its last rank has the result);
    /// the fastest round is kept, as the cost without interference from other processes.
    public static func run(world: Communicator, sizes: [Int], secondsPerRound: Double = 0.1, rounds: Int = 3) throws -> [AllreduceTiming] {
        try sizes.map { bytes in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(bytes / 4, 1))
            defer { buffer.deallocate() }
            // Zeros: sums that stay zero however often they are repeated (no overflow, no denormals).
            buffer.initialize(repeating: 0)
            for _ in 0..<3 { try world.allreduceSum(buffer) }
            try world.barrier()
            let probeStart = world.wallTime
            try world.allreduceSum(buffer)
            let probe = try world.allreduceMax(world.wallTime - probeStart)
            let calls = min(max(Int(secondsPerRound / max(probe, 1e-7)), 3), 10_000)
            var best = Double.infinity
            for _ in 0..<rounds {
                try world.barrier()
                let start = world.wallTime
                for _ in 0..<calls { try world.allreduceSum(buffer) }
                let slowest = try world.allreduceMax(world.wallTime - start)
                best = min(best, slowest / Double(calls))
            }
            return AllreduceTiming(ranks: world.size, bytes: buffer.count * 4, seconds: best)
        }
    }
}
