/// How long one data-parallel optimiser step takes on N ranks, from two measurements: the compute
/// time of one trial on one rank, and the allreduce's latency and bandwidth:
///
///     t_step(N) = t_compute * ceil(B / N) + t_ring(gradient bytes, N) + 2 t_ring(small, N)
///
/// B trials per step are shared out, the largest share setting the pace; every step then sums the
/// gradients (4 bytes per parameter), then the loss sums (16 bytes) and asks every rank whether
/// to stop (8 bytes), each a ring allreduce (`RingAllreduce`). What the model leaves out: the
/// optimiser update and the plan of each step (the same on every rank, under 1% of a step at both
/// presets, and counted in t_compute when it is measured from a run), ranks slowed by sharing a
/// core or memory bandwidth, and the validation pass (not counted in samples/s).
public struct StepTimeModel: Equatable, Sendable {
    public var computeSecondsPerSample: Double
    public var parameters: Int
    public var allreduce: RingAllreduce

    public init(computeSecondsPerSample: Double, parameters: Int, allreduce: RingAllreduce) {
        self.computeSecondsPerSample = computeSecondsPerSample
        self.parameters = parameters
        self.allreduce = allreduce
    }

    public struct Step: Equatable, Sendable {
        public var ranks: Int
        public var globalBatch: Int
        public var computeSeconds: Double
        public var allreduceSeconds: Double

        public var seconds: Double { computeSeconds + allreduceSeconds }
        public var samplesPerSecond: Double { Double(globalBatch) / seconds }
        public var allreduceShare: Double { allreduceSeconds / seconds }
    }

    public var gradientBytes: Int { 4 * parameters }

    public func step(ranks: Int, globalBatch: Int) -> Step {
        let largestShare = (globalBatch + ranks - 1) / ranks
        let communication = allreduce.seconds(bytes: gradientBytes, ranks: ranks)
            + allreduce.seconds(bytes: 16, ranks: ranks) + allreduce.seconds(bytes: 8, ranks: ranks)
        return Step(ranks: ranks, globalBatch: globalBatch, computeSeconds: computeSecondsPerSample * Double(largestShare),
                    allreduceSeconds: communication)
    }

    /// The model's figures for `ranks` in both kinds of scaling: strong keeps the global batch,
    /// weak keeps each rank's batch (so the global batch grows with N).
    public func projection(ranks: [Int], strongBatch: Int, weakBatchPerRank: Int) -> [Projection] {
        let strongBase = step(ranks: 1, globalBatch: strongBatch), weakBase = step(ranks: 1, globalBatch: weakBatchPerRank)
        return ranks.map { n in
            let strong = step(ranks: n, globalBatch: strongBatch), weak = step(ranks: n, globalBatch: weakBatchPerRank * n)
            return Projection(ranks: n, strong: strong, strongSpeedup: strong.samplesPerSecond / strongBase.samplesPerSecond,
                              weak: weak, weakSpeedup: weak.samplesPerSecond / weakBase.samplesPerSecond)
        }
    }

    public struct Projection: Equatable, Sendable {
        public var ranks: Int
        public var strong: Step
        public var strongSpeedup: Double
        public var weak: Step
        public var weakSpeedup: Double

        public var strongEfficiency: Double { strongSpeedup / Double(ranks) }
        public var weakEfficiency: Double { weakSpeedup / Double(ranks) }
    }
}
