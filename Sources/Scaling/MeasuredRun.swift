import Foundation
import Training
import V1TModel

/// The throughput of one finished `v1t-dist train` run, read from its run directory.
public struct MeasuredRun: Equatable, Sendable {
    public var name: String
    public var ranks: Int
    /// Trials per optimiser step over all ranks (per recording).
    public var globalBatch: Int
    /// The epoch the figures come from, and how many the run had.
    public var epoch: Int
    public var epochs: Int
    public var samplesPerSecond: Double
    /// Share of the step time in the gradient allreduce (waiting for the slowest rank included).
    public var allreduceShare: Double
    /// Model parameters: the gradient allreduce sums 4 bytes for each.
    public var parameters: Int
    /// Processor time the ranks got over their wall time in that epoch (nil from older runs): below
    /// 1 they shared their cores with other processes.
    public var cpuShare: Double?

    public init(name: String, ranks: Int, globalBatch: Int, epoch: Int, epochs: Int, samplesPerSecond: Double,
                allreduceShare: Double, parameters: Int, cpuShare: Double? = nil) {
        self.name = name
        self.ranks = ranks
        self.globalBatch = globalBatch
        self.epoch = epoch
        self.epochs = epochs
        self.samplesPerSecond = samplesPerSecond
        self.allreduceShare = allreduceShare
        self.parameters = parameters
        self.cpuShare = cpuShare
    }

    /// The most trials any rank computes in a step: the step waits for that rank.
    public var largestShare: Int { (globalBatch + ranks - 1) / ranks }

    /// Seconds of one full optimiser step.
    public var stepSeconds: Double { Double(globalBatch) / samplesPerSecond }

    /// Seconds one rank with a core of its own spends on one trial's forward and backward pass,
    /// from this run: the step minus its allreduce share, over the largest share, counting only
    /// the processor time the ranks got (`cpuShare`) when the run recorded it.
    public var computeSecondsPerSample: Double {
        (1 - allreduceShare) * stepSeconds * (cpuShare ?? 1) / Double(largestShare)
    }

    /// Reads `metrics.csv`, `config.json` and the parameter count from `last.safetensors`. The
    /// figures are the epoch with the most samples per second, leaving out the first epoch when
    /// there are more (it pays for MPI's connection set-up and cold caches).
    public static func read(_ run: RunDirectory) throws -> MeasuredRun {
        let name = run.url.lastPathComponent
        guard let text = try? String(contentsOf: run.metrics, encoding: .utf8) else {
            throw ScalingError("\(run.metrics.path) is missing: did the training run of \(name) finish an epoch?")
        }
        let rows = try EpochMetrics.parse(csv: text, source: run.metrics.path)
        guard !rows.isEmpty else { throw ScalingError("\(run.metrics.path) has no epochs yet") }
        let candidates = rows.count > 1 ? Array(rows.dropFirst()) : rows
        let best = candidates.max { $0.samplesPerSecond < $1.samplesPerSecond }!
        let configuration = try run.loadConfiguration()
        return MeasuredRun(name: name, ranks: best.ranks, globalBatch: configuration.batchSize * configuration.dataFiles.count,
                           epoch: best.epoch, epochs: rows.count, samplesPerSecond: best.samplesPerSecond,
                           allreduceShare: best.allreduceShare, parameters: try parameterCount(run), cpuShare: best.cpuShare)
    }

    private static func parameterCount(_ run: RunDirectory) throws -> Int {
        guard let data = FileManager.default.contents(atPath: run.lastCheckpoint.path) else {
            throw ScalingError("\(run.lastCheckpoint.path) is missing: did the training run finish an epoch?")
        }
        return try SafeTensors.decode(data, path: run.lastCheckpoint.path).tensors
            .filter { !$0.name.hasPrefix("optimizer.") }.reduce(0) { $0 + $1.values.count }
    }
}
