import Training
import TrainingSet
import V1TModel

/// Runs a trained model, in evaluation mode, on images of one's own making (new photographs,
/// sparse noise, gratings) at one behaviour setting: the in-silico experiment's instrument.
public final class ModelProbe {
    public let model: V1T
    public let mouse: Int
    public let data: MouseData
    /// Standardised inputs given with every image: behaviour [3] and pupil centre [2].
    public let behaviour: [Float]
    public let pupilCenter: [Float]
    public var microBatchSize = 32

    public init(model: V1T, mouse: Int, data: MouseData, behaviour setting: BehaviourSetting = BehaviourSetting()) throws {
        self.model = model
        self.mouse = mouse
        self.data = data
        let configuration = model.configuration
        (behaviour, pupilCenter) = try setting.standardised(for: data, usesBehaviour: configuration.needsBehaviour,
                                                            usesPupilCenter: configuration.needsPupilCenter)
    }

    /// Height and width of the images `predict` takes: the recording's stored size.
    public var imageHeight: Int { data.recording.images.height }
    public var imageWidth: Int { data.recording.images.width }
    public var neurons: Int { data.neurons }

    /// images [count, imageHeight, imageWidth] (0...255) -> predictions [count, neurons], standardised
    /// responses (the units the model was trained and scored in).
    public func predict(_ images: [UInt8], count: Int) -> [Float] {
        precondition(images.count == count * imageHeight * imageWidth, "ModelProbe: \(images.count) bytes are not \(count) images of \(imageHeight)x\(imageWidth)")
        var predictions = [Float](repeating: 0, count: count * neurons)
        var start = 0
        while start < count {
            let end = min(start + microBatchSize, count)
            let output = forward(images, count: count, indices: Array(start..<end))
            for i in 0..<((end - start) * neurons) { predictions[start * neurons + i] = output[i] }
            start = end
        }
        return predictions
    }

    /// One forward pass of the images at `indices`; the output [indices.count, neurons] is valid until
    /// the next forward (attention maps read the same pass).
    public func forward(_ images: [UInt8], count: Int, indices: [Int]) -> UnsafePointer<Float> {
        let batch = indices.count
        let behaviours = (0..<batch).flatMap { _ in behaviour }, pupils = (0..<batch).flatMap { _ in pupilCenter }
        return images.withUnsafeBufferPointer { pixels in
            model.forward(mouse: mouse, images: pixels.baseAddress!, imageCount: count, imageIndices: indices,
                          behaviour: behaviours, pupilCenter: pupils, context: .evaluation(batch: batch))
        }
    }

    /// Standardised predictions [count, neurons] -> the recording's raw response units.
    public func rawUnits(_ predictions: [Float]) -> [Float] {
        predictions.enumerated().map { $1 / data.responsePrecision[$0 % neurons] }
    }
}

extension Recording {
    /// The gray of the screen between images: the blank trials' image, else the images' mean.
    public var screenGray: UInt8 {
        if let blank = trials.stimulusFrame.firstIndex(where: { $0 < 0 }) {
            return images.image(Int(trials.imageIndex[blank])).first ?? 127
        }
        return UInt8(max(0, min(255, statistics.images.mean[0].rounded())))
    }
}
