import DDP
import V1TModel

/// Predicts the responses of a list of trials with the model in evaluation mode, the trials shared
/// across ranks: the list is cut into micro-batches of `microBatchSize` consecutive trials, each
/// rank predicts a contiguous run of whole micro-batches and writes their rows into a zeroed
/// matrix, and one allreduce (adding zeros, which is exact) assembles the whole matrix on every
/// rank. The micro-batches do not depend on the number of ranks, and that matters: a trial's
/// prediction can change in the last bit with the trials it is computed with (seen with
/// micro-batches of 1 or 2 trials against 3 or more). So every metric computed from the matrix is
/// exactly the single-process number, whatever the number of ranks.
public struct DistributedPrediction {
    public let model: V1T
    public let world: Communicator
    public let microBatchSize: Int
    /// Told how many trials each micro-batch of this rank predicted (progress lines).
    public var onMicroBatch: ((Int) -> Void)?

    public init(model: V1T, world: Communicator, microBatchSize: Int) {
        self.model = model
        self.world = world
        self.microBatchSize = max(1, microBatchSize)
    }

    /// (trials.count x neurons) predictions, in the order of `trials`.
    public func predict(mouse: Int, data: MouseData, trials: [Int]) throws -> [Float] {
        let neurons = data.neurons
        var predictions = [Float](repeating: 0, count: trials.count * neurons)
        let microBatches = (trials.count + microBatchSize - 1) / microBatchSize
        var batch = Batch()
        for microBatch in TrialSharding.shareRange(0..<microBatches, rank: world.rank, ranks: world.size) {
            let start = microBatch * microBatchSize, end = min(start + microBatchSize, trials.count)
            data.gather(Array(trials[start..<end]), into: &batch)
            let output = predictBatch(mouse: mouse, data: data, batch: batch)
            for i in 0..<(batch.count * neurons) { predictions[start * neurons + i] = output[i] }
            onMicroBatch?(end - start)
        }
        try world.allreduceSum(&predictions)
        return predictions
    }

    /// How many of `count` trials this rank predicts.
    public func localTrialCount(_ count: Int) -> Int {
        let microBatches = (count + microBatchSize - 1) / microBatchSize
        return TrialSharding.shareRange(0..<microBatches, rank: world.rank, ranks: world.size)
            .reduce(0) { $0 + min(($1 + 1) * microBatchSize, count) - $1 * microBatchSize }
    }

    func predictBatch(mouse: Int, data: MouseData, batch: Batch) -> UnsafePointer<Float> {
        let stack = data.recording.images
        return stack.pixels.withUnsafeBufferPointer { pixels in
            batch.behaviour.withUnsafeBufferPointer { behaviour in
                batch.pupilCenter.withUnsafeBufferPointer { pupil in
                    model.forward(mouse: mouse, images: pixels.baseAddress!, imageCount: stack.count,
                                  imageIndices: batch.imageIndices, behaviour: behaviour.baseAddress!,
                                  pupilCenter: pupil.baseAddress!, context: .evaluation(batch: batch.count))
                }
            }
        }
    }
}
