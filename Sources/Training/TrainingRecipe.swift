import V1TModel

/// The optimisation defaults a model preset brings; every command-line flag overrides its own.
///
/// `published` is V1T's run tuned on Sensorium 2022 (thousands of images, ~7,500 neurons a mouse).
/// `smallData` is the demo preset's recipe for an Allen-sized session (~100 training images, ~200
/// neurons), chosen by the measurements in docs/recipe.md.
public struct TrainingRecipe: Equatable, Sendable {
    public var learningRate: Float
    /// The ViT core's L1 scale per neuron of the recordings (see `coreL1(neurons:)`); nil keeps V1T's
    /// constant whatever the neuron count.
    public var coreL1PerNeuron: Float?
    public var readoutL1: Float
    public var patience: Int
    public var stoppingMetric: TrainingConfiguration.StoppingMetric
    /// The readouts' initial position-noise spread; nil keeps V1T's.
    public var readoutInitialSigma: Float?

    /// V1T's published values (train.py defaults).
    public static let published = TrainingRecipe(learningRate: 0.001647, coreL1PerNeuron: nil,
                                                 readoutL1: L1Regularizer.defaultReadoutFeatureScale, patience: 10,
                                                 stoppingMetric: .singleTrialCorrelation, readoutInitialSigma: nil)

    /// V1T's core L1 was tuned with this many neurons per recording: the penalty weighs against a
    /// loss summed over neurons, so with 40x fewer neurons the same constant is 40x stronger.
    public static let publishedNeuronsPerRecording: Float = 7_500

    /// The small-data recipe (docs/recipe.md has the runs that chose each value).
    public static let smallData = TrainingRecipe(learningRate: 0.001,
                                                 coreL1PerNeuron: L1Regularizer.defaultCoreScale / publishedNeuronsPerRecording,
                                                 readoutL1: L1Regularizer.defaultReadoutFeatureScale, patience: 4,
                                                 stoppingMetric: .validationLoss, readoutInitialSigma: 0.3)

    /// The core L1 scale for recordings with `neurons` neurons in all: V1T's constant, or scaled so
    /// that it weighs against the data term as V1T's does against a Sensorium mouse's.
    public func coreL1(neurons: Int) -> Float {
        coreL1PerNeuron.map { $0 * Float(neurons) } ?? L1Regularizer.defaultCoreScale
    }
}
