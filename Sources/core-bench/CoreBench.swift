import ArgumentParser
import V1TModel

@main
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core-bench",
        abstract: "Time training passes (forward + backward) of the V1T core on random inputs.",
        discussion: """
        Reports samples per second and the activation memory per sample, for choosing micro-batch
        sizes. OpenBLAS uses OPENBLAS_NUM_THREADS threads; training runs one rank per core with 1.
        Example: OPENBLAS_NUM_THREADS=1 core-bench --size published --batch 1 --passes 2
        """
    )

    enum Size: String, ExpressibleByArgument, CaseIterable {
        case published, demo
    }

    @Option(help: "Which core: published (V1T's tuned size) or demo (small, for quick runs).")
    var size: Size = .demo

    @Option(help: "Samples per pass.")
    var batch = 16

    @Option(help: "Timed passes (one untimed pass runs first).")
    var passes = 3

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, got \(batch)") }
        guard passes >= 1 else { throw ValidationError("--passes must be at least 1, got \(passes)") }
    }

    func run() throws {
        let configuration: ViTCore.Configuration = size == .published ? .published : .demo
        let result = try CoreThroughput.measure(configuration: configuration, batch: batch, passes: passes)
        var layout = ParameterLayout()
        let core = try ViTCore(layout: &layout, configuration: configuration)
        let megabytes = Double(core.activationFloatsPerSample) * 4 / 1e6
        print("core \(size.rawValue): \(configuration.tokens) tokens x \(configuration.embedding), \(configuration.blocks) blocks, "
              + "\(configuration.heads) heads of \(configuration.headDimension), \(layout.count) parameters")
        print("batch \(batch), \(passes) timed passes")
        print("forward  \(formatted(result.secondsPerSampleForward * 1000)) ms/sample")
        print("backward \(formatted(result.secondsPerSampleBackward * 1000)) ms/sample")
        print("training \(formatted(result.samplesPerSecond)) samples/s")
        print("activation memory \(formatted(megabytes)) MB/sample (+ \(formatted(Double(core.scratchFloats) * 4 / 1e6)) MB fixed scratch)")
    }

    private func formatted(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 100)) / 100)
    }
}
