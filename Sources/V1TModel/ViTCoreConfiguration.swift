extension ViTCore {
    /// The sizes and rates of a V1T core. Codable so that checkpoints and run directories record it.
    public struct Configuration: Codable, Equatable, Sendable {
        public var imageChannels: Int
        public var imageHeight: Int
        public var imageWidth: Int
        public var patchSize: Int
        public var patchStride: Int
        /// Token width (V1T's emb_dim).
        public var embedding: Int
        public var blocks: Int
        public var heads: Int
        public var headWidth: Attention.HeadWidth
        /// Hidden width of each block's MLP.
        public var mlpWidth: Int
        /// Dropout on the tokens after the position embedding (V1T's p_dropout).
        public var patchDropout: Float
        /// Dropout on attention probabilities, attention output and both MLP layers (V1T's t_dropout).
        public var transformerDropout: Float
        /// Stochastic depth rate of every residual branch (V1T's drop_path).
        public var dropPath: Float
        /// Dropout between the behaviour MLP's layers. V1T never passes one, so 0 there.
        public var behaviourDropout: Float
        /// 0: none; 2: behaviour (3 values) added in every block; 3: behaviour and pupil centre
        /// (5 values); 4: as 3 with one behaviour MLP per mouse. (V1T's mode 1 is not supported.)
        public var behaviourMode: Int
        /// How many mice mode 4 keeps behaviour MLPs for (one per mouse and block); other modes ignore it.
        public var mice: Int

        public init(imageChannels: Int, imageHeight: Int, imageWidth: Int, patchSize: Int, patchStride: Int,
                    embedding: Int, blocks: Int, heads: Int, headWidth: Attention.HeadWidth, mlpWidth: Int,
                    patchDropout: Float, transformerDropout: Float, dropPath: Float, behaviourDropout: Float = 0,
                    behaviourMode: Int, mice: Int) {
            self.imageChannels = imageChannels
            self.imageHeight = imageHeight
            self.imageWidth = imageWidth
            self.patchSize = patchSize
            self.patchStride = patchStride
            self.embedding = embedding
            self.blocks = blocks
            self.heads = heads
            self.headWidth = headWidth
            self.mlpWidth = mlpWidth
            self.patchDropout = patchDropout
            self.transformerDropout = transformerDropout
            self.dropPath = dropPath
            self.behaviourDropout = behaviourDropout
            self.behaviourMode = behaviourMode
            self.mice = mice
        }

        /// V1T's tuned defaults (train.py, README example with --behavior_mode 3): 1,654 tokens of
        /// width 155, 4 blocks of 4 heads each 155 wide. ~100 GFLOP per sample forward + backward.
        public static let published = Configuration(
            imageChannels: 1, imageHeight: 36, imageWidth: 64, patchSize: 8, patchStride: 1,
            embedding: 155, blocks: 4, heads: 4, headWidth: .full, mlpWidth: 488,
            patchDropout: 0.0229, transformerDropout: 0.2544, dropPath: 0, behaviourMode: 3, mice: 1)

        /// A small core for quick runs on a laptop-class CPU: 8x15 patches (121 tokens) of width 64,
        /// 2 blocks of 4 heads 16 wide. No behaviour by default: most Allen sessions lack eye tracking.
        public static let demo = Configuration(
            imageChannels: 1, imageHeight: 36, imageWidth: 64, patchSize: 8, patchStride: 4,
            embedding: 64, blocks: 2, heads: 4, headWidth: .split, mlpWidth: 128,
            patchDropout: 0.0229, transformerDropout: 0.1, dropPath: 0, behaviourMode: 0, mice: 1)

        public var gridHeight: Int { (imageHeight - patchSize) / patchStride + 1 }
        public var gridWidth: Int { (imageWidth - patchSize) / patchStride + 1 }
        /// Patches plus the class token.
        public var tokens: Int { gridHeight * gridWidth + 1 }
        public var headDimension: Int { headWidth == .full ? embedding : embedding / heads }
        /// Behaviour values per sample the core expects: 0, 3 or 5.
        public var behaviourInputs: Int {
            switch behaviourMode {
            case 2: return 3
            case 3, 4: return 5
            default: return 0
            }
        }

        /// Throws a `ConfigurationError` naming the first field that cannot build a core.
        public func validate() throws {
            func require(_ condition: Bool, _ field: String, _ message: String) throws {
                if !condition { throw ConfigurationError(field: field, message: message) }
            }
            try require(imageChannels >= 1, "imageChannels", "must be at least 1, got \(imageChannels)")
            try require(imageHeight >= 1 && imageWidth >= 1, "imageHeight/imageWidth", "must be positive, got \(imageHeight)x\(imageWidth)")
            try require(patchSize >= 1 && patchSize <= min(imageHeight, imageWidth), "patchSize",
                        "must be between 1 and the smaller image side \(min(imageHeight, imageWidth)), got \(patchSize)")
            try require((1...max(patchSize, 1)).contains(patchStride), "patchStride",
                        "must be between 1 and patchSize \(patchSize) (V1T's rule), got \(patchStride)")
            try require(embedding >= 2, "embedding", "must be at least 2 (the behaviour MLP is embedding/2 wide), got \(embedding)")
            try require(blocks >= 1, "blocks", "must be at least 1, got \(blocks)")
            try require(heads >= 1, "heads", "must be at least 1, got \(heads)")
            try require(headWidth == .full || embedding % heads == 0, "headWidth",
                        "'split' needs embedding \(embedding) divisible by heads \(heads); use 'full' or change one of them")
            try require(mlpWidth >= 1, "mlpWidth", "must be at least 1, got \(mlpWidth)")
            for (field, rate) in [("patchDropout", patchDropout), ("transformerDropout", transformerDropout),
                                  ("dropPath", dropPath), ("behaviourDropout", behaviourDropout)] {
                try require((0..<1).contains(rate), field, "must be in [0, 1), got \(rate)")
            }
            try require([0, 2, 3, 4].contains(behaviourMode), "behaviourMode",
                        "must be 0 (none), 2 (behaviour), 3 (behaviour + pupil centre) or 4 (3 with one MLP per mouse), got \(behaviourMode)")
            try require(mice >= 1, "mice", "must be at least 1, got \(mice)")
        }
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "ViT core configuration: \(field) \(message)" }
    }
}
