import ArgumentParser
import Training
import V1TModel

/// How the model is trained. Defaults come from the preset's `TrainingRecipe`: V1T's tuned run
/// (train.py) for `--preset v1t`, the small-data recipe (docs/recipe.md) for `--preset demo`.
struct OptimisationOptions: ParsableArguments {
    @Option(help: "Maximum epochs (default 400; early stopping usually ends sooner). With --resume, extends or shortens the run.")
    var epochs: Int?

    @Option(name: [.customLong("batch-size"), .customLong("batch_size")], help: "Trials per recording per optimiser step, over all ranks.")
    var batchSize = 16

    @Option(name: [.customLong("micro-batch-size"), .customLong("micro_batch_size")],
            help: "Trials per forward pass on a rank: a number, or auto (the most that fits the rank's memory; V1T's 0 means auto too).")
    var microBatchSize = "auto"

    @Option(help: "Loss: poisson (V1T's default) or correlation.")
    var criterion: TrainingConfiguration.Criterion = .poisson

    @Option(name: [.customLong("ds-scale"), .customLong("ds_scale")], help: "1: scale the loss by sqrt(training trials / batch size), as V1T; 0: don't.")
    var dsScale = 1

    @Option(help: "Learning rate of the readouts and shifters (and of the core unless --core-lr is given). Default: 0.001647 (v1t), 0.001 (demo).")
    var lr: Float?

    @Option(name: [.customLong("core-lr"), .customLong("core_lr")], help: "Learning rate of the core (default: --lr).")
    var coreLR: Float?

    @Option(name: [.customLong("adam-beta1"), .customLong("adam_beta1")], help: "AdamW beta1.")
    var adamBeta1: Float = 0.9
    @Option(name: [.customLong("adam-beta2"), .customLong("adam_beta2")], help: "AdamW beta2.")
    var adamBeta2: Float = 0.9999
    @Option(name: [.customLong("adam-eps"), .customLong("adam_eps")], help: "AdamW epsilon.")
    var adamEps: Float = 1e-8
    @Option(name: [.customLong("weight-decay")], help: "AdamW weight decay (V1T uses 0).")
    var weightDecay: Float = 0

    @Option(name: [.customLong("core-reg-scale"), .customLong("core_reg_scale")],
            help: "ViT core: L1 penalty on all core parameters. Default: 0.5379 (v1t); demo: 0.5379 x neurons / 7,500, V1T's weight against the data term of a Sensorium mouse.")
    var coreRegScale: Float?
    @Option(name: [.customLong("readout-reg-scale"), .customLong("readout_reg_scale")], help: "L1 penalty on the readout feature weights (default 0.0076).")
    var readoutRegScale: Float?

    @Option(help: "Seed of initialisation, trial order, dropout and readout noise.")
    var seed: UInt64 = 1234

    @Option(name: [.customLong("limit-data"), .customLong("limit_data")], help: "Use N training trials of each recording, drawn at random with --seed (as V1T's --limit_data).")
    var limitData: Int?

    @Option(help: "Epochs without improvement before the learning rates are reduced. Default: 10 (v1t), 4 (demo).")
    var patience: Int?

    @Option(name: [.customLong("stop-on"), .customLong("stop_on")],
            help: "What early stopping and the plateau schedule watch on the validation images: correlation (single-trial, V1T's; default for v1t) or loss (Poisson; default for demo).")
    var stopOn: TrainingConfiguration.StoppingMetric?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard microBatchSize == "auto" || microBatchSize == "0" || (Int(microBatchSize) ?? 0) >= 1 else {
            throw ValidationError("--micro-batch-size takes auto or a positive number, got \(microBatchSize)")
        }
        guard [0, 1].contains(dsScale) else { throw ValidationError("--ds-scale takes 0 or 1, got \(dsScale)") }
        for (name, value) in [("--lr", lr), ("--core-lr", coreLR)] where value.map({ !($0 > 0 && $0 < 1) }) ?? false {
            throw ValidationError("\(name) \(value!) is not a usable learning rate: give a value in (0, 1), e.g. 0.001647")
        }
        guard (0..<1).contains(adamBeta1), (0..<1).contains(adamBeta2) else { throw ValidationError("--adam-beta1 and --adam-beta2 must be in [0, 1)") }
        guard adamEps > 0 else { throw ValidationError("--adam-eps must be positive") }
        guard (coreRegScale ?? 0) >= 0, (readoutRegScale ?? 0) >= 0, weightDecay >= 0 else { throw ValidationError("regularisation scales and weight decay must not be negative") }
        if let limitData, limitData < 1 { throw ValidationError("--limit-data must be at least 1, got \(limitData)") }
        guard (patience ?? 0) >= 0 else { throw ValidationError("--patience must not be negative") }
    }

    func configuration(model: V1TConfiguration, files: [String], mice: [MouseData], recipe: TrainingRecipe,
                       pretrainedCore: TrainingConfiguration.PretrainedCore? = nil) throws -> TrainingConfiguration {
        for data in mice where data.trainTrials.isEmpty || data.validationTrials.isEmpty {
            throw ValidationError("recording \(data.name) has no \(data.trainTrials.isEmpty ? "training" : "validation") trials; re-split it (v1t-dist convert --split or simulate)")
        }
        return TrainingConfiguration(
            model: model, dataFiles: files, epochs: epochs ?? 400, batchSize: batchSize, microBatchSize: Int(microBatchSize).flatMap { $0 == 0 ? nil : $0 },
            criterion: criterion, datasetScale: dsScale == 1,
            optimiser: AdamW.Settings(coreLearningRate: coreLR ?? lr ?? recipe.learningRate, readoutLearningRate: lr ?? recipe.learningRate, beta1: adamBeta1, beta2: adamBeta2,
                                      epsilon: adamEps, weightDecay: weightDecay),
            coreRegularization: coreRegScale ?? recipe.coreL1(neurons: mice.reduce(0) { $0 + $1.neurons }),
            readoutRegularization: readoutRegScale ?? recipe.readoutL1, seed: seed, limitTrainingTrials: limitData,
            schedule: PlateauSchedule(patience: patience ?? recipe.patience), pretrainedCore: pretrainedCore,
            stoppingMetric: stopOn ?? recipe.stoppingMetric)
    }
}

extension TrainingConfiguration.Criterion: ExpressibleByArgument {}
extension TrainingConfiguration.StoppingMetric: ExpressibleByArgument {}
