/// The convolutional core of V1T's `--core stacked2d` (neuralpredictors' `Stacked2dCore`, the
/// Sensorium baseline of Lurz et al. 2021): a large unpadded first convolution, then `layers - 1`
/// "same"-padded hidden convolutions (depthwise-separable by default, as V1T), each followed by
/// batch norm and ELU; the last layer's output is the feature map [batch, height, width, channels]
/// that the readouts sample. Behaviour enters only as extra image channels (mode 1).
///
/// All parameters belong to the `.core` group, batch norm's running statistics to `.statistics`.
public final class Stacked2dCore: Core {
    public let configuration: Configuration
    let layers: [Stacked2dLayer]
    let convolutionScratch = ConvolutionScratch()

    /// [batch, imageHeight, imageWidth, imageChannels]: the images made channel-last, the first
    /// convolution's input.
    private let channelLastImages = FloatBuffer()
    /// [batch, height, width, channels], twice: the gradient flowing down and a scratch map.
    private let gradient = FloatBuffer()
    private let gradientScratch = FloatBuffer()
    private var batch = 0

    /// Adds the core's parameters to `layout` under names starting with `name`, as V1T names them
    /// (`core.features.layer0.conv.weight`, `core.features.layer1.ds_conv.spatial_conv.weight`, ...).
    public init(layout: inout ParameterLayout, configuration: Configuration, name: String = "core") throws {
        try configuration.validate()
        self.configuration = configuration
        let c = configuration, height = c.gridHeight, width = c.gridWidth, channels = c.hiddenChannels
        let scratch = convolutionScratch
        func norm(_ prefix: String) -> BatchNorm2D {
            BatchNorm2D(layout: &layout, name: "\(prefix).norm", channels: channels, pixels: height * width,
                        groupSize: c.batchNormGroup, momentum: c.batchNormMomentum)
        }
        var layers: [Stacked2dLayer] = []
        let first = "\(name).features.layer0"
        let inputConvolution = Convolution2D(layout: &layout, name: "\(first).conv", inputChannels: c.imageChannels,
                                             outputChannels: channels, kernel: c.inputKernel, padding: 0,
                                             inputHeight: c.imageHeight, inputWidth: c.imageWidth, scratch: scratch)
        layers.append(Stacked2dLayer(convolution: .dense(inputConvolution), norm: norm(first)))
        for index in 1..<c.layers {
            let prefix = "\(name).features.layer\(index)"
            let convolution: Stacked2dLayer.Convolution
            if c.depthSeparable {
                func pointwise(_ part: String) -> Convolution2D {
                    Convolution2D(layout: &layout, name: "\(prefix).ds_conv.\(part)", inputChannels: channels, outputChannels: channels,
                                  kernel: 1, padding: 0, inputHeight: height, inputWidth: width, scratch: scratch)
                }
                let pointwiseIn = pointwise("in_depth_conv")
                let depthwise = DepthwiseConvolution2D(layout: &layout, name: "\(prefix).ds_conv.spatial_conv", channels: channels,
                                                       kernel: c.hiddenKernel, height: height, width: width)
                convolution = .separable(pointwiseIn: pointwiseIn, depthwise: depthwise, pointwiseOut: pointwise("out_depth_conv"))
            } else {
                convolution = .dense(Convolution2D(layout: &layout, name: "\(prefix).conv", inputChannels: channels,
                                                   outputChannels: channels, kernel: c.hiddenKernel, padding: c.hiddenKernel / 2,
                                                   inputHeight: height, inputWidth: width, scratch: scratch))
            }
            layers.append(Stacked2dLayer(convolution: convolution, norm: norm(prefix)))
        }
        self.layers = layers
    }

    public var featureShape: FeatureShape {
        FeatureShape(height: configuration.gridHeight, width: configuration.gridWidth, channels: configuration.hiddenChannels)
    }

    public var trialGroupSize: Int { configuration.batchNormGroup }

    /// The first convolution's weight [hiddenChannels, imageChannels, inputKernel, inputKernel].
    public var inputWeight: ParameterSlice {
        guard case .dense(let conv) = layers[0].convolution else { preconditionFailure("the first layer is a dense convolution") }
        return conv.weight
    }

    /// The hidden layers' dense convolution weights (none when they are depthwise-separable, which
    /// V1T's group sparsity skips).
    public var hiddenDenseWeights: [ParameterSlice] {
        layers.dropFirst().compactMap { layer in
            if case .dense(let conv) = layer.convolution { return conv.weight }
            return nil
        }
    }

    /// Laplace smoothness of the first layer and group sparsity of the dense hidden layers, with
    /// the configuration's scales (V1T's --core_reg_input and --core_reg_hidden).
    public var regularizers: [any Regularizer] {
        [LaplaceSmoothness(scale: configuration.inputRegularization, weight: inputWeight),
         GroupSparsity(scale: configuration.hiddenRegularization, weights: hiddenDenseWeights)]
    }

    /// images [batch, imageChannels, imageHeight, imageWidth] -> features [batch, gridHeight,
    /// gridWidth, hiddenChannels]. Behaviour and pupil centre are not read (mode 1 puts behaviour
    /// in the image channels before the core).
    public func forward(images: UnsafePointer<Float>, behaviour: UnsafePointer<Float>?, pupilCentre: UnsafePointer<Float>?,
                        mouse: Int, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        precondition(batch >= 1, "the core needs at least one sample")
        precondition(context == nil || context!.batch == batch, "the pass context has \(context!.batch) trial indices for a batch of \(batch)")
        self.batch = batch
        let c = configuration, pixels = c.imageHeight * c.imageWidth, channels = c.imageChannels
        let x = channelLastImages.reserve(batch * pixels * channels)
        for b in 0..<batch {
            for channel in 0..<channels {
                let plane = images + (b * channels + channel) * pixels, sample = x + b * pixels * channels
                for p in 0..<pixels { sample[p * channels + channel] = plane[p] }
            }
        }
        var y = UnsafePointer(x)
        for layer in layers { y = layer.forward(y, batch: batch, params: params, context: context) }
        return y
    }

    /// dFeatures [batch, gridHeight, gridWidth, hiddenChannels] of the last training forward; adds
    /// every core gradient (and the batch norms' group statistics) into grads.
    public func backward(_ dFeatures: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let count = batch * featureShape.floatsPerSample
        let g = gradient.reserve(count), scratch = gradientScratch.reserve(count)
        g.update(from: dFeatures, count: count)
        for (index, layer) in layers.enumerated().reversed() {
            layer.backward(g, scratch: scratch, params: params, grads: grads, dx: index == 0 ? nil : g)
        }
    }

    public func finishStep(values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        for layer in layers { layer.norm.finishStep(values: values, gradients: gradients) }
    }

    /// The channel-last images, every layer's kept maps and statistics, and the two gradient maps.
    public var activationFloatsPerSample: Int {
        let c = configuration
        return c.imageHeight * c.imageWidth * c.imageChannels + layers.reduce(0) { $0 + $1.activationFloatsPerSample }
            + 2 * featureShape.floatsPerSample
    }

    /// One sample's unfolded input for the largest unfolding convolution, its gradient for the
    /// largest one that passes a gradient down (the dense hidden layers), and the depthwise
    /// convolutions' transposed weights.
    public var scratchFloats: Int {
        let unfolding = layers.compactMap { layer -> Convolution2D? in
            if case .dense(let conv) = layer.convolution { return conv }
            return nil
        }
        let unfolded = unfolding.map(\.unfoldedFloats).max() ?? 0
        let unfoldedGradient = unfolding.dropFirst().map(\.unfoldedFloats).max() ?? 0
        return unfolded + unfoldedGradient + layers.reduce(0) { $0 + $1.scratchFloats }
    }

    public var buffers: [FloatBuffer] {
        [channelLastImages, gradient, gradientScratch] + convolutionScratch.buffers + layers.flatMap(\.buffers)
    }
}
