import ArgumentParser
import Foundation
import V1TModel

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure V1T's training speed and memory on one core against this machine's sgemm peak.",
        discussion: """
        Four measurements, all on one core (a training rank runs one OpenBLAS thread):

        1. The ceilings: the core's theoretical FMA peak (vector lanes x FMA units x 2 x clock, the \
        clock and the units measured by calibrated loops), and sgemm under every OpenBLAS kernel \
        family this CPU can run (each in a child process, checked against a double-precision product), \
        whose best correct figure is the machine's sgemm.
        2. sgemm peak of the kernel in use: the best GFLOP per CPU second of single-precision matrix \
        products of the model's shapes (attention's 1654x155x1654 and 1654x1654x155, the MLP's \
        1654x155x488) and 1024^3.
        3. Training speed of the whole model (cropper, core, shifter, readout of 174 neurons, ELU + 1): \
        forward + backward passes on random inputs, as samples/s and as GFLOP/s from the analytic \
        count of the matrix products (docs/performance.md gives the formula), both by the wall clock \
        and per CPU second used, and the share of each ceiling. The first pass is not timed.
        4. Memory: what the model's buffers hold per sample of a micro-batch and regardless of it \
        (the figures the micro-batch chooser uses), and the process's peak resident memory after the \
        timed passes (VmHWM), next to the original PyTorch code's 11.8 GB at batch 16.

        On a machine shared with other work, the wall-clock figures drop while the per-CPU-second \
        ones (and the share of the peak computed from them) hold: compare runs by the latter, and \
        quote the best of a few runs.

        Presets: v1t is V1T as published (1,654 tokens of 155, 4 blocks, behaviour mode 3 and the \
        shifter); demo is the small core (121 tokens of 64, 2 blocks, no behaviour); small is the \
        original's small configuration (patch stride 2: 436 tokens of 64, 2 blocks of 2 full-width \
        heads, MLP 128, no behaviour), to compare with the original's code; both is v1t and demo. \
        The v1t preset takes about half a minute per pass of 16 samples.

        Example: OPENBLAS_NUM_THREADS=1 v1t-dist bench --preset both --batch 16 --passes 2 --json bench.json
        """
    )

    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case v1t, demo, small, both
    }

    @Option(help: "Which model to time: v1t (as published), demo (small), small (the original's small configuration) or both (v1t and demo).")
    var preset: Preset = .both

    @Option(help: "The core: vit, or stacked2d (V1T's convolutional core at its published size in both presets, behaviour mode 0; v1t keeps the shifter).")
    var core: CoreConfiguration.Kind = .vit

    @Option(help: "Samples per training pass (micro-batch).")
    var batch = 16

    @Option(help: "Timed passes per model (one untimed pass runs first).")
    var passes = 2

    @Option(help: ArgumentHelp("Also write the figures as JSON to this file.", valueName: "file"))
    var json: String?

    @Flag(help: "Also print where the CPU time of the timed passes goes, section by section of the layers.")
    var profile = false

    /// The child process of the kernel sweep: sgemm on the kernel it was started with, as JSON on stdout.
    @Flag(help: .hidden)
    var sgemmProbe = false

    @Option(help: .hidden)
    var sgemmRepeats = 5

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard passes >= 1 else { throw ValidationError("--passes must be at least 1, got \(passes)") }
        if let json { try validateJSONPath(json) }
    }

    func run() throws {
        if sgemmProbe {
            let probe = KernelSgemm.probe(repeats: sgemmRepeats)
            print(String(decoding: try JSONEncoder().encode(probe), as: UTF8.self))
            return
        }
        let threads = blasThreadCount
        let environment = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"]
        print("OPENBLAS_NUM_THREADS=\(environment ?? "(unset)"); OpenBLAS uses \(threads) thread\(threads == 1 ? "" : "s") (\(blasConfiguration))")
        if threads != 1 {
            FileHandle.standardError.write(Data(
                "warning: OpenBLAS runs \(threads) threads, so these are not one-core figures; run with OPENBLAS_NUM_THREADS=1\n".utf8))
        }
        print(BLASKernel.current.summary)
        print("measuring the FMA peak and sgemm under each kernel family ...")
        let machine = BenchReport.Machine.measure()
        print("measuring sgemm ...")
        var report = BenchReport(openblasNumThreads: environment, blasThreads: threads, blasConfiguration: blasConfiguration,
                                 machine: machine, sgemm: BenchReport.Sgemm.measureAll(), models: [])
        // demo first: the peak-memory reset below cannot give back what a larger model left behind.
        for name in [Preset.demo, .small, .v1t] where preset == name || (preset == .both && name != .small) {
            print("timing \(name.rawValue): batch \(batch), \(passes) timed passes ...")
            report.models.append(try BenchReport.Model.measure(name: name.rawValue, configuration: Self.configuration(name, core: core),
                                                               batch: batch, passes: passes, yardsticks: report.yardsticks, profile: profile))
        }
        print("")
        print(report.table)
        if let json {
            try report.writeJSON(to: json)
            print("wrote \(json)")
        }
    }

    /// The model of a preset, with one mouse of 174 neurons (a typical Allen session's count) whose
    /// stored frames are 72 x 128 pixels, as the training sets store them.
    static func configuration(_ preset: Preset, core: CoreConfiguration.Kind = .vit) -> V1TConfiguration {
        let neurons = 174
        var random = CounterRandom(key: 174)
        let mouse = V1TConfiguration.Mouse(
            name: "bench", neuronX: (0..<neurons).map { _ in 400 * random.nextUniform() },
            neuronY: (0..<neurons).map { _ in 400 * random.nextUniform() }, imageHeight: 72, imageWidth: 128,
            imageMean: 110, imageStd: 60)
        switch (core, preset) {
        case (.stacked2d, _):
            return V1TConfiguration(behaviourMode: 0, usesShifter: preset != .demo, core: .stacked2d(.published), mice: [mouse])
        case (.vit, .demo):
            return V1TConfiguration(behaviourMode: 0, usesShifter: false, core: .demo, mice: [mouse])
        case (.vit, .small):
            // The original's heads are all as wide as the embedding; its dropouts are the published ones.
            let core = ViTCore.Configuration(imageChannels: 1, imageHeight: 36, imageWidth: 64, patchSize: 8, patchStride: 2,
                                             embedding: 64, blocks: 2, heads: 2, headWidth: .full, mlpWidth: 128,
                                             patchDropout: 0.0229, transformerDropout: 0.2544, dropPath: 0, behaviourMode: 0, mice: 1)
            return V1TConfiguration(behaviourMode: 0, usesShifter: false, core: .vit(core), mice: [mouse])
        case (.vit, .v1t), (.vit, .both):
            return V1TConfiguration(behaviourMode: 3, usesShifter: true, core: .published, mice: [mouse])
        }
    }

    private func validateJSONPath(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--json \(path) is a directory; give a file name, e.g. \(path)/bench.json")
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--json \(path): the directory \(parent) does not exist; create it first (mkdir -p \(parent))")
        }
    }
}
