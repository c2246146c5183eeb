import ArgumentParser
import DDP
import Foundation
import Training
import V1TModel

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a trained run on the validation and test tiers with the field's metrics.",
        discussion: """
        Loads the run's best weights and reports, per recording and tier: single-trial correlation, \
        correlation to the average over repeats, FEVE (neurons with FEV >= 0.15), the repeat-based \
        noise ceiling (oracle), the normalised correlation (CCnorm), the Poisson loss against a \
        mean-response baseline, and on simulated recordings the correlation with the noiseless truth. \
        Writes evaluation.json and evaluation_neurons.csv into the run directory. Runs under mpirun too \
        (trials are shared across ranks; the numbers do not change).

        Example: v1t-dist evaluate runs/demo
        """
    )

    @Argument(help: ArgumentHelp("A run directory written by `v1t-dist train`.", valueName: "run-dir"))
    var runDirectory: String

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Training-set files to score instead of the ones the run was trained on (same neurons, same order).", valueName: "file-or-dir"))
    var data: [String] = []

    @Option(name: [.customLong("micro-batch-size")], help: "Trials per forward pass.")
    var microBatchSize = 32

    @Option(name: [.customLong("progress-minutes")], help: "When output goes to a file, a progress line every this many minutes (0: none); on a terminal it is rewritten in place.")
    var progressMinutes: Double = 5

    func validate() throws {
        guard progressMinutes >= 0 else { throw ValidationError("--progress-minutes must not be negative, got \(progressMinutes)") }
        guard microBatchSize >= 1 else { throw ValidationError("--micro-batch-size must be at least 1, got \(microBatchSize)") }
        guard FileManager.default.fileExists(atPath: RunDirectory(runDirectory).configuration.path) else {
            throw ValidationError("\(runDirectory) is not a run directory (no config.json): give the --output-dir of `v1t-dist train`")
        }
    }

    func run() throws {
        Communicator.run { world in
            let run = RunDirectory(runDirectory)
            let loaded = try LoadedRun(run, data: data)
            var evaluator = Evaluator(model: loaded.model, mice: loaded.mice, world: world, microBatchSize: microBatchSize)
            evaluator.progress = ProgressLine(mode: ProgressLine.automatic(minutes: progressMinutes))
            let results = try evaluator.evaluate()
            let state = try? run.readJSON(TrainingState.self, from: run.state)
            let report = EvaluationReport(run: run.url.path, bestEpoch: state?.schedule.bestEpoch, recordings: results.map(\.recording))
            guard world.isRoot else { return }
            try run.saveEvaluation(report, perNeuron: results.map(\.perNeuron), mice: loaded.mice)
            print(report.table)
            print("wrote \(run.evaluation.path) and \(run.perNeuronScores.path)")
        }
    }
}
