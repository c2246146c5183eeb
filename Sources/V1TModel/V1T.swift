/// V1T (Li et al., TMLR 2023) as in the paper's figure: per mouse an image cropper, a shared
/// core (the ViT, or V1T's convolutional `stacked2d`), and per mouse a shifter, a Gaussian 2D
/// readout and ELU + 1. All parameters live in one `ParameterStore`, all gradients in its one
/// gradient buffer.
public final class V1T {
    public let configuration: V1TConfiguration
    public let layout: ParameterLayout
    public let parameters: ParameterStore
    public let core: any Core
    public let croppers: [ImageCropper]
    public let readouts: [Gaussian2DReadout]
    public let shifters: [Shifter]
    let outputs: [ELUPlusOne]
    /// The feature map's gradient, shared by every mouse's readout: one mouse's backward runs at a
    /// time and the core consumes the gradient at once.
    private let featureMapGradient = FloatBuffer()

    /// False when the core is frozen (a pretrained core kept fixed): backward then stops at the
    /// feature map and leaves the core's gradients untouched, saving most of the backward pass.
    public var trainsCore = true

    /// Called by `backward` with the index of each of `gradientBuckets` as its gradients become
    /// final for the pass, so that a data-parallel engine can start summing it over ranks.
    public var gradientBucketReady: ((Int) -> Void)? {
        didSet {
            guard let vit = vitCore else { return }
            let blocks = vit.blocks.count
            vit.blockBackwardFinished = gradientBucketReady.map { ready in { block in ready(blocks - block) } }
        }
    }

    /// The mouse and batch of the last forward pass, which backward continues.
    private var lastMouse = 0
    private var lastBatch = 0

    /// Builds the model and initialises its parameters deterministically from `seed`.
    public init(configuration: V1TConfiguration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        var layout = ParameterLayout()
        switch configuration.core {
        case .vit(let vit): core = try ViTCore(layout: &layout, configuration: vit, name: "core")
        case .stacked2d(let stacked2d): core = try Stacked2dCore(layout: &layout, configuration: stacked2d, name: "core")
        }
        let shape = core.featureShape
        var croppers: [ImageCropper] = [], readouts: [Gaussian2DReadout] = [], shifters: [Shifter] = []
        for (index, mouse) in configuration.mice.enumerated() {
            croppers.append(try ImageCropper(
                imageHeight: mouse.imageHeight, imageWidth: mouse.imageWidth, mean: mouse.imageMean,
                standardDeviation: mouse.imageStd, centerCrop: configuration.centerCrop,
                outputHeight: configuration.core.imageHeight, outputWidth: configuration.core.imageWidth,
                behaviourChannels: configuration.behaviourMode == 1 ? 3 : 0))
            readouts.append(Gaussian2DReadout(
                layout: &layout, name: "readout.mouse\(index)",
                neuronPositions: zip(mouse.neuronX, mouse.neuronY).map { (x: $0, y: $1) },
                channels: shape.channels, gridHeight: shape.height, gridWidth: shape.width,
                featureMapGradient: featureMapGradient))
            if configuration.usesShifter {
                shifters.append(Shifter(layout: &layout, name: "shifter.mouse\(index)"))
            }
        }
        self.croppers = croppers
        self.readouts = readouts
        self.shifters = shifters
        outputs = configuration.mice.map { ELUPlusOne(width: $0.neurons) }
        self.layout = layout
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    /// Predicted responses [batch, neurons of `mouse`] (owned, valid until the next forward).
    ///
    /// - images: the mouse's stored uint8 stack (imageCount x height x width); imageIndices picks
    ///   each sample's image.
    /// - behaviour: [batch, 3] standardised (pupil size, its derivative, running speed).
    /// - pupilCenter: [batch, 2] standardised.
    /// - context: training (dropout, readout noise) or evaluation; keys the random streams.
    public func forward(mouse: Int, images: UnsafePointer<UInt8>, imageCount: Int, imageIndices: [Int],
                        behaviour: UnsafePointer<Float>, pupilCenter: UnsafePointer<Float>,
                        context: PassContext) -> UnsafePointer<Float> {
        let batch = imageIndices.count
        precondition(batch == context.batch, "V1T: \(batch) images but \(context.batch) trial keys")
        lastMouse = mouse
        lastBatch = batch
        let params = UnsafePointer(parameters.values.baseAddress!)
        let input = croppers[mouse].forward(images: images, imageCount: imageCount, imageIndices: imageIndices,
                                            behaviours: configuration.behaviourMode == 1 ? behaviour : nil)
        let features = core.forward(images: input, behaviour: behaviour, pupilCentre: pupilCenter, mouse: mouse,
                                    batch: batch, params: params, context: context)
        let shift = configuration.usesShifter ? shifters[mouse].forward(pupilCenter, batch: batch, params: params) : nil
        let responses = readouts[mouse].forward(features, shift: shift, batch: batch, params: params, context: context)
        return outputs[mouse].forward(responses, batch: batch)
    }

    /// dPredictions [batch, neurons] of the last forward -> ADDS every gradient into `parameters.gradients`
    /// (the core's only when `trainsCore`).
    public func backward(_ dPredictions: UnsafePointer<Float>) {
        let params = UnsafePointer(parameters.values.baseAddress!)
        let grads = parameters.gradients.baseAddress!
        let dResponses = outputs[lastMouse].backward(dPredictions)
        let dFeatures = readouts[lastMouse].backward(dResponses, params: params, grads: grads)
        if configuration.usesShifter, let dShift = readouts[lastMouse].shiftGradient {
            _ = shifters[lastMouse].backward(dShift, params: params, grads: grads)
        }
        gradientBucketReady?(0)
        if trainsCore { core.backward(dFeatures, params: params, grads: grads) }
        gradientBucketReady?(gradientBucketCount - 1)
    }

    /// Bytes one more sample of a training micro-batch costs (for sizing micro-batches): the core's
    /// activations and gradients, the shared feature-map gradient, and every mouse's cropper,
    /// readout, shifter and output, since each keeps buffers sized for the largest micro-batch it
    /// has seen. Exactly what the buffers hold once every mouse has run a forward and backward pass.
    public var activationBytesPerSample: Int { 4 * activationFloatsPerSample }

    var activationFloatsPerSample: Int {
        let perMouse = croppers.reduce(0) { $0 + $1.activationFloatsPerSample }
            + readouts.reduce(0) { $0 + $1.activationFloatsPerSample }
            + shifters.reduce(0) { $0 + $1.activationFloatsPerSample }
            + outputs.reduce(0) { $0 + $1.activationFloatsPerSample }
        return core.activationFloatsPerSample + core.featureShape.floatsPerSample + perMouse
    }

    /// Bytes that do not grow with the micro-batch: parameters, gradients, AdamW's two moments, and
    /// the buffers of `fixedBufferFloats`.
    public var fixedBytes: Int { 4 * (4 * parameters.count + fixedBufferFloats) }

    /// Floats of buffers whose size does not depend on the batch: the core's attention scratch and
    /// the readouts' per-neuron buffers.
    var fixedBufferFloats: Int { core.scratchFloats + readouts.reduce(0) { $0 + $1.fixedFloats } }

    /// Every buffer the model's passes allocate (not the parameters).
    var buffers: [FloatBuffer] {
        core.buffers + [featureMapGradient] + croppers.flatMap(\.buffers) + readouts.flatMap(\.buffers)
            + shifters.flatMap(\.buffers) + outputs.flatMap(\.buffers)
    }

    /// The ViT core, nil when the model has another core.
    public var vitCore: ViTCore? { core as? ViTCore }

    /// Trials a training pass must see together (batch norm's group): 1 for the ViT.
    public var trialGroupSize: Int { core.trialGroupSize }

    /// The core's penalties: the ViT's L1 over every core parameter with `l1Scale` (V1T's
    /// --core_reg_scale); the stacked2d core's Laplace smoothness and group sparsity with the scales
    /// of its configuration (V1T's --core_reg_input and --core_reg_hidden).
    public func coreRegularizers(l1Scale: Float) -> [any Regularizer] {
        if let stacked2d = core as? Stacked2dCore { return stacked2d.regularizers }
        return [L1Regularizer.core(layout: layout, scale: l1Scale)]
    }

    /// Once per optimiser step, after the gradient allreduce and before the update: folds the
    /// step's batch statistics into the running ones (a no-op for the ViT).
    public func finishStep() {
        core.finishStep(values: parameters.values.baseAddress!, gradients: UnsafePointer(parameters.gradients.baseAddress!))
    }

    /// Each neuron's mean readout position on the feature map, in [-1, 1] (x right, y down).
    public func readoutPositions(mouse: Int) -> [(x: Float, y: Float)] {
        readouts[mouse].meanPositions(params: UnsafePointer(parameters.values.baseAddress!))
    }
}
