import ArgumentParser
import DDP
import Foundation
import Results
import Training
import TrainingSet
import V1TModel

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train V1T on one or more training sets, on one process or data-parallel under mpirun.",
        discussion: """
        Each recording (training-set file) is one mouse: the transformer core is shared, each mouse \
        gets its own readout. Every optimiser step takes --batch-size trials from every recording, \
        shared across the MPI ranks; the result does not depend on how many ranks run it.

        Each epoch prints one line; the run directory gets config.json, best.safetensors (load it in \
        PyTorch with safetensors.torch.load_file), last.safetensors + state.json (for --resume), \
        metrics.csv and log.txt. After training, the best weights are scored on the validation and \
        test tiers (evaluation.json), as `v1t-dist evaluate` does.

        Examples:
          v1t-dist train --data data/simulated.h5 --output-dir runs/demo --preset demo --epochs 20 --save-plots
          scripts/mpirun.sh -np 2 .build/release/v1t-dist train --data data/ --output-dir runs/v1t
        """
    )

    @Option(name: [.long, .customLong("dataset")], parsing: .upToNextOption,
            help: ArgumentHelp("Training-set files or folders of them (one mouse each). With --resume or --config: default, the run's own files.", valueName: "file-or-dir"))
    var data: [String] = []

    @Option(help: ArgumentHelp("Train again as the run of this config.json did (its model, optimisation, seed and data) into --output-dir; --epochs may change.", valueName: "config.json"))
    var config: String?

    @Option(name: [.customLong("output-dir"), .customLong("output_dir")], help: "Run directory for checkpoints, metrics and logs.")
    var outputDir: String

    @Flag(help: "Continue the run in --output-dir from its last checkpoint (any number of ranks). Starts afresh if it has none.")
    var resume = false

    @Option(help: ArgumentHelp("Train on these stimuli only: scenes, movies, scenes,movies or kinds by name (natural_movie_one). Default: everything the files hold. Evaluation reports each kind apart, the natural-scene test images first.", valueName: "kinds"))
    var stimuli: String?

    @Flag(name: [.customLong("clear-output-dir"), .customLong("clear_output_dir")], help: "Delete an existing run in --output-dir first.")
    var clearOutputDir = false

    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions

    @Option(name: [.customLong("pretrain-core"), .customLong("pretrain_core")],
            help: ArgumentHelp("Take the core from this run's best weights (or a safetensors file) and keep it FROZEN: only readouts, shifters and behaviour parts train, and the core's L1 penalty is dropped (as V1T's --pretrain_core). Same core sizes.", valueName: "run-dir"))
    var pretrainCore: String?

    @Option(name: [.customLong("init-core-from"), .customLong("init_core_from")],
            help: ArgumentHelp("Start the core from this run's best weights (or a safetensors file) and keep training it with the rest.", valueName: "run-dir"))
    var initCoreFrom: String?

    @Option(name: [.customLong("memory-per-rank")], help: "Memory each rank may use (e.g. 4G) when choosing the micro-batch; default: measured, shared by the ranks on a node.")
    var memoryPerRank: String?

    @Option(help: "0 quiet, 1 a line per epoch, 2 also the set-up details (V1T's 3 acts as 2).")
    var verbose = 1

    @Flag(name: [.customLong("save-plots"), .customLong("save_plots")], help: "After the final evaluation, draw the results into <output-dir>/plots/ (as `v1t-dist plot`).")
    var savePlots = false

    @OptionGroup(title: "Plots (with --save-plots)") var plotFormat: PlotFormatOptions

    @OptionGroup(title: "Progress and TensorBoard") var reporting: ReportingOptions

    @OptionGroup(title: "The original V1T's train.py flags") var v1t: V1TCompatibilityOptions

    func validate() throws {
        guard !data.isEmpty || resume || config != nil else { throw ValidationError("--data needs at least one training-set file or folder") }
        guard !(resume && config != nil) else { throw ValidationError("--resume continues the run in --output-dir; --config starts a new one from another run's config.json: choose one") }
        guard (0...3).contains(verbose) else { throw ValidationError("--verbose takes 0, 1 or 2 (V1T's 3 acts as 2), got \(verbose)") }
        guard !(resume && clearOutputDir) else { throw ValidationError("--resume and --clear-output-dir contradict each other: choose one") }
        guard pretrainCore == nil || initCoreFrom == nil else {
            throw ValidationError("--pretrain-core (frozen core) and --init-core-from (core trained on) contradict each other: choose one")
        }
        if let memoryPerRank { _ = try MemoryBudget(override: memoryPerRank, source: "--memory-per-rank") }
        let group = model.coreKind == .stacked2d ? model.batchNormGroup ?? Stacked2dCore.Configuration.published.batchNormGroup : 1
        guard optimisation.batchSize % group == 0 else {
            throw ValidationError("--batch-size \(optimisation.batchSize) is not a multiple of the batch-norm group \(group): change --batch-size or --bn-group")
        }
        try OutputFolder.requireUsable(outputDir, option: "--output-dir")
    }

    func run() throws {
        Communicator.run { world in try train(world) }
    }

    private func train(_ world: Communicator) throws {
        try StopRequest.install(world: world)
        let run = RunDirectory(outputDir)
        let log = RunLog(run: run, world: world, verbose: verbose)
        let resuming = try prepareRunDirectory(run, world: world, log: log)

        let saved = try savedConfiguration(run: run, resuming: resuming)
        let files = try dataFiles(saved: saved)
        let mice = try TrainingSetFiles.load(files, limitTrainingTrials: saved?.configuration.limitTrainingTrials ?? optimisation.limitData,
                                             seed: saved?.configuration.seed ?? optimisation.seed,
                                             stimuli: try (saved?.configuration.stimuli ?? stimuli).map { try StimulusSelection(parsing: $0) } ?? .all)
        var configuration: TrainingConfiguration
        if var saved = saved?.configuration {
            if let epochs = optimisation.epochs { saved.epochs = epochs }
            saved.dataFiles = files
            if !resuming { saved.record = nil }
            configuration = saved
            if config != nil { log.say("configuration from \(config!): its model, optimisation, seed and data; other model and optimisation flags are not used") }
        } else {
            configuration = try optimisation.configuration(model: model.configuration(for: mice), files: files, mice: mice,
                                                           recipe: model.recipe, pretrainedCore: pretrainedCoreSource)
            configuration.stimuli = stimuli
        }
        let v1t = try V1T(configuration: configuration.model, seed: configuration.seed)
        if let pretrained = configuration.pretrainedCore, !resuming { try loadPretrainedCore(pretrained, into: v1t, log: log) }
        let microBatch = try chooseMicroBatch(configuration, model: v1t, world: world, log: log)
        if world.isRoot {
            if configuration.record == nil {
                configuration.record = try RunRecord.current(dataFiles: files, ranks: world.size, microBatch: microBatch)
            }
            try run.writeJSON(configuration, to: run.configuration)
        }

        log.detail("\(world.size) rank(s) on \(world.processorName); \(mice.count) recording(s): "
            + mice.map { "\($0.name) (\($0.neurons) neurons, \($0.trainTrials.count)/\($0.validationTrials.count)/\($0.testTrials.count) trials)" }.joined(separator: ", "))
        log.detail(BLASKernel.current.summary)
        log.detail("layer kernels (softmax, GELU, LayerNorm, dropout): \(VectorKernels.inUse.description)")
        log.detail("model: \(v1t.parameters.count) parameters, behaviour mode \(configuration.model.behaviourMode)\(configuration.model.usesShifter ? " with shifter" : ""), \(configuration.model.core.summary)")

        let trainer = try Trainer(configuration: configuration, mice: mice, model: v1t, world: world, run: run,
                                  microBatchSize: microBatch, resume: resuming,
                                  shouldStop: { try StopRequest.shouldStop(world: world) }, say: log.say)
        if world.isRoot { trainer.observers = try reporting.observers(run: run, verbose: verbose, log: log) }
        let outcome = try trainer.train()
        guard case .finished(let bestEpoch, let best) = outcome else {
            StopRequest.exit(world: world, summary: "checkpoint written to \(run.url.path); continue with --resume")
        }

        let evaluator = Evaluator(model: v1t, mice: mice, world: world, microBatchSize: microBatch)
        let results = try evaluator.evaluate()
        let report = EvaluationReport(run: run.url.path, bestEpoch: bestEpoch, recordings: results.map(\.recording))
        if world.isRoot { try run.saveEvaluation(report, perNeuron: results.map(\.perNeuron), mice: mice) }
        log.say(configuration.stoppingMetric == .validationLoss
            ? String(format: "best validation loss %.4f at epoch %d; scores of the best weights:", -best, bestEpoch)
            : String(format: "best validation correlation %.4f at epoch %d; scores of the best weights:", best, bestEpoch))
        log.say(report.table)
        if savePlots && world.isRoot {
            // Rank 0 alone: the plots need a few forward passes and no collective.
            let writer = try plotFormat.writer(for: run)
            try RunPlots().write(run: run, model: v1t, mice: mice, test: TestTierResult.fromEvaluation(results, mice: mice), writer: writer)
            log.say("plots in \(run.plots.path): " + writer.written.map(\.lastPathComponent).joined(separator: ", "))
            for note in writer.notes { log.say("note: \(note)") }
        }
        log.say("outputs in \(run.url.path)")
    }

    /// Decides whether this is a fresh run or a resumed one, and clears or refuses an old run.
    private func prepareRunDirectory(_ run: RunDirectory, world: Communicator, log: RunLog) throws -> Bool {
        let manager = FileManager.default
        let hasState = manager.fileExists(atPath: run.state.path)
        let exists = (try? manager.contentsOfDirectory(atPath: run.url.path))?.isEmpty == false
        if resume {
            if !hasState { log.say("--resume: no checkpoint in \(run.url.path) yet, starting afresh") }
            if world.isRoot { try run.create() }
            try world.barrier()
            return hasState
        }
        if exists, !clearOutputDir {
            throw RunError("\(run.url.path) already holds a run: pass --resume to continue it or --clear-output-dir to start over")
        }
        try world.barrier()
        if world.isRoot {
            if exists { try manager.removeItem(at: run.url) }
            try run.create()
        }
        try world.barrier()
        return false
    }

    private func chooseMicroBatch(_ configuration: TrainingConfiguration, model: V1T, world: Communicator, log: RunLog) throws -> Int {
        // Batch norm's groups stay whole in a micro-batch: sizes are multiples of the group.
        let group = model.trialGroupSize
        let largestShare = TrialSharding.largestShare(globalBatchSize: configuration.batchSize, ranks: world.size, groupSize: group)
        if let fixed = configuration.microBatchSize {
            guard fixed >= group else {
                throw RunError("--micro-batch-size \(fixed) cannot hold a batch-norm group of \(group) trials: give at least \(group), or a smaller --bn-group")
            }
            let size = min(fixed, largestShare) / group * group
            log.detail("micro-batch \(size) (set by --micro-batch-size\(size == min(fixed, largestShare) ? "" : ", in whole batch-norm groups of \(group)"))")
            return size
        }
        let budget = try memoryPerRank.map { try MemoryBudget(override: $0, source: "--memory-per-rank") }
            ?? MemoryBudget.measure(ranksOnNode: world.localSize)
        let choice = try MicroBatchChooser.choose(activationBytesPerSample: UInt64(model.activationBytesPerSample),
                                                  fixedBytes: UInt64(model.fixedBytes), budget: budget, largestShare: largestShare)
        let agreed = Int(try world.allreduceMin(Double(choice.size))) / group * group
        guard agreed >= 1 else {
            throw RunError("a rank's memory holds \(choice.size) trial(s) per micro-batch, fewer than a batch-norm group of \(group): lower --bn-group or give each rank more memory")
        }
        log.say(agreed == choice.size ? choice.explanation
                : "\(choice.explanation); micro-batch \(agreed), the smallest any rank can hold\(group > 1 ? " in whole batch-norm groups of \(group)" : "")")
        return agreed
    }

    private var pretrainedCoreSource: TrainingConfiguration.PretrainedCore? {
        if let pretrainCore { return .init(source: pretrainCore, frozen: true) }
        return initCoreFrom.map { .init(source: $0, frozen: false) }
    }

    /// Copies every `core.*` tensor of the source into the model; the source must have the same core.
    private func loadPretrainedCore(_ pretrained: TrainingConfiguration.PretrainedCore, into model: V1T, log: RunLog) throws {
        let flag = pretrained.frozen ? "--pretrain-core" : "--init-core-from"
        let path = pretrained.source.hasSuffix(".safetensors") ? pretrained.source : RunDirectory(pretrained.source).bestParameters.path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError("\(flag): \(path) is missing; give the directory of a finished run or a safetensors file")
        }
        let tensors = try SafeTensors.decode(data, path: path, remedy: "Give \(flag) another finished run")
            .tensors.filter { $0.name.hasPrefix("core.") }
        let coreSlices = model.layout.slices.filter { $0.group == .core }
        let missing = coreSlices.map(\.name).filter { name in !tensors.contains { $0.name == name } }
        guard missing.isEmpty else {
            throw RunError("\(flag): \(path) lacks \(missing.count) of this model's core tensors (\(missing.prefix(3).joined(separator: ", "))...); use a run with the same core")
        }
        for tensor in tensors {
            guard let slice = model.layout.slice(named: tensor.name), slice.shape == tensor.shape else {
                throw RunError("\(flag): \(tensor.name) \(tensor.shape) does not fit this model's core; use the same core sizes")
            }
            model.parameters.setValues(tensor.values, of: slice)
        }
        log.say("core \(pretrained.frozen ? "taken frozen" : "initialised") from \(path) (\(tensors.count) tensors)"
            + (pretrained.frozen ? "; it is not trained and not penalised" : ""))
    }
}
