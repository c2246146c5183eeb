import DDP
import V1TModel

/// Predicts the responses of a list of trials with the model in evaluation mode, the trials shared
/// across ranks: each rank predicts a contiguous share in micro-batches, writes its rows into a
/// zeroed matrix, and one allreduce assembles the whole matrix on every rank. Every metric computed
/// from it is then exactly the single-process number, whatever the number of ranks.
public struct DistributedPrediction {
    public let model: V1T
    public let world: Communicator
    public let microBatchSize: Int

    public init(model: V1T, world: Communicator, microBatchSize: Int) {
        self.model = model
        self.world = world
        self.microBatchSize = max(1, microBatchSize)
    }

    /// (trials.count x neurons) predictions, in the order of `trials`.
    public func predict(mouse: Int, data: MouseData, trials: [Int]) throws -> [Float] {
        let neurons = data.neurons
        var predictions = [Float](repeating: 0, count: trials.count * neurons)
        let share = TrialSharding.shareRange(trials.indices, rank: world.rank, ranks: world.size)
        var batch = Batch()
        var start = share.lowerBound
        while start < share.upperBound {
            let end = min(start + microBatchSize, share.upperBound)
            data.gather(Array(trials[start..<end]), into: &batch)
            let output = predictBatch(mouse: mouse, data: data, batch: batch)
            for i in 0..<(batch.count * neurons) { predictions[start * neurons + i] = output[i] }
            start = end
        }
        try world.allreduceSum(&predictions)
        return predictions
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
