/// Everything needed to build a V1T model: the shared core, how behaviour enters it, the image
/// preprocessing, and one entry per mouse (recording) for its readout. Stored as JSON next to every
/// checkpoint, so a run directory is enough to rebuild the model.
public struct V1TConfiguration: Codable, Equatable, Sendable {
    /// V1T's behaviour modes: 0 none; 1 behaviour as extra image channels; 2 a behaviour MLP per
    /// block; 3 as 2 with the pupil centre; 4 as 3 with one behaviour MLP per mouse.
    public var behaviourMode: Int
    /// V1T's shift mode 2: a per-mouse shifter moves every readout position by a function of the
    /// pupil centre. (Shift modes 1, 3 and 4, which shift the image, are not implemented.)
    public var usesShifter: Bool
    /// The core (ViT or stacked2d); its image channels (and the ViT's `behaviourMode` and `mice`)
    /// are derived from the fields above by `init`, so set the sizes and rates only.
    public var core: CoreConfiguration
    /// Fraction of the stored frame kept around its centre before resizing (V1T's --center_crop).
    public var centerCrop: Float
    public var mice: [Mouse]

    /// One recording's readout: its neurons' cortical positions and its images' statistics.
    public struct Mouse: Codable, Equatable, Sendable {
        public var name: String
        /// Cortical (x, y) of each neuron in micrometres: the readout's grid predictor turns them
        /// into initial positions on the feature map (retinotopy).
        public var neuronX: [Float]
        public var neuronY: [Float]
        public var imageHeight: Int
        public var imageWidth: Int
        public var imageMean: Float
        public var imageStd: Float

        public init(name: String, neuronX: [Float], neuronY: [Float], imageHeight: Int, imageWidth: Int,
                    imageMean: Float, imageStd: Float) {
            precondition(neuronX.count == neuronY.count, "mouse \(name): x and y positions differ in count")
            self.name = name
            self.neuronX = neuronX
            self.neuronY = neuronY
            self.imageHeight = imageHeight
            self.imageWidth = imageWidth
            self.imageMean = imageMean
            self.imageStd = imageStd
        }

        public var neurons: Int { neuronX.count }
    }

    public init(behaviourMode: Int, usesShifter: Bool, core: CoreConfiguration, centerCrop: Float = 1, mice: [Mouse]) {
        self.behaviourMode = behaviourMode
        self.usesShifter = usesShifter
        self.centerCrop = centerCrop
        self.mice = mice
        var core = core
        if case .vit(var vit) = core {
            vit.behaviourMode = behaviourMode == 1 ? 0 : behaviourMode
            vit.mice = max(mice.count, 1)
            core = .vit(vit)
        }
        core.imageChannels = behaviourMode == 1 ? 1 + 3 : 1
        self.core = core
    }

    /// A model with a ViT core.
    public init(behaviourMode: Int, usesShifter: Bool, core: ViTCore.Configuration, centerCrop: Float = 1, mice: [Mouse]) {
        self.init(behaviourMode: behaviourMode, usesShifter: usesShifter, core: .vit(core), centerCrop: centerCrop, mice: mice)
    }

    /// Whether the model reads pupil size and its derivative (behaviour modes 1-4).
    public var needsBehaviour: Bool { behaviourMode >= 1 }
    /// Whether the model reads the pupil centre (modes 3 and 4, and the shifter).
    public var needsPupilCenter: Bool { behaviourMode >= 3 || usesShifter }

    public func validate() throws {
        guard (0...4).contains(behaviourMode) else {
            throw ConfigurationError("behaviour mode \(behaviourMode) does not exist: use 0 (none), 1 (image channels), 2, 3 or 4 (behaviour MLPs)")
        }
        guard !mice.isEmpty else { throw ConfigurationError("the model needs at least one recording") }
        if core.kind == .stacked2d, behaviourMode >= 2 {
            throw ConfigurationError("""
                behaviour mode \(behaviourMode) feeds behaviour into transformer blocks, which the stacked2d core does not \
                have (V1T's stacked2d takes modes 0 and 1 only): use --behavior-mode 0 or 1 (behaviour as image channels), \
                or --core vit
                """)
        }
        for mouse in mice where mouse.neurons == 0 {
            throw ConfigurationError("recording \(mouse.name) has no neurons")
        }
        try core.validate()
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
