/// Which training trials each rank works on in each step of data-parallel training.
///
/// Rules (every rank derives them alone, with no communication):
/// - Each epoch visits the training trials in one permutation that depends only on (seed, epoch).
/// - Step `s` takes the global batch `permutation[s*G ..< (s+1)*G]` of G trials. The last batch of
///   an epoch keeps the remainder (fewer than G trials), as V1T's DataLoader does (no drop-last).
/// - The global batch is cut into groups of `groupSize` consecutive trials (the last may be
///   shorter), and the groups into contiguous per-rank shares, in rank order, whose group counts
///   differ by at most one (the first `groups % ranks` ranks get one more). A step's global batch
///   is therefore the same set for any number of ranks; only who computes which trial changes.
/// - Each share is cut into the fewest micro-batches of at most M trials holding whole groups,
///   group counts differing by at most one.
///
/// With gradients summed per trial and allreduce-summed over ranks, a step then computes the same
/// gradient (up to float rounding order) on 1, 2 or N ranks. Groups matter to a model whose
/// training pass normalises over several trials (batch norm): it computes statistics per group,
/// and every group lies inside one micro-batch on one rank. With groups of 1 (the ViT) the shares
/// and micro-batches are cut trial by trial.
public struct TrialSharding: Sendable {
    /// The dataset indices of the training trials, in dataset order.
    public let trials: [Int]
    /// G: trials per optimiser step over all ranks.
    public let globalBatchSize: Int
    public let seed: UInt64
    /// Trials that must stay together in one micro-batch (batch norm's group); 1 for independent trials.
    public let groupSize: Int

    public init(trials: [Int], globalBatchSize: Int, seed: UInt64, groupSize: Int = 1) throws {
        guard !trials.isEmpty else { throw DDPError("there are no training trials to shard") }
        guard globalBatchSize >= 1 else { throw DDPError("the global batch size must be at least 1, got \(globalBatchSize)") }
        guard Set(trials).count == trials.count else {
            throw DDPError("the training trial list names a trial twice; each trial must appear once")
        }
        guard groupSize >= 1 else { throw DDPError("the trial group size must be at least 1, got \(groupSize)") }
        self.trials = trials
        self.globalBatchSize = globalBatchSize
        self.seed = seed
        self.groupSize = groupSize
    }

    /// Optimiser steps per epoch, the last one possibly short.
    public var stepsPerEpoch: Int { (trials.count + globalBatchSize - 1) / globalBatchSize }

    /// The largest per-rank share any step can give: what a micro-batch never needs to exceed.
    public func largestShare(ranks: Int) -> Int {
        Self.largestShare(globalBatchSize: min(globalBatchSize, trials.count), ranks: ranks, groupSize: groupSize)
    }

    /// The most trials one rank gets of a global batch of `globalBatchSize` in groups of `groupSize`.
    public static func largestShare(globalBatchSize: Int, ranks: Int, groupSize: Int = 1) -> Int {
        let groups = (globalBatchSize + groupSize - 1) / groupSize
        return min(globalBatchSize, (groups + ranks - 1) / ranks * groupSize)
    }

    /// The training trials in the order epoch `epoch` visits them (Fisher-Yates keyed by seed and epoch).
    public func permutation(epoch: Int) -> [Int] {
        var order = trials
        var random = SplitMix64(seed: seed, stream: UInt64(truncatingIfNeeded: epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next(below: UInt64(i + 1))))
        }
        return order
    }

    /// This rank's work for every step of epoch `epoch`.
    public func steps(epoch: Int, rank: Int, ranks: Int, microBatchSize: Int) throws -> [StepPlan] {
        guard ranks >= 1, (0..<ranks).contains(rank) else { throw DDPError("rank \(rank) is not one of \(ranks) ranks") }
        guard microBatchSize >= 1 else { throw DDPError("the micro-batch size must be at least 1, got \(microBatchSize)") }
        guard microBatchSize >= groupSize else {
            throw DDPError("""
                a micro-batch of \(microBatchSize) trials cannot hold a batch-norm group of \(groupSize) trials: \
                give --micro-batch-size at least \(groupSize) (or more memory), or a smaller --bn-group
                """)
        }
        let fullBatch = min(globalBatchSize, trials.count), groups = (fullBatch + groupSize - 1) / groupSize
        guard groups >= ranks else {
            throw DDPError("""
                the global batch of \(fullBatch) trials\(groupSize > 1 ? " (\(groups) batch-norm groups of \(groupSize))" : "") \
                is smaller than the \(ranks) ranks, so some ranks would have nothing to do: raise the batch size\
                \(groupSize > 1 ? ", lower --bn-group" : "") or start fewer ranks
                """)
        }
        let order = permutation(epoch: epoch)
        return (0..<stepsPerEpoch).map { step in
            let batch = order[(step * globalBatchSize)..<min((step + 1) * globalBatchSize, order.count)]
            let share = batch[Self.groupedRange(batch.indices, piece: rank, pieces: ranks, groupSize: groupSize)]
            return StepPlan(epoch: epoch, step: step, globalBatch: batch, share: share,
                            microBatches: Self.microBatches(share, maxSize: microBatchSize, groupSize: groupSize))
        }
    }

    /// The contiguous part of `range` that `rank` of `ranks` gets: sizes differ by at most one,
    /// the larger ones first.
    public static func shareRange(_ range: Range<Int>, rank: Int, ranks: Int) -> Range<Int> {
        let base = range.count / ranks, extra = range.count % ranks
        let start = range.lowerBound + rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// `share` cut into the fewest contiguous pieces of at most `maxSize` trials holding whole
    /// groups of `groupSize` (counted from the share's start), group counts differing by at most one.
    public static func microBatches(_ share: ArraySlice<Int>, maxSize: Int, groupSize: Int = 1) -> [ArraySlice<Int>] {
        let groups = (share.count + groupSize - 1) / groupSize, groupsPerPiece = max(maxSize / groupSize, 1)
        let pieces = (groups + groupsPerPiece - 1) / groupsPerPiece
        return (0..<pieces).map { share[groupedRange(share.indices, piece: $0, pieces: pieces, groupSize: groupSize)] }
    }

    /// Piece `piece` of `pieces` of `range` cut between groups of `groupSize` (the last group may be
    /// short): `shareRange` over the groups, mapped back to trials.
    static func groupedRange(_ range: Range<Int>, piece: Int, pieces: Int, groupSize: Int) -> Range<Int> {
        let groups = shareRange(0..<((range.count + groupSize - 1) / groupSize), rank: piece, ranks: pieces)
        let start = min(range.lowerBound + groups.lowerBound * groupSize, range.upperBound)
        return start..<min(range.lowerBound + groups.upperBound * groupSize, range.upperBound)
    }
}

/// One optimiser step as seen by one rank.
public struct StepPlan: Sendable, Equatable {
    public let epoch: Int
    public let step: Int
    /// Every rank's trials of this step; the same on every rank.
    public let globalBatch: ArraySlice<Int>
    /// This rank's trials (may be empty only when the last batch of an epoch is shorter than the ranks).
    public let share: ArraySlice<Int>
    /// `share` in pieces of at most the micro-batch size; their gradients accumulate before the allreduce.
    public let microBatches: [ArraySlice<Int>]
}

/// A small seeded generator whose output is fixed by this code, not by the Swift version
/// (the standard library's `shuffle` algorithm is not promised to stay the same).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64, stream: UInt64) {
        state = seed ^ Self.mix(stream &+ 0x7452_6961_6C53_6864)
    }

    /// SplitMix64's output function: a bijective mix of the 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        let threshold = (0 &- bound) % bound
        while true {
            let product = next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return product.high }
        }
    }
}
