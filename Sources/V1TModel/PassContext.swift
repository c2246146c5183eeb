/// What a forward pass needs besides its inputs: whether it trains (dropout, stochastic depth and
/// readout position noise are on only then) and the keys of every sample's random streams.
public struct PassContext: Sendable {
    public var training: Bool
    public var seed: UInt64
    public var step: Int
    /// The global index of each sample of the micro-batch in the training set. Random streams are
    /// keyed by it, so a sample draws the same noise whichever rank or micro-batch processes it.
    public var trialIndices: [Int]

    public init(training: Bool, seed: UInt64 = 0, step: Int = 0, trialIndices: [Int]) {
        self.training = training
        self.seed = seed
        self.step = step
        self.trialIndices = trialIndices
    }

    public static func evaluation(batch: Int) -> PassContext {
        PassContext(training: false, trialIndices: Array(0..<batch))
    }

    public var batch: Int { trialIndices.count }

    /// The random stream of sample `b` for one purpose (each layer that draws noise has its own id).
    public func random(sample b: Int, purpose: UInt64) -> CounterRandom {
        CounterRandom(key: RandomKey.sample(seed: seed, step: step, trial: trialIndices[b], purpose: purpose))
    }
}
