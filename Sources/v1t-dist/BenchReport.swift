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
    var machine: Machine
    /// sgemm in this process, on the kernel in use.
    var sgemm: [Sgemm]
    /// The best of the sgemm figures.
    var sgemmPeakGFLOPs: Double
    var models: [Model]

    init(openblasNumThreads: String?, blasThreads: Int, blasConfiguration: String, machine: Machine, sgemm: [Sgemm], models: [Model]) {
        self.openblasNumThreads = openblasNumThreads
        self.blasThreads = blasThreads
        self.blasConfiguration = blasConfiguration
        self.machine = machine
        self.sgemm = sgemm
        sgemmPeakGFLOPs = Self.peak(of: sgemm)
        self.models = models
    }

    /// The ceilings of this core: the kernel in use, the sgemm of every kernel family the CPU runs,
    /// and what its FMA units can do at most.
    struct Machine: Codable {
        var cpu: CPUCore
        var kernel: BLASKernel
        /// The layers' element-wise kernels (softmax, GELU, LayerNorm, dropout) in use.
        var layerKernels: VectorKernels
        var fmaPeak: FMAPeak
        var kernels: [KernelSgemm]

        /// The fastest kernel family that computes correctly, and its sgemm.
        var bestKernel: KernelSgemm? { kernels.filter(\.correct).max { $0.peakGFLOPs < $1.peakGFLOPs } }

        static func measure() -> Machine {
            Machine(cpu: .current, kernel: .current, layerKernels: .inUse, fmaPeak: .measure(), kernels: KernelSgemm.measureAll())
        }
    }

    /// What a model's GFLOP per CPU second is compared with.
    struct Yardsticks: Codable {
        /// sgemm on the kernel in use, the best over the kernel families, and the FMA peak.
        var sgemmInUse: Double
        var bestSgemm: Double
        var fmaPeak: Double
    }

    var yardsticks: Yardsticks {
        Yardsticks(sgemmInUse: sgemmPeakGFLOPs, bestSgemm: max(sgemmPeakGFLOPs, machine.bestKernel?.peakGFLOPs ?? 0),
                   fmaPeak: machine.fmaPeak.gflops)
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
        var bestSgemmGFLOPs: Double
        var fmaPeakGFLOPs: Double
        /// GFLOP per CPU second as a share of the sgemm peak (also measured in CPU time): the
        /// figure that does not depend on what else runs on the machine.
        var percentOfSgemmPeak: Double
        /// The fastest pass's wall-clock GFLOP/s as a share of the sgemm peak (equal to the above
        /// on an idle machine, lower on a busy one).
        var bestPassPercentOfSgemmPeak: Double
        /// GFLOP per CPU second as a share of the best kernel family's sgemm and of the FMA peak.
        var percentOfBestSgemm: Double
        var percentOfFMAPeak: Double
        var activationBytesPerSample: Int
        var fixedBytes: Int
        /// VmHWM after the timed passes (reset before building the model where Linux allows it);
        /// includes the program and its libraries.
        var peakResidentBytes: Int?

        init(name: String, configuration: V1TConfiguration, model: V1T, throughput: TrainingThroughput, yardsticks: Yardsticks,
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
            sgemmPeakGFLOPs = yardsticks.sgemmInUse
            bestSgemmGFLOPs = yardsticks.bestSgemm
            fmaPeakGFLOPs = yardsticks.fmaPeak
            percentOfSgemmPeak = 100 * gflopsPerCPUSecond / yardsticks.sgemmInUse
            bestPassPercentOfSgemmPeak = 100 * bestPassGFLOPs / yardsticks.sgemmInUse
            percentOfBestSgemm = 100 * gflopsPerCPUSecond / yardsticks.bestSgemm
            percentOfFMAPeak = 100 * gflopsPerCPUSecond / yardsticks.fmaPeak
            activationBytesPerSample = model.activationBytesPerSample
            fixedBytes = model.fixedBytes
            self.peakResidentBytes = peakResidentBytes
        }

        static func measure(name: String, configuration: V1TConfiguration, batch: Int, passes: Int, yardsticks: Yardsticks,
                            profile: Bool = false) throws -> Model {
            let resetPeak = ProcessMemory.resetPeak()
            let model = try V1T(configuration: configuration, seed: 1)
            let throughput = TrainingThroughput.measure(model: model, batch: batch, passes: passes, profile: profile)
            return Model(name: name, configuration: configuration, model: model, throughput: throughput, yardsticks: yardsticks,
                         peakResidentBytes: resetPeak ? ProcessMemory.peakResidentBytes() : nil)
        }
    }

    var table: String {
        let peak = machine.fmaPeak
        var lines = ["CPU: \(machine.cpu.description)",
                     "FMA peak of one core: \(peak.lanes) lanes x \(peak.fmaUnits) FMA units x 2 x \(fixed(peak.clockGHz, 2)) GHz = "
                        + "\(fixed(peak.gflops, 1)) GFLOP/s (measured \(fixed(peak.measuredFMAsPerCycle, 2)) FMAs per cycle; "
                        + "the FMA loop ran at \(fixed(peak.loopGFLOPs, 1)))",
                     machine.kernel.summary, "layer kernels (softmax, GELU, LayerNorm, dropout): \(machine.layerKernels.description)", ""]
        if !machine.kernels.isEmpty {
            lines.append("sgemm per kernel family   GFLOP per CPU second (best shape)   relative error")
            for k in machine.kernels {
                let ran = k.ran == k.requested ? k.requested : "\(k.requested) (ran \(k.ran))"
                lines.append("  " + pad(ran, -24) + pad(fixed(k.peakGFLOPs, 1), 9) + pad(String(format: "%.1e", k.relativeError), 30)
                             + (k.correct ? "" : "  WRONG"))
            }
            let best = machine.bestKernel
            lines.append("best sgemm of this machine: \(fixed(yardsticks.bestSgemm, 1)) (\(best?.requested ?? "the kernel in use"))")
            lines.append("")
        }
        lines.append("sgemm, kernel in use  m      n      k   GFLOP per CPU second (best of 5)")
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
            ("% of best sgemm (CPU time)", { fixed($0.percentOfBestSgemm, 1) + "%" }),
            ("% of FMA peak (CPU time)", { fixed($0.percentOfFMAPeak, 1) + "%" }),
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
        for model in models {
            if let profile = model.profileTable { lines += ["", profile] }
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

extension BenchReport.Model {
    /// The per-section CPU time of the timed passes (with `--profile`), largest first, and what the
    /// sections do not cover (cropper, readout, shifter, ELU + 1, residual additions, drop path).
    var profileTable: String? {
        guard let sections = throughput.profile else { return nil }
        let total = throughput.cpuSeconds.reduce(0, +), samples = Double(batch * throughput.passes)
        let rest = LayerProfile.Section(name: "the rest: cropper, readout, shifter, ELU + 1, residuals, drop path",
                                        seconds: total - sections.map(\.seconds).reduce(0, +), calls: 0)
        var lines = ["profile of \(name), CPU time of \(throughput.passes) pass(es) of \(batch)".padding(toLength: 70, withPad: " ", startingAt: 0)
                     + pad("ms/sample", 10) + pad("share", 8)]
        for section in sections.sorted(by: { $0.seconds > $1.seconds }) + [rest] {
            lines.append("  " + section.name.padding(toLength: 68, withPad: " ", startingAt: 0)
                         + pad(fixed(1000 * section.seconds / samples, 3), 10) + pad(fixed(100 * section.seconds / total, 1) + "%", 8))
        }
        return lines.joined(separator: "\n")
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
