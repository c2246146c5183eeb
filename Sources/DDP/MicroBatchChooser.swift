/// A micro-batch size and why, for the training log.
public struct MicroBatchChoice: Sendable, Equatable {
    public let size: Int
    /// E.g. `micro-batch 6: 6 x 410 MiB activations + 120 MiB fixed fits in 3.1 GiB budget
    /// (24 GiB available, 2 ranks on this node, 20% headroom)`.
    public let explanation: String
}

/// Chooses how many trials a rank pushes through forward and backward at once: as many as the
/// memory budget allows, since larger micro-batches make larger, faster matrix products.
public enum MicroBatchChooser {
    /// The largest micro-batch `m` with `fixedBytes + m * activationBytesPerSample <= budget`,
    /// and at most `largestShare` (a rank never has more trials in a step).
    ///
    /// - Parameters:
    ///   - activationBytesPerSample: what one trial's forward and backward pass keeps alive.
    ///   - fixedBytes: what does not grow with the micro-batch and is not yet allocated when the
    ///     budget was measured: parameters, gradients, optimiser state, workspace.
    public static func choose(
        activationBytesPerSample: UInt64, fixedBytes: UInt64, budget: MemoryBudget, largestShare: Int
    ) throws -> MicroBatchChoice {
        precondition(largestShare >= 1, "a rank's largest share must be at least one trial")
        let fitting: UInt64
        if fixedBytes > budget.bytesPerRank {
            fitting = 0
        } else if activationBytesPerSample == 0 {
            fitting = UInt64(largestShare)
        } else {
            fitting = (budget.bytesPerRank - fixedBytes) / activationBytesPerSample
        }
        let activations = ByteCount.format(activationBytesPerSample)
        let fixed = ByteCount.format(fixedBytes)
        let budgetText = "\(ByteCount.format(budget.bytesPerRank)) budget (\(budget.origin))"
        guard fitting >= 1 else {
            throw DDPError("""
                not enough memory for even one trial per micro-batch: 1 x \(activations) activations + \
                \(fixed) fixed = \(ByteCount.format(activationBytesPerSample + fixedBytes)) exceeds the \
                \(budgetText); start fewer ranks per node, use a smaller model or image size, or give \
                each rank a larger budget
                """)
        }
        let size = Int(min(fitting, UInt64(largestShare)))
        let capped = fitting > UInt64(largestShare) ? " (this rank's whole share of the global batch)" : ""
        return MicroBatchChoice(
            size: size,
            explanation: "micro-batch \(size)\(capped): \(size) x \(activations) activations + \(fixed) fixed fits in \(budgetText)")
    }
}
