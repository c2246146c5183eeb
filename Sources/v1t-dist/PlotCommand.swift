import ArgumentParser
import DDP
import Foundation
import Results
import Training

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a trained run's results into RUN_DIR/plots/.",
        discussion: """
        Writes: learning_curves (loss, validation correlation and learning rates per epoch); \
        test_correlation_histogram and test_correlation_vs_oracle (each neuron's test correlation, \
        alone and against its noise ceiling); example_neurons (recorded and predicted responses over \
        the test images); readout_positions (where each neuron's readout looks on the feature map, next \
        to its cortical position); attention_rollout (the class token's attention over test images); \
        scaling, when the run directory holds a scaling.csv. docs/tutorial.md explains how to read them.

        Examples:
          v1t-dist plot runs/demo
          v1t-dist plot runs/demo --format png --dpi 200
        """
    )

    @Argument(help: ArgumentHelp("A run directory written by `v1t-dist train`.", valueName: "run-dir"))
    var runDirectory: String

    @OptionGroup var output: PlotFormatOptions

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Training-set files to use instead of the ones the run was trained on (same neurons, same order).", valueName: "file-or-dir"))
    var data: [String] = []

    @Option(help: ArgumentHelp("The scaling experiment's CSV (default: RUN_DIR/scaling.csv when present).", valueName: "file"))
    var scaling: String?

    @Option(help: "Example neurons in example_neurons.")
    var examples = 6

    func validate() throws {
        try RunArgument.validate(runDirectory)
        guard (1...24).contains(examples) else { throw ValidationError("--examples must be between 1 and 24, got \(examples)") }
    }

    func run() throws {
        Communicator.run { world in
            let run = RunDirectory(runDirectory)
            let loaded = try LoadedRun(run, data: data)
            let results = try Evaluator(model: loaded.model, mice: loaded.mice, world: world, microBatchSize: 32).evaluate(tiers: [.test])
            guard world.isRoot else { return }
            var plots = RunPlots()
            plots.exampleNeurons = examples
            plots.scalingTable = scaling.map { URL(fileURLWithPath: $0) }
            let writer = try output.writer(for: run)
            try plots.write(run: run, model: loaded.model, mice: loaded.mice,
                            test: TestTierResult.fromEvaluation(results, mice: loaded.mice), writer: writer)
            RunArgument.report(writer)
        }
    }
}
