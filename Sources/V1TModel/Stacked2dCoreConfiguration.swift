extension Stacked2dCore {
    /// The sizes and regularisers of a stacked2d core. Codable so that checkpoints and run
    /// directories record it.
    ///
    /// Defaults are V1T's (`train.py --core stacked2d` and `Stacked2dCore.__init__`), which are the
    /// Sensorium 2022 baseline's: 64 hidden channels, a 9x9 first kernel, 7x7 hidden kernels, 4
    /// layers, depthwise-separable hidden layers, batch-norm momentum 0.9, Laplace scale 6.3831 on
    /// the first layer and group sparsity 0 on the others.
    public struct Configuration: Codable, Equatable, Sendable {
        public var imageChannels: Int
        public var imageHeight: Int
        public var imageWidth: Int
        /// Channels of every layer (V1T's hidden_channels).
        public var hiddenChannels: Int
        /// The first, unpadded convolution's kernel (V1T's input_kern).
        public var inputKernel: Int
        /// The hidden convolutions' kernel, "same"-padded (V1T's hidden_kern); odd.
        public var hiddenKernel: Int
        /// Convolution layers, the first included (V1T's --num_layers).
        public var layers: Int
        /// Depthwise-separable hidden layers (V1T's default), else dense convolutions.
        public var depthSeparable: Bool
        /// Trials per batch-norm statistics group in training (see `BatchNorm2D`); must divide the batch size.
        public var batchNormGroup: Int
        /// PyTorch's batch-norm momentum: the weight of the new statistics in the running ones.
        public var batchNormMomentum: Float
        /// Laplace smoothness scale on the first layer (V1T's --core_reg_input, gamma_input).
        public var inputRegularization: Float
        /// Group sparsity scale on dense hidden layers (V1T's --core_reg_hidden, gamma_hidden).
        public var hiddenRegularization: Float

        public init(imageChannels: Int = 1, imageHeight: Int = 36, imageWidth: Int = 64, hiddenChannels: Int = 64,
                    inputKernel: Int = 9, hiddenKernel: Int = 7, layers: Int = 4, depthSeparable: Bool = true,
                    batchNormGroup: Int = 4, batchNormMomentum: Float = 0.9,
                    inputRegularization: Float = LaplaceSmoothness.defaultScale,
                    hiddenRegularization: Float = GroupSparsity.defaultScale) {
            self.imageChannels = imageChannels
            self.imageHeight = imageHeight
            self.imageWidth = imageWidth
            self.hiddenChannels = hiddenChannels
            self.inputKernel = inputKernel
            self.hiddenKernel = hiddenKernel
            self.layers = layers
            self.depthSeparable = depthSeparable
            self.batchNormGroup = batchNormGroup
            self.batchNormMomentum = batchNormMomentum
            self.inputRegularization = inputRegularization
            self.hiddenRegularization = hiddenRegularization
        }

        /// V1T's and the Sensorium baseline's sizes on V1T's 36x64 input.
        public static let published = Configuration()

        /// The feature map: the first convolution is unpadded, the hidden ones keep its size.
        public var gridHeight: Int { imageHeight - inputKernel + 1 }
        public var gridWidth: Int { imageWidth - inputKernel + 1 }

        /// Throws a `ConfigurationError` naming the first field that cannot build a core.
        public func validate() throws {
            func require(_ condition: Bool, _ field: String, _ message: String) throws {
                if !condition { throw ConfigurationError(field: field, message: message) }
            }
            try require(imageChannels >= 1, "imageChannels", "must be at least 1, got \(imageChannels)")
            try require(inputKernel >= 1 && inputKernel <= min(imageHeight, imageWidth), "inputKernel",
                        "must be between 1 and the smaller image side \(min(imageHeight, imageWidth)), got \(inputKernel) (--input-kern)")
            try require(hiddenKernel >= 1 && hiddenKernel % 2 == 1, "hiddenKernel",
                        "must be odd and positive ('same' padding), got \(hiddenKernel) (--hidden-kern)")
            try require(hiddenChannels >= 1, "hiddenChannels", "must be at least 1, got \(hiddenChannels) (--hidden-channels)")
            try require(layers >= 1, "layers", "must be at least 1, got \(layers) (--num-layers)")
            try require(batchNormGroup >= 1, "batchNormGroup", "must be at least 1, got \(batchNormGroup) (--bn-group)")
            try require((0...1).contains(batchNormMomentum), "batchNormMomentum", "must be in [0, 1], got \(batchNormMomentum)")
            try require(inputRegularization >= 0, "inputRegularization", "must not be negative, got \(inputRegularization) (--core-reg-input)")
            try require(hiddenRegularization >= 0, "hiddenRegularization", "must not be negative, got \(hiddenRegularization) (--core-reg-hidden)")
        }
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "stacked2d core configuration: \(field) \(message)" }
    }
}
