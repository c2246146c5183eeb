import ArgumentParser
import Training
import V1TModel

/// The model's shape: a preset, then any size overridden. Spellings of the original V1T command
/// line (snake_case, American "behavior") are accepted next to VITA's kebab-case.
struct ModelOptions: ParsableArguments {
    enum Preset: String, ExpressibleByArgument, CaseIterable {
        /// V1T's published, tuned sizes (~2.5 M core parameters, 1,654 tokens).
        case v1t
        /// The small-data recipe (docs/recipe.md): a small stacked2d core by default (a small ViT with
        /// `--core vit`), trained in minutes on a 2-core machine.
        case demo
    }

    @Option(help: "Model sizes and training defaults to start from: v1t (V1T's published ones) or demo (small, fast, with the small-data recipe of docs/recipe.md).")
    var preset: Preset = .v1t

    @Option(help: "The shared core: vit (V1T's vision transformer) or stacked2d (the convolutional Sensorium baseline core, V1T's --core stacked2d). Default: vit (v1t), stacked2d (demo: the core that learns from an Allen session's ~100 images, docs/recipe.md).")
    var core: CoreConfiguration.Kind?

    /// The core to build: the flag, or the preset's.
    var coreKind: CoreConfiguration.Kind { core ?? (preset == .demo ? .stacked2d : .vit) }

    @Option(name: [.customLong("behavior-mode"), .customLong("behaviour-mode"), .customLong("behavior_mode")],
            help: "0 none, 1 behaviour as image channels, 2 behaviour MLP in each block, 3 as 2 with pupil centre, 4 as 3 per mouse. Default: 3 for vit (published); 0 for stacked2d (V1T's), 1 in the demo preset.")
    var behaviourMode: Int?

    @Option(name: [.customLong("shift-mode"), .customLong("shift_mode")],
            help: "0 no shifter, 2 shifter moves readout positions with the pupil centre (published). Default: 2, as V1T (it needs eye tracking; use 0 without).")
    var shiftMode: Int?

    @Flag(name: [.customLong("allow-missing-behaviour"), .customLong("allow-missing-behavior")],
          help: "Train a behaviour mode whose inputs a recording lacks (e.g. pupil without eye tracking), feeding zeros for them.")
    var allowMissingBehaviour = false

    @Option(name: [.customLong("center-crop"), .customLong("centre-crop"), .customLong("center_crop")],
            help: "Keep this fraction of the image around its centre before resizing (1 keeps all).")
    var centerCrop: Float = 1

    @Option(name: [.customLong("resize-image"), .customLong("resize_image")],
            help: "1: resize images to the model input (default 36x64, as V1T); 0: feed them at their stored size.")
    var resizeImage = 1

    @Option(name: [.customLong("patch-size"), .customLong("patch_size")], help: "Tokenizer patch size.")
    var patchSize: Int?
    @Option(name: [.customLong("patch-stride"), .customLong("patch_stride")], help: "Tokenizer stride.")
    var patchStride: Int?
    @Option(name: [.customLong("emb-dim"), .customLong("emb_dim")], help: "Token (embedding) width.")
    var embedding: Int?
    @Option(name: [.customLong("num-blocks"), .customLong("num_blocks")], help: "Transformer blocks.")
    var blocks: Int?
    @Option(name: [.customLong("num-heads"), .customLong("num_heads")], help: "Attention heads per block.")
    var heads: Int?
    @Option(name: [.customLong("head-width")], help: "full: every head as wide as the embedding (published V1T); split: embedding / heads.")
    var headWidth: Attention.HeadWidth?
    @Option(name: [.customLong("mlp-dim"), .customLong("mlp_dim")], help: "Hidden width of each block's MLP.")
    var mlpWidth: Int?
    @Option(name: [.customLong("p-dropout"), .customLong("p_dropout")], help: "Dropout after the position embedding.")
    var patchDropout: Float?
    @Option(name: [.customLong("t-dropout"), .customLong("t_dropout")], help: "Dropout in attention and MLPs.")
    var transformerDropout: Float?
    @Option(name: [.customLong("drop-path"), .customLong("drop_path")], help: "Stochastic depth rate of each residual branch.")
    var dropPath: Float?

    @Option(name: [.customLong("num-layers"), .customLong("num_layers")], help: "stacked2d: convolution layers, the first included (default 4, V1T's).")
    var layers: Int?
    @Option(name: [.customLong("hidden-channels"), .customLong("hidden_channels")], help: "stacked2d: channels of every layer (default 64).")
    var hiddenChannels: Int?
    @Option(name: [.customLong("input-kern"), .customLong("input_kern")], help: "stacked2d: the first, unpadded convolution's kernel (default 9).")
    var inputKernel: Int?
    @Option(name: [.customLong("hidden-kern"), .customLong("hidden_kern")], help: "stacked2d: the hidden convolutions' odd kernel (default 7).")
    var hiddenKernel: Int?
    @Option(name: [.customLong("depth-separable"), .customLong("depth_separable")], help: "stacked2d: 1 depthwise-separable hidden layers (default, V1T's), 0 dense ones.")
    var depthSeparable: Int?
    @Option(name: [.customLong("bn-group")], help: "stacked2d: trials per batch-norm statistics group in training (default 4); divides --batch-size, and each rank gets whole groups.")
    var batchNormGroup: Int?
    @Option(name: [.customLong("core-reg-input"), .customLong("core_reg_input")], help: "stacked2d: Laplace smoothness penalty on the first layer's filters (default 6.3831, V1T's).")
    var coreRegInput: Float?
    @Option(name: [.customLong("core-reg-hidden"), .customLong("core_reg_hidden")], help: "stacked2d: group sparsity penalty on dense hidden layers (default 0; V1T skips it for depthwise-separable ones).")
    var coreRegHidden: Float?

    /// The optimisation defaults of the preset.
    var recipe: TrainingRecipe { preset == .v1t ? .published : .smallData }

    @Option(name: [.customLong("readout-init-sigma"), .customLong("readout_init_sigma")],
            help: "Initial spread of each readout position's noise, in feature-map half-widths. Default: 0.1 (v1t, V1T's), 0.3 (demo: the small-data recipe).")
    var readoutInitialSigma: Float?

    func validate() throws {
        if let mode = behaviourMode, !(0...4).contains(mode) {
            throw ValidationError("--behavior-mode \(mode) does not exist: use 0, 1, 2, 3 or 4")
        }
        if let mode = shiftMode, ![0, 2].contains(mode) {
            throw ValidationError("--shift-mode \(mode) is not supported: use 0 (no shifter) or 2 (shift readout positions); image shifting (1, 3, 4) is not implemented")
        }
        guard centerCrop > 0, centerCrop <= 1 else { throw ValidationError("--center-crop must be in (0, 1], got \(centerCrop)") }
        guard [0, 1].contains(resizeImage) else { throw ValidationError("--resize-image takes 0 or 1, got \(resizeImage)") }
        for (name, value) in [("--patch-size", patchSize), ("--patch-stride", patchStride), ("--emb-dim", embedding),
                              ("--num-blocks", blocks), ("--num-heads", heads), ("--mlp-dim", mlpWidth)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
        for (name, value) in [("--num-layers", layers), ("--hidden-channels", hiddenChannels), ("--input-kern", inputKernel),
                              ("--hidden-kern", hiddenKernel), ("--bn-group", batchNormGroup)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
        if let hiddenKernel, hiddenKernel % 2 == 0 { throw ValidationError("--hidden-kern must be odd ('same' padding), got \(hiddenKernel)") }
        if let depthSeparable, ![0, 1].contains(depthSeparable) { throw ValidationError("--depth-separable takes 0 or 1, got \(depthSeparable)") }
        for (name, value) in [("--core-reg-input", coreRegInput), ("--core-reg-hidden", coreRegHidden)] {
            if let value, value < 0 { throw ValidationError("\(name) must not be negative, got \(value)") }
        }
        let vitFlags = [patchSize, patchStride, embedding, blocks, heads, mlpWidth].contains { $0 != nil } || headWidth != nil
            || [patchDropout, transformerDropout, dropPath].contains { $0 != nil }
        let stacked2dFlags = [layers, hiddenChannels, inputKernel, hiddenKernel, depthSeparable, batchNormGroup].contains { $0 != nil }
            || [coreRegInput, coreRegHidden].contains { $0 != nil }
        if coreKind == .stacked2d, vitFlags {
            throw ValidationError(core == nil
                ? "--preset demo builds a stacked2d core, which has no patches, blocks or heads: add --core vit for the ViT size flags (--patch-size ... --drop-path)"
                : "--core stacked2d has no patches, blocks or heads: drop the ViT size flags (--patch-size ... --drop-path)")
        }
        if coreKind == .vit, stacked2dFlags {
            throw ValidationError("--num-layers, --hidden-channels, --input-kern, --hidden-kern, --depth-separable, --bn-group and --core-reg-input/-hidden size the stacked2d core: add --core stacked2d")
        }
        if coreKind == .stacked2d, let mode = behaviourMode, mode >= 2 {
            throw ValidationError((core == nil ? "--preset demo builds a stacked2d core, which" : "--core stacked2d")
                + " takes --behavior-mode 0 or 1 (behaviour as image channels), as V1T's; modes 2-4 feed transformer blocks"
                + (core == nil ? ": add --core vit for them" : ""))
        }
        for (name, value) in [("--p-dropout", patchDropout), ("--t-dropout", transformerDropout), ("--drop-path", dropPath)] {
            if let value, !(0..<1).contains(value) { throw ValidationError("\(name) must be in [0, 1), got \(value)") }
        }
    }

    /// The model for these recordings; refuses behaviour a recording lacks unless allowed.
    func configuration(for mice: [MouseData]) throws -> V1TConfiguration {
        let mode = behaviourMode ?? defaultBehaviourMode
        var core: CoreConfiguration = coreKind == .stacked2d ? .stacked2d(stacked2dConfiguration) : .vit(vitConfiguration)
        if resizeImage == 0 {
            core.imageHeight = mice[0].recording.images.height
            core.imageWidth = mice[0].recording.images.width
        }
        let usesShifter = (shiftMode ?? 2) == 2
        let recordings = mice.map { data -> V1TConfiguration.Mouse in
            let statistics = data.recording.statistics.images
            let positions = data.recording.neurons.positions
            return V1TConfiguration.Mouse(
                name: data.name, neuronX: positions.column(0), neuronY: positions.column(1),
                imageHeight: data.recording.images.height, imageWidth: data.recording.images.width,
                imageMean: statistics.mean[0], imageStd: statistics.std[0])
        }
        var configuration = V1TConfiguration(behaviourMode: mode, usesShifter: usesShifter, core: core,
                                             centerCrop: centerCrop, mice: recordings)
        configuration.readoutInitialSigma = readoutInitialSigma ?? recipe.readoutInitialSigma
        try checkBehaviour(configuration, mice)
        return configuration
    }

    /// V1T's defaults (3 for its ViT, 0 for its stacked2d core); the demo preset feeds the stacked2d
    /// core running, pupil size and its change as image channels, which lets it model the behavioural
    /// gain (docs/recipe.md: validation loss 158.17 against 164.16 without).
    private var defaultBehaviourMode: Int {
        switch (coreKind, preset) {
        case (.vit, _): 3
        case (.stacked2d, .v1t): 0
        case (.stacked2d, .demo): 1
        }
    }

    /// The stacked2d core: V1T's sizes (v1t), or 32 channels in 3 layers (demo: 2.7x faster on a
    /// 2-core machine; see docs/recipe.md), with any size overridden.
    private var stacked2dConfiguration: Stacked2dCore.Configuration {
        var core = Stacked2dCore.Configuration.published
        if preset == .demo { (core.hiddenChannels, core.layers) = (32, 3) }
        if let layers { core.layers = layers }
        if let hiddenChannels { core.hiddenChannels = hiddenChannels }
        if let inputKernel { core.inputKernel = inputKernel }
        if let hiddenKernel { core.hiddenKernel = hiddenKernel }
        if let depthSeparable { core.depthSeparable = depthSeparable == 1 }
        if let batchNormGroup { core.batchNormGroup = batchNormGroup }
        if let coreRegInput { core.inputRegularization = coreRegInput }
        if let coreRegHidden { core.hiddenRegularization = coreRegHidden }
        return core
    }

    /// The ViT core of the preset, with any size overridden.
    private var vitConfiguration: ViTCore.Configuration {
        var core: ViTCore.Configuration = preset == .v1t ? .published : .demo
        if let patchSize { core.patchSize = patchSize }
        if let patchStride { core.patchStride = patchStride }
        if let embedding { core.embedding = embedding }
        if let blocks { core.blocks = blocks }
        if let heads { core.heads = heads }
        if let headWidth { core.headWidth = headWidth }
        if let mlpWidth { core.mlpWidth = mlpWidth }
        if let patchDropout { core.patchDropout = patchDropout }
        if let transformerDropout { core.transformerDropout = transformerDropout }
        if let dropPath { core.dropPath = dropPath }
        return core
    }

    private func checkBehaviour(_ configuration: V1TConfiguration, _ mice: [MouseData]) throws {
        guard !allowMissingBehaviour else { return }
        for data in mice {
            let trials = data.recording.trials
            var missing: [String] = []
            if configuration.needsBehaviour {
                missing += BehaviourVariableNames.all.enumerated().filter { !trials.behaviourAvailable[$0.offset] }.map(\.element)
            }
            if configuration.needsPupilCenter, !trials.pupilCenterAvailable { missing.append("pupil centre") }
            guard missing.isEmpty else {
                let needs = configuration.usesShifter && configuration.behaviourMode < 3
                    ? "the shifter (--shift-mode 2)" : "behaviour mode \(configuration.behaviourMode)"
                throw ValidationError("""
                    recording \(data.name) has no \(missing.joined(separator: ", ")) (the session had no eye tracking?), \
                    which \(needs) needs. Use --behavior-mode 0 --shift-mode 0 (images only), or keep the mode and \
                    pass --allow-missing-behaviour to feed zeros for what is missing.
                    """)
            }
        }
    }
}

enum BehaviourVariableNames {
    static let all = ["pupil size", "pupil size derivative", "running speed"]
}

extension Attention.HeadWidth: ExpressibleByArgument {}
extension CoreConfiguration.Kind: ExpressibleByArgument {}
