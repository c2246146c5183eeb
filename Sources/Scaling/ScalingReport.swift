import Foundation

/// Strong scaling keeps the global batch (the same training, shared by more ranks); weak scaling
/// keeps each rank's batch (more ranks train on larger batches).
public enum ScalingMode: String, CaseIterable, Sendable {
    case strong, weak
}

/// One measured point with its speedup and efficiency against the mode's smallest run.
public struct ScalingRow: Equatable, Sendable {
    public var mode: ScalingMode
    public var run: MeasuredRun
    /// samples/s over the baseline's (the same mode, fewest ranks).
    public var speedup: Double
    /// Speedup over the growth in ranks: 1 is perfect scaling.
    public var efficiency: Double
    /// What `StepTimeModel` predicts for this point, when allreduce timings were given.
    public var modelSamplesPerSecond: Double?

    /// The speedup had every rank had its core to itself: samples per second of processor time
    /// the ranks got, against the baseline's (nil without `cpu_share` figures). An estimate for
    /// shared machines, and a cautious one: a rank spinning in the allreduce while its partner
    /// waits for a core counts as busy.
    public var unsharedSpeedup: Double?
}

/// Measured strong and weak scaling, and what the step-time model projects for more ranks.
public struct ScalingReport {
    public let rows: [ScalingRow]
    /// Built from the strong (else weak) baseline and the allreduce fit; nil without allreduce timings.
    public let model: StepTimeModel?
    public let allreduceTimings: [AllreduceTiming]

    public init(strong: [MeasuredRun], weak: [MeasuredRun], allreduce: RingAllreduce?, allreduceTimings: [AllreduceTiming] = []) throws {
        guard !(strong.isEmpty && weak.isEmpty) else { throw ScalingError("no runs to report: give --strong or --weak run directories") }
        var rows: [ScalingRow] = []
        for (mode, runs) in [(ScalingMode.strong, strong), (.weak, weak)] where !runs.isEmpty {
            let sorted = runs.sorted { $0.ranks < $1.ranks }
            let base = sorted[0]
            if mode == .strong, let other = sorted.first(where: { $0.globalBatch != base.globalBatch }) {
                throw ScalingError("strong scaling keeps the global batch, but \(other.name) has \(other.globalBatch) and \(base.name) \(base.globalBatch)")
            }
            if mode == .weak, let other = sorted.first(where: { $0.globalBatch * base.ranks != base.globalBatch * $0.ranks }) {
                throw ScalingError("""
                    weak scaling keeps each rank's batch, but \(other.name) has \(other.globalBatch) trials on \(other.ranks) ranks \
                    and \(base.name) \(base.globalBatch) on \(base.ranks)
                    """)
            }
            for run in sorted {
                let speedup = run.samplesPerSecond / base.samplesPerSecond
                rows.append(ScalingRow(mode: mode, run: run, speedup: speedup, efficiency: speedup * Double(base.ranks) / Double(run.ranks),
                                       unsharedSpeedup: Self.unsharedSpeedup(run, base: base)))
            }
        }
        let base = rows[0].run
        model = allreduce.map {
            StepTimeModel(computeSecondsPerSample: base.computeSecondsPerSample, parameters: base.parameters, allreduce: $0)
        }
        if let model {
            for index in rows.indices {
                rows[index].modelSamplesPerSecond = model.step(ranks: rows[index].run.ranks, globalBatch: rows[index].run.globalBatch).samplesPerSecond
            }
        }
        self.rows = rows
        self.allreduceTimings = allreduceTimings
    }

    private static func unsharedSpeedup(_ run: MeasuredRun, base: MeasuredRun) -> Double? {
        guard let share = run.cpuShare, let baseShare = base.cpuShare, share > 0, baseShare > 0 else { return nil }
        return (run.samplesPerSecond / share) / (base.samplesPerSecond / baseShare)
    }

    /// Global batch of the strong runs (else of the weak baseline) and each rank's batch in the
    /// weak runs (else the strong global batch), for the projection.
    public var projectedBatches: (strong: Int, weakPerRank: Int) {
        let strong = rows.first { $0.mode == .strong }?.run.globalBatch
        let weak = rows.first { $0.mode == .weak }.map { $0.run.globalBatch / $0.run.ranks }
        return (strong ?? weak ?? 1, weak ?? strong ?? 1)
    }

    public func projection(ranks: [Int]) -> [StepTimeModel.Projection] {
        guard let model else { return [] }
        return model.projection(ranks: ranks, strongBatch: projectedBatches.strong, weakBatchPerRank: projectedBatches.weakPerRank)
    }

    public static let csvHeader = "mode,ranks,global_batch,per_rank_batch,samples_per_second,speedup,efficiency,allreduce_share,"
        + "step_seconds,epoch,epochs,parameters,model_samples_per_second,cpu_share,unshared_speedup,run"

    public var csv: String {
        ([Self.csvHeader] + rows.map { row in
            let run = row.run
            return [row.mode.rawValue, String(run.ranks), String(run.globalBatch), String(run.largestShare), "\(run.samplesPerSecond)",
                    "\(row.speedup)", "\(row.efficiency)", "\(run.allreduceShare)", "\(run.stepSeconds)", String(run.epoch),
                    String(run.epochs), String(run.parameters), Self.optional(row.modelSamplesPerSecond), Self.optional(run.cpuShare),
                    Self.optional(row.unsharedSpeedup), run.name].joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    private static func optional(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
}
