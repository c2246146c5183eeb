import TrainingSet
import V1TModel

/// Everything a training run decides, saved as `config.json` in the run directory: with it and
/// the data files, `--resume` and `evaluate` rebuild exactly the same model and schedule.
public struct TrainingConfiguration: Codable, Equatable, Sendable {
    public enum Criterion: String, Codable, Sendable, CaseIterable {
        /// V1T's default: the Poisson negative log-likelihood summed over the batch.
        case poisson
        /// 1 - per-neuron correlation over the global batch, summed over neurons.
        case correlation
    }

    public var model: V1TConfiguration
    /// The training-set files, in mouse order (mouse `m` of the model reads file `m`).
    public var dataFiles: [String]
    public var epochs: Int
    /// Trials per mouse per optimiser step, summed over all ranks.
    public var batchSize: Int
    /// Trials a rank pushes through the model at once; nil chooses from the memory budget.
    public var microBatchSize: Int?
    public var criterion: Criterion
    /// Multiply the loss by sqrt(training trials / batch size) (V1T's --ds_scale 1).
    public var datasetScale: Bool
    public var optimiser: AdamW.Settings
    public var coreRegularization: Float
    public var readoutRegularization: Float
    public var seed: UInt64
    /// Use only N training trials of each recording, drawn at random with `seed` (V1T's --limit_data).
    public var limitTrainingTrials: Int?
    /// The stimuli trained and evaluated on (`--stimuli`, e.g. "scenes,movies"); nil: all a file holds.
    public var stimuli: String?
    public var schedule: PlateauSchedule
    /// How the run was made (command line, versions, libraries, data checksums); nil in runs
    /// written before run records existed.
    public var record: RunRecord?
    /// Where the core's starting weights came from, and whether it stays frozen; nil when the core
    /// starts from random weights.
    public var pretrainedCore: PretrainedCore?

    public struct PretrainedCore: Codable, Equatable, Sendable {
        /// The run directory (or safetensors file) whose `core.*` tensors were loaded.
        public var source: String
        /// True (`--pretrain-core`, as V1T): the core is neither updated nor L1-penalised; false
        /// (`--init-core-from`): it only starts from those weights and trains on.
        public var frozen: Bool

        public init(source: String, frozen: Bool) {
            self.source = source
            self.frozen = frozen
        }
    }

    public var freezesCore: Bool { pretrainedCore?.frozen ?? false }

    public init(model: V1TConfiguration, dataFiles: [String], epochs: Int, batchSize: Int, microBatchSize: Int?,
                criterion: Criterion, datasetScale: Bool, optimiser: AdamW.Settings, coreRegularization: Float,
                readoutRegularization: Float, seed: UInt64, limitTrainingTrials: Int?, schedule: PlateauSchedule,
                pretrainedCore: PretrainedCore? = nil) {
        self.model = model
        self.dataFiles = dataFiles
        self.epochs = epochs
        self.batchSize = batchSize
        self.microBatchSize = microBatchSize
        self.criterion = criterion
        self.datasetScale = datasetScale
        self.optimiser = optimiser
        self.coreRegularization = coreRegularization
        self.readoutRegularization = readoutRegularization
        self.seed = seed
        self.limitTrainingTrials = limitTrainingTrials
        self.schedule = schedule
        self.pretrainedCore = pretrainedCore
        // A frozen core takes no steps (nor weight decay).
        if freezesCore { self.optimiser.coreLearningRate = 0 }
    }
}

extension TrainingConfiguration {
    /// `stimuli` parsed; `.all` when the run did not choose.
    public func stimulusSelection() throws -> StimulusSelection {
        try stimuli.map { try StimulusSelection(parsing: $0) } ?? .all
    }
}
