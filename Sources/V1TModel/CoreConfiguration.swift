/// Which core a V1T model has, with that core's own configuration.
///
/// Stored in `config.json` as the core's fields plus `"kind"`; a file without `"kind"` (written
/// before the stacked2d core existed) is a ViT core.
public enum CoreConfiguration: Codable, Equatable, Sendable {
    case vit(ViTCore.Configuration)
    case stacked2d(Stacked2dCore.Configuration)

    /// V1T's `--core` values.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case vit
        case stacked2d
    }

    public var kind: Kind {
        switch self {
        case .vit: return .vit
        case .stacked2d: return .stacked2d
        }
    }

    /// The ViT core's configuration, nil for other cores.
    public var vit: ViTCore.Configuration? {
        if case .vit(let configuration) = self { return configuration }
        return nil
    }

    /// The stacked2d core's configuration, nil for other cores.
    public var stacked2d: Stacked2dCore.Configuration? {
        if case .stacked2d(let configuration) = self { return configuration }
        return nil
    }

    public var imageHeight: Int {
        get { vit?.imageHeight ?? stacked2d!.imageHeight }
        set { update { $0.imageHeight = newValue } stacked2d: { $0.imageHeight = newValue } }
    }

    public var imageWidth: Int {
        get { vit?.imageWidth ?? stacked2d!.imageWidth }
        set { update { $0.imageWidth = newValue } stacked2d: { $0.imageWidth = newValue } }
    }

    public var imageChannels: Int {
        get { vit?.imageChannels ?? stacked2d!.imageChannels }
        set { update { $0.imageChannels = newValue } stacked2d: { $0.imageChannels = newValue } }
    }

    /// Each feature-map position looks at an input window this many pixels wide, its neighbours
    /// `windowStride` pixels apart (a ViT patch; the stacked2d core's first, unpadded convolution,
    /// whose centre the padded hidden layers keep): how results map positions back onto the image.
    public var windowSize: Int { vit?.patchSize ?? stacked2d!.inputKernel }
    public var windowStride: Int { vit?.patchStride ?? 1 }
    public var gridHeight: Int { vit?.gridHeight ?? stacked2d!.gridHeight }
    public var gridWidth: Int { vit?.gridWidth ?? stacked2d!.gridWidth }

    public func validate() throws {
        switch self {
        case .vit(let configuration): try configuration.validate()
        case .stacked2d(let configuration): try configuration.validate()
        }
    }

    private mutating func update(vit: (inout ViTCore.Configuration) -> Void, stacked2d: (inout Stacked2dCore.Configuration) -> Void) {
        switch self {
        case .vit(var configuration):
            vit(&configuration)
            self = .vit(configuration)
        case .stacked2d(var configuration):
            stacked2d(&configuration)
            self = .stacked2d(configuration)
        }
    }

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decodeIfPresent(Kind.self, forKey: .kind) ?? .vit
        switch kind {
        case .vit: self = .vit(try ViTCore.Configuration(from: decoder))
        case .stacked2d: self = .stacked2d(try Stacked2dCore.Configuration(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: KindKey.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .vit(let configuration): try configuration.encode(to: encoder)
        case .stacked2d(let configuration): try configuration.encode(to: encoder)
        }
    }
}

extension CoreConfiguration {
    /// One line for the training log, e.g. "ViT core: 121 tokens of width 64, 2 blocks".
    public var summary: String {
        switch self {
        case .vit(let c):
            return "ViT core: \(c.tokens) tokens of width \(c.embedding), \(c.blocks) block\(c.blocks == 1 ? "" : "s")"
        case .stacked2d(let c):
            return "stacked2d core: \(c.layers) layer\(c.layers == 1 ? "" : "s") of \(c.hiddenChannels) channels "
                + "(\(c.inputKernel)x\(c.inputKernel) first, \(c.hiddenKernel)x\(c.hiddenKernel) \(c.depthSeparable ? "depthwise-separable" : "dense") hidden) "
                + "on a \(c.gridHeight)x\(c.gridWidth) map, batch-norm groups of \(c.batchNormGroup)"
        }
    }

    /// Multiply-add FLOPs (2 per multiply-add) of one sample's forward and backward pass: the ViT's
    /// `TrainingFLOPs`, or the stacked2d core's convolutions (`Stacked2dFLOPs`).
    public var trainingFLOPsPerSample: Int {
        switch self {
        case .vit(let c): return TrainingFLOPs(c).training
        case .stacked2d(let c): return Stacked2dFLOPs(c).training
        }
    }
}

/// The convolutions' work in one sample's pass of the stacked2d core, with an H x W feature map
/// of C channels, a first kernel K over I image channels and hidden kernels k:
///
///     input       2·H·W·C·I·K²
///     pointwise   2·2·H·W·C²     per depthwise-separable hidden layer (in and out)
///     depthwise   2·H·W·C·k²     per depthwise-separable hidden layer
///     dense       2·H·W·C²·k²    per dense hidden layer
///
/// Training = 3 × forward (the input's and the weights' gradients), except the first layer, whose
/// input (the images) needs no gradient: 2 × its forward. Batch norm and ELU are left out.
public struct Stacked2dFLOPs: Equatable, Sendable {
    public var input: Int
    public var hidden: Int

    public init(_ c: Stacked2dCore.Configuration) {
        let pixels = c.gridHeight * c.gridWidth, channels = c.hiddenChannels, k2 = c.hiddenKernel * c.hiddenKernel
        input = 2 * pixels * channels * c.imageChannels * c.inputKernel * c.inputKernel
        let perLayer = c.depthSeparable ? 2 * 2 * pixels * channels * channels + 2 * pixels * channels * k2
            : 2 * pixels * channels * channels * k2
        hidden = (c.layers - 1) * perLayer
    }

    public var forward: Int { input + hidden }
    public var training: Int { 3 * hidden + 2 * input }
}
