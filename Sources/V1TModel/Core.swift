/// What V1T needs from its shared core, whichever it is: images in, a channel-last feature map out
/// for the readouts, gradients back, and the figures the micro-batch planner and the trainer need.
///
/// Two cores implement it: `ViTCore` (V1T's vision transformer) and `Stacked2dCore` (the
/// convolutional core of Lurz et al. 2021 and the Sensorium baseline, V1T's `--core stacked2d`).
public protocol Core: AnyObject {
    /// The output's shape, channel-last: [batch, height, width, channels].
    var featureShape: FeatureShape { get }

    /// images [batch, imageChannels, imageHeight, imageWidth] -> features [batch, height, width,
    /// channels] (owned, valid until the next forward).
    ///
    /// - behaviour: [batch, 3] (pupil dilation, its derivative, running speed), for cores that read it.
    /// - pupilCentre: [batch, 2], for cores that read it.
    /// - mouse: which mouse the whole micro-batch comes from.
    /// - context: nil or `training: false` for evaluation.
    func forward(images: UnsafePointer<Float>, behaviour: UnsafePointer<Float>?, pupilCentre: UnsafePointer<Float>?,
                 mouse: Int, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float>

    /// dFeatures [batch, height, width, channels] of the last forward; ADDS every core gradient into grads.
    func backward(_ dFeatures: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>)

    /// Floats the core's buffers hold per sample of a training micro-batch, its output included.
    var activationFloatsPerSample: Int { get }
    /// Floats of scratch that do not grow with the micro-batch.
    var scratchFloats: Int { get }
    /// Every buffer the core's passes allocate.
    var buffers: [FloatBuffer] { get }

    /// Trials whose statistics a training pass computes together (batch norm's group): the
    /// sharding must keep each group of this many consecutive trials in one micro-batch. 1 for a
    /// core whose samples are independent.
    var trialGroupSize: Int { get }

    /// Called once per optimiser step, after the gradients were summed over ranks and before the
    /// update: a core that keeps running statistics folds in the step's batch statistics, which
    /// its backward passes left in their slots of the gradient buffer.
    func finishStep(values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>)
}

/// The feature map's shape, channel-last: [batch, height, width, channels].
public struct FeatureShape: Equatable, Sendable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public var floatsPerSample: Int { height * width * channels }

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }
}

/// A penalty on some parameters added to the training loss once per optimiser step.
public protocol Regularizer {
    /// Returns weight · penalty and adds weight · dPenalty/dθ into `gradients` (when given).
    @discardableResult
    func apply(values: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>?, weight: Float) -> Double
}
