/// The V1T core: tokenizer, transformer blocks (with behaviour MLPs in modes 2-4), then the tokens
/// without the class token as a channel-last feature map [batch, gridHeight, gridWidth, embedding]
/// for the readout. All parameters belong to the `.core` group, per-mouse behaviour MLPs included,
/// as V1T puts them in `core.parameters()` (core learning rate and core L1 penalty).
public final class ViTCore: Core {
    public let configuration: Configuration
    public let tokenizer: Tokenizer
    public let blocks: [TransformerBlock]

    /// The gradient buffers and attention scratch every block shares (and the rule of who owns
    /// which buffer, in `Workspace.swift`).
    let workspace: Workspace

    /// [batch, behaviourInputs]: the behaviour (and the pupil centre in modes 3 and 4), copied.
    /// Called by `backward` with each block's index once that block's gradients are final.
    var blockBackwardFinished: ((Int) -> Void)?

    private let behaviourInput = FloatBuffer()
    /// [batch, gridHeight, gridWidth, embedding]: the output.
    private let features = FloatBuffer()
    private var batch = 0

    /// Adds the core's parameters to `layout` under names starting with `name`.
    public init(layout: inout ParameterLayout, configuration: Configuration, name: String = "core") throws {
        try configuration.validate()
        self.configuration = configuration
        let c = configuration
        let workspace = Workspace()
        self.workspace = workspace
        tokenizer = Tokenizer(layout: &layout, name: "\(name).tokenizer", channels: c.imageChannels, height: c.imageHeight,
                              width: c.imageWidth, patchSize: c.patchSize, stride: c.patchStride, embedding: c.embedding,
                              dropout: c.patchDropout)
        blocks = (0..<c.blocks).map { index in
            TransformerBlock(layout: &layout, name: "\(name).block\(index)", width: c.embedding, heads: c.heads,
                             headWidth: c.headWidth, mlpWidth: c.mlpWidth, dropout: c.transformerDropout, dropPath: c.dropPath,
                             behaviourInputs: c.behaviourInputs, behaviourMLPCount: c.behaviourMode == 4 ? c.mice : 1,
                             behaviourDropout: c.behaviourDropout, workspace: workspace)
        }
    }

    public var featureShape: FeatureShape {
        FeatureShape(height: configuration.gridHeight, width: configuration.gridWidth, channels: configuration.embedding)
    }

    /// images [batch, channels, height, width] -> features [batch, gridHeight, gridWidth, embedding]
    /// (owned, valid until the next forward).
    ///
    /// - behaviour: [batch, 3] (pupil dilation, its derivative, running speed), required in modes 2-4.
    /// - pupilCentre: [batch, 2], required in modes 3 and 4.
    /// - mouse: which mouse the whole micro-batch comes from; selects the behaviour MLPs (0..<mice)
    ///   in mode 4, ignored otherwise.
    /// - context: nil or `training: false` for evaluation (no dropout or stochastic depth).
    public func forward(images: UnsafePointer<Float>, behaviour: UnsafePointer<Float>?, pupilCentre: UnsafePointer<Float>?,
                        mouse: Int, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        let c = configuration
        precondition(batch >= 1, "the core needs at least one sample")
        precondition(context == nil || context!.batch == batch, "the pass context has \(context!.batch) trial indices for a batch of \(batch)")
        precondition(c.behaviourMode != 4 || (0..<c.mice).contains(mouse),
                     "mouse index \(mouse) is outside 0..<\(c.mice), the mice this core has behaviour MLPs for")
        self.batch = batch
        let behaviourRows = gatherBehaviour(behaviour, pupilCentre, batch: batch)

        var x = tokenizer.forward(images, batch: batch, params: params, context: context)
        for block in blocks {
            x = block.forward(x, batch: batch, tokens: c.tokens, behaviour: behaviourRows,
                              behaviourMLPIndex: c.behaviourMode == 4 ? mouse : 0, params: params, context: context)
        }

        // Dropping each sample's class token leaves the patches row-major over the grid, which is
        // already the channel-last map.
        let perSample = featureShape.floatsPerSample
        let y = features.reserve(batch * perSample)
        for b in 0..<batch {
            (y + b * perSample).update(from: x + (b * c.tokens + 1) * c.embedding, count: perSample)
        }
        return UnsafePointer(y)
    }

    /// dFeatures [batch, gridHeight, gridWidth, embedding]; adds every core gradient into grads.
    public func backward(_ dFeatures: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let c = configuration
        let perSample = featureShape.floatsPerSample
        // The residual stream's gradient: the features' gradient with zero for the class tokens,
        // then updated in place by each block down to the tokenizer.
        let dStream = workspace.residualGradient.reserve(batch * c.tokens * c.embedding)
        for b in 0..<batch {
            let sample = dStream + b * c.tokens * c.embedding
            sample.update(repeating: 0, count: c.embedding)
            (sample + c.embedding).update(from: dFeatures + b * perSample, count: perSample)
        }
        for (index, block) in blocks.enumerated().reversed() {
            block.backward(dStream, params: params, grads: grads)
            blockBackwardFinished?(index)
        }
        tokenizer.backward(dStream, params: params, grads: grads)
    }

    private func gatherBehaviour(_ behaviour: UnsafePointer<Float>?, _ pupilCentre: UnsafePointer<Float>?, batch: Int) -> UnsafePointer<Float>? {
        let mode = configuration.behaviourMode, width = configuration.behaviourInputs
        guard width > 0 else { return nil }
        guard let behaviour else { preconditionFailure("behaviour mode \(mode) needs the behaviour inputs [batch, 3]") }
        let pupilCentre = width == 5 ? pupilCentre : nil
        precondition(width == 3 || pupilCentre != nil, "behaviour mode \(mode) needs the pupil centre [batch, 2]")
        let rows = behaviourInput.reserve(batch * width)
        for b in 0..<batch {
            (rows + b * width).update(from: behaviour + b * 3, count: 3)
            if let pupilCentre { (rows + b * width + 3).update(from: pupilCentre + b * 2, count: 2) }
        }
        return UnsafePointer(rows)
    }

    /// Floats the core holds per sample of a training micro-batch (kept activations, its output and
    /// the shared gradient buffers): multiply by 4 bytes and the micro-batch size to plan memory.
    /// The attention probabilities, blocks x heads x tokens², dominate at the published size.
    public var activationFloatsPerSample: Int {
        let c = configuration
        return tokenizer.activationFloatsPerSample
            + blocks.reduce(0) { $0 + $1.activationFloats(tokens: c.tokens) }
            + c.behaviourInputs
            + featureShape.floatsPerSample
            + Workspace.activationFloats(tokens: c.tokens, width: c.embedding, innerWidth: c.heads * c.headDimension,
                                         mlpWidth: c.mlpWidth, withBehaviour: c.behaviourInputs > 0)
    }

    /// Floats of scratch that do not grow with the micro-batch (attention tiles, shared by the blocks).
    public var scratchFloats: Int {
        Workspace.scratchFloats(tokens: configuration.tokens, queryBlockRows: Attention.defaultQueryBlockRows,
                                attentionDropout: configuration.transformerDropout > 0)
    }

    /// Every sample is independent: no batch statistics.
    public var trialGroupSize: Int { 1 }

    public func finishStep(values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {}

    public var buffers: [FloatBuffer] { tokenizer.buffers + blocks.flatMap(\.buffers) + [behaviourInput, features] + workspace.buffers }
}
