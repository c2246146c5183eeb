/// The data-parallel part of one optimiser step, independent of the model: every rank holds a
/// replica; each runs its share of the global batch in micro-batches, accumulating into its one
/// contiguous gradient buffer; the gradient buffers are then summed over ranks (with the loss sums
/// riding along), so every rank holds the gradient of the whole global batch and applies the same
/// update. Losses here are sums over trials, so summing is exact whatever the shares' sizes:
/// 1, 2 or 3 ranks give the same gradient up to float rounding.
///
/// The sum overlaps the last micro-batch's backward pass: the model declares its gradient buckets
/// (`gradientBuckets`, parts of the buffer in the order its backward pass finishes them) and calls
/// `bucketReady(_:)` as each is finished; the engine then starts that bucket's sum at once
/// (MPI_Iallreduce) and lets MPI move the started ones on at each later bucket, so that by the end
/// of the backward pass little is left to wait for. Every rank starts the same buckets in the same
/// order (a rank with no micro-batch starts them all at the end), so the collectives match; the
/// elementwise sums are the same numbers as one blocking allreduce would give with 2 ranks (a + b
/// is one rounding either way), and within float rounding with more.
public final class DataParallelEngine {
    public let world: Communicator
    /// Wall-clock seconds spent computing, and waiting for the gradient sums after the computing
    /// (the part of the allreduce the backward pass did not hide), since the last `resetTimings`.
    public private(set) var computeSeconds = 0.0
    public private(set) var allreduceSeconds = 0.0
    public private(set) var allreduceBytes = 0

    /// Parts of the gradient buffer (each one or more ranges) in the order the model's backward
    /// pass finishes them. What they leave out is summed at the end as one more bucket. Empty: the
    /// whole buffer is summed after the last micro-batch.
    public var gradientBuckets: [[Range<Int>]] = [] {
        didSet {
            let ranges = gradientBuckets.flatMap { $0 }.sorted { $0.lowerBound < $1.lowerBound }
            precondition(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound } && (ranges.first?.lowerBound ?? 0) >= 0,
                         "gradient buckets must not overlap")
        }
    }

    /// The step in progress: its buffer, whether the current micro-batch is the last (only then is
    /// a bucket final), how many buckets have been started, and the first failure of a start.
    private var buffer: UnsafeMutableBufferPointer<Float>?
    private var isLastMicroBatch = false
    private var startedBuckets = 0
    private var startFailure: Error?

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
    /// micro-batch still takes part in the sums with zeros.
    public func accumulate<MicroBatch>(
        _ microBatches: [MicroBatch], gradients: UnsafeMutableBufferPointer<Float>, sums: inout [Double],
        work: (MicroBatch, inout [Double]) throws -> Void
    ) throws {
        gradients.update(repeating: 0)
        buffer = gradients
        startedBuckets = 0
        startFailure = nil
        defer { buffer = nil; isLastMicroBatch = false }
        let start = world.wallTime
        for (index, microBatch) in microBatches.enumerated() {
            isLastMicroBatch = index == microBatches.count - 1
            try work(microBatch, &sums)
        }
        isLastMicroBatch = false
        if let startFailure { throw startFailure }
        let computed = world.wallTime
        let buckets = bucketsCovering(gradients.count)
        while startedBuckets < buckets.count { try startBucket(startedBuckets, of: buckets) }
        try sums.withUnsafeMutableBufferPointer { sums in
            try world.startSum(sums)
            try world.waitForSums()
        }
        computeSeconds += computed - start
        allreduceSeconds += world.wallTime - computed
        allreduceBytes += gradients.count * 4 + sums.count * 8
    }

    /// The model's backward pass calls this when bucket `index` of `gradientBuckets` holds its
    /// final gradient for the step (nothing later in the pass adds to it). During the last
    /// micro-batch it starts the sums of every bucket up to `index` not yet started; otherwise it
    /// does nothing. A failure is reported by `accumulate`.
    public func bucketReady(_ index: Int) {
        guard isLastMicroBatch, startFailure == nil, let buffer else { return }
        do {
            let buckets = bucketsCovering(buffer.count)
            while startedBuckets <= min(index, buckets.count - 1) { try startBucket(startedBuckets, of: buckets) }
            try world.progressSums()
        } catch {
            startFailure = error
        }
    }

    /// The declared buckets, and one more for whatever they leave out of `count` floats.
    private func bucketsCovering(_ count: Int) -> [[Range<Int>]] {
        var rest: [Range<Int>] = []
        var next = 0
        for range in gradientBuckets.flatMap({ $0 }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > next { rest.append(next..<min(range.lowerBound, count)) }
            next = max(next, range.upperBound)
        }
        if next < count { rest.append(next..<count) }
        return gradientBuckets + [rest]
    }

    private func startBucket(_ index: Int, of buckets: [[Range<Int>]]) throws {
        let buffer = buffer!
        for range in buckets[index] where !range.isEmpty {
            precondition(range.upperBound <= buffer.count, "gradient bucket \(range) lies outside the \(buffer.count) gradients")
            try world.startSum(UnsafeMutableBufferPointer(rebasing: buffer[range]))
        }
        startedBuckets += 1
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
