import Foundation
import V1TModel

/// The figures of `v1t-dist bench`: printed as a table, optionally written as JSON.
struct BenchReport: Codable {
    /// The original PyTorch V1T at the published size peaks at 11.8 GB with batch 16 on a CPU.
    static let pytorchPeakBytes = 11.8e9
    static let pytorchBatch = 16

    /// OPENBLAS_NUM_THREADS as set (nil when unset) and the thread count OpenBLAS actually uses.
    var openblasNumThreads: String?
    var blasThreads: Int
    var blasConfiguration: String
    var sgemm: [Sgemm]
    /// The best of the sgemm figures.
    var sgemmPeakGFLOPs: Double
    var models: [Model]

    init(openblasNumThreads: String?, blasThreads: Int, blasConfiguration: String, sgemm: [Sgemm], models: [Model]) {
        self.openblasNumThreads = openblasNumThreads
        self.blasThreads = blasThreads
        self.blasConfiguration = blasConfiguration
        self.sgemm = sgemm
        sgemmPeakGFLOPs = Self.peak(of: sgemm)
        self.models = models
    }

    struct Sgemm: Codable {
        var m: Int
        var n: Int
        var k: Int
        var gflops: Double

        /// The model's largest products (attention's P V and Q Kᵀ, the MLP's contraction, at the
        /// published size) and a square one.
        static let shapes = [(1654, 155, 1654), (1654, 1654, 155), (1654, 155, 488), (1024, 1024, 1024)]

        static func measureAll(repeats: Int = 5) -> [Sgemm] {
            shapes.map { m, n, k in Sgemm(m: m, n: n, k: k, gflops: SgemmThroughput.measure(m: m, n: n, k: k, repeats: repeats)) }
        }
    }

    /// The best sgemm GFLOP/s over the measured shapes.
    static func peak(of sgemm: [Sgemm]) -> Double { sgemm.map(\.gflops).max() ?? 0 }

    struct Model: Codable {
        var name: String
        var parameters: Int
        var neurons: Int
        var batch: Int
        /// The ViT's products by kind (nil for the stacked2d core).
        var flops: TrainingFLOPs?
        var throughput: TrainingThroughput
        var trainingGFLOPPerSample: Double
        /// Over all timed passes, and of the fastest pass.
        var samplesPerSecond: Double
        var bestPassSamplesPerSecond: Double
        /// Per CPU second used: what the speed would be with the core to itself.
        var samplesPerCPUSecond: Double
        /// Wall clock: from the mean over the timed passes, and from the fastest pass.
        var achievedGFLOPs: Double
        var bestPassGFLOPs: Double
        /// Per CPU second used: the speed with the core to itself.
        var gflopsPerCPUSecond: Double
        var sgemmPeakGFLOPs: Double
        /// GFLOP per CPU second as a share of the sgemm peak (also measured in CPU time): the
        /// figure that does not depend on what else runs on the machine.
        var percentOfSgemmPeak: Double
        /// The fastest pass's wall-clock GFLOP/s as a share of the sgemm peak (equal to the above
        /// on an idle machine, lower on a busy one).
        var bestPassPercentOfSgemmPeak: Double
        var activationBytesPerSample: Int
        var fixedBytes: Int
        /// VmHWM after the timed passes (reset before building the model where Linux allows it);
        /// includes the program and its libraries.
        var peakResidentBytes: Int?

        init(name: String, configuration: V1TConfiguration, model: V1T, throughput: TrainingThroughput, sgemmPeak: Double,
             peakResidentBytes: Int?) {
            self.name = name
            parameters = model.parameters.count
            neurons = configuration.mice[0].neurons
            batch = throughput.batch
            flops = configuration.core.vit.map(TrainingFLOPs.init)
            self.throughput = throughput
            trainingGFLOPPerSample = Double(configuration.core.trainingFLOPsPerSample) / 1e9
            samplesPerSecond = throughput.samplesPerSecond
            bestPassSamplesPerSecond = throughput.bestSamplesPerSecond
            samplesPerCPUSecond = throughput.samplesPerCPUSecond
            achievedGFLOPs = throughput.samplesPerSecond * trainingGFLOPPerSample
            bestPassGFLOPs = throughput.bestSamplesPerSecond * trainingGFLOPPerSample
            gflopsPerCPUSecond = throughput.samplesPerCPUSecond * trainingGFLOPPerSample
            sgemmPeakGFLOPs = sgemmPeak
            percentOfSgemmPeak = 100 * gflopsPerCPUSecond / sgemmPeak
            bestPassPercentOfSgemmPeak = 100 * bestPassGFLOPs / sgemmPeak
            activationBytesPerSample = model.activationBytesPerSample
            fixedBytes = model.fixedBytes
            self.peakResidentBytes = peakResidentBytes
        }

        static func measure(name: String, configuration: V1TConfiguration, batch: Int, passes: Int, sgemmPeak: Double) throws -> Model {
            let resetPeak = ProcessMemory.resetPeak()
            let model = try V1T(configuration: configuration, seed: 1)
            let throughput = TrainingThroughput.measure(model: model, batch: batch, passes: passes)
            return Model(name: name, configuration: configuration, model: model, throughput: throughput, sgemmPeak: sgemmPeak,
                         peakResidentBytes: resetPeak ? ProcessMemory.peakResidentBytes() : nil)
        }
    }

    var table: String {
        var lines = ["sgemm, one core       m      n      k   GFLOP per CPU second (best of 5)"]
        for s in sgemm {
            lines.append("                " + [s.m, s.n, s.k].map { pad(String($0), 7) }.joined() + pad(fixed(s.gflops, 1), 10))
        }
        lines.append("peak" + pad(fixed(sgemmPeakGFLOPs, 1), 47))
        guard !models.isEmpty else { return lines.joined(separator: "\n") }
        lines.append("")
        let rows: [(String, (Model) -> String)] = [
            ("parameters", { grouped($0.parameters) }),
            ("readout neurons", { String($0.neurons) }),
            ("batch", { String($0.batch) }),
            ("training GFLOP per sample", { fixed($0.trainingGFLOPPerSample, 3) }),
            ("samples/s (mean of passes)", { fixed($0.samplesPerSecond, 2) }),
            ("samples/s (best pass)", { fixed($0.bestPassSamplesPerSecond, 2) }),
            ("samples per CPU second", { fixed($0.samplesPerCPUSecond, 2) }),
            ("forward ms/sample", { fixed(1000 * $0.throughput.forwardSeconds.reduce(0, +) / Double($0.batch * $0.throughput.passes), 1) }),
            ("backward ms/sample", { fixed(1000 * $0.throughput.backwardSeconds.reduce(0, +) / Double($0.batch * $0.throughput.passes), 1) }),
            ("GFLOP/s (mean)", { fixed($0.achievedGFLOPs, 1) }),
            ("GFLOP/s (best pass)", { fixed($0.bestPassGFLOPs, 1) }),
            ("GFLOP per CPU second", { fixed($0.gflopsPerCPUSecond, 1) }),
            ("% of sgemm peak (CPU time)", { fixed($0.percentOfSgemmPeak, 1) + "%" }),
            ("% of sgemm peak (best pass)", { fixed($0.bestPassPercentOfSgemmPeak, 1) + "%" }),
            ("activation MB per sample", { fixed(Double($0.activationBytesPerSample) / 1e6, 2) }),
            ("fixed MB", { fixed(Double($0.fixedBytes) / 1e6, 1) }),
            ("planned MB at this batch", { fixed(Double($0.fixedBytes + $0.batch * $0.activationBytesPerSample) / 1e6, 1) }),
            ("peak RSS MB (VmHWM)", { $0.peakResidentBytes.map { fixed(Double($0) / 1e6, 1) } ?? "n/a" }),
            ("peak RSS MB per sample", { m in m.peakResidentBytes.map { fixed(Double($0) / 1e6 / Double(m.batch), 1) } ?? "n/a" }),
        ]
        lines.append(pad("model", -30) + models.map { pad($0.name, 14) }.joined())
        for (label, value) in rows {
            lines.append(pad(label, -30) + models.map { pad(value($0), 14) }.joined())
        }
        let pytorchPerSample = Self.pytorchPeakBytes / Double(Self.pytorchBatch) / 1e6
        lines.append("PyTorch V1T (published) peaks at 11.8 GB with batch \(Self.pytorchBatch): "
                     + "\(fixed(pytorchPerSample, 1)) MB per sample")
        return lines.joined(separator: "\n")
    }

    /// Written to a temporary name first and renamed, so a reader never sees half a file.
    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".partial"
        try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

/// Right-aligned in `width` characters (left-aligned for a negative width).
private func pad(_ text: String, _ width: Int) -> String {
    let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
    return width < 0 ? text + fill : fill + text
}

private func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

private func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    return digits.enumerated().map { i, d in (i > 0 && (digits.count - i) % 3 == 0 ? "," : "") + String(d) }.joined()
}
