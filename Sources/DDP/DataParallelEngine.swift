/// The data-parallel part of one optimiser step, independent of the model: every rank holds a
/// replica; each runs its share of the global batch in micro-batches, accumulating into its one
/// contiguous gradient buffer; one allreduce then sums the gradient buffers (and the loss sums
/// riding along), so every rank holds the gradient of the whole global batch and applies the same
/// update. Losses here are sums over trials, so summing is exact whatever the shares' sizes:
/// 1, 2 or 3 ranks give the same gradient up to float rounding.
public final class DataParallelEngine {
    public let world: Communicator
    /// Wall-clock seconds spent computing and in the gradient allreduce, since the last `resetTimings`.
    public private(set) var computeSeconds = 0.0
    public private(set) var allreduceSeconds = 0.0
    public private(set) var allreduceBytes = 0

    public init(world: Communicator) {
        self.world = world
    }

    /// Makes every replica start from rank 0's parameters (at start, and after a resume).
    public func broadcastParameters(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try world.broadcast(values, from: 0)
    }

    /// Runs `work` on each of this rank's micro-batches (e.g. the `microBatches` of a `StepPlan`,
    /// or of several, one per recording), then sums `gradients` and `sums` over ranks. `work` must
    /// ADD its gradients into the buffer (which this zeroes first) and add what it wants summed
    /// (losses, counts) into `sums`, whose length must be the same on every rank. A rank with no
    /// micro-batch still takes part in the allreduce with zeros.
    public func accumulate<MicroBatch>(
        _ microBatches: [MicroBatch], gradients: UnsafeMutableBufferPointer<Float>, sums: inout [Double],
        work: (MicroBatch, inout [Double]) throws -> Void
    ) throws {
        gradients.update(repeating: 0)
        let start = world.wallTime
        for microBatch in microBatches {
            try work(microBatch, &sums)
        }
        let computed = world.wallTime
        try world.allreduceSum(gradients)
        if !sums.isEmpty { try world.allreduceSum(&sums) }
        computeSeconds += computed - start
        allreduceSeconds += world.wallTime - computed
        allreduceBytes += gradients.count * 4 + sums.count * 8
    }

    /// Sums statistics over ranks between passes (e.g. a correlation loss's batch moments).
    public func sum(_ values: inout [Double]) throws {
        try world.allreduceSum(&values)
    }

    public func resetTimings() {
        computeSeconds = 0
        allreduceSeconds = 0
        allreduceBytes = 0
    }
}
