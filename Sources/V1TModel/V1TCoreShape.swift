import Foundation

/// What the tensors of a V1T state_dict say about the model that wrote them: the ViT core's sizes,
/// the behaviour mode, whether it had a shifter, its mice and its regularisation scales. (Dropout
/// rates and the image size leave no trace in the weights.)
public struct V1TCoreShape {
    public let embedding: Int
    public let blocks: Int
    /// V1T's heads are each as wide as the embedding: to_qkv has 3 x heads x embedding rows.
    public let heads: Int
    public let mlpWidth: Int
    /// Channels x patch size², the patch projection's input width.
    public let patchFeatures: Int
    /// Patches plus the class token.
    public let tokens: Int
    /// The behaviour MLPs' input width (0 without), and whether there is one per mouse (mode 4).
    public let behaviourInputs: Int
    public let behaviourPerMouse: Bool
    public let hasShifter: Bool
    /// V1T's mouse ids, from the readouts' names, sorted.
    public let mouseIDs: [String]
    public let coreRegularization: Float?
    public let readoutRegularization: Float?

    public init(_ tensors: [SafeTensors.Tensor], source: String) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func shape(_ name: String) throws -> [Int] {
            guard let tensor = byName[name] else {
                throw V1TWeightsError("\(source) has no tensor \(name): it is not the state_dict of V1T's Model with the ViT core (--core vit, --patch_mode 0)")
            }
            return tensor.shape
        }
        let classToken = try shape("core.patch_embedding.cls_token")
        guard classToken.count == 3 else { throw V1TWeightsError("\(source): core.patch_embedding.cls_token has shape \(classToken), V1T's is [1, 1, embedding]") }
        embedding = classToken[2]
        let blockIndices = Set(tensors.compactMap { tensor -> Int? in
            guard tensor.name.hasPrefix("core.transformer.blocks."), tensor.name.hasSuffix(".mha.to_qkv.weight") else { return nil }
            return Int(tensor.name.dropFirst("core.transformer.blocks.".count).prefix { $0 != "." })
        })
        guard !blockIndices.isEmpty, blockIndices == Set(0..<blockIndices.count) else {
            throw V1TWeightsError("\(source): transformer blocks \(blockIndices.sorted()) are not numbered 0, 1, ...")
        }
        blocks = blockIndices.count
        let qkv = try shape("core.transformer.blocks.0.mha.to_qkv.weight")
        guard qkv.count == 2, qkv[1] == embedding, qkv[0] % (3 * embedding) == 0 else {
            throw V1TWeightsError("\(source): to_qkv has shape \(qkv), V1T's is [3 x heads x \(embedding), \(embedding)]")
        }
        heads = qkv[0] / (3 * embedding)
        mlpWidth = try shape("core.transformer.blocks.0.mlp.model.1.weight")[0]
        patchFeatures = try shape("core.patch_embedding.projection.2.weight")[1]
        tokens = try shape("core.patch_embedding.pos_embedding")[0]
        let behaviour = tensors.filter { $0.name.hasPrefix("core.transformer.blocks.0.b-mlp.models.") && $0.name.hasSuffix(".0.weight") }
        behaviourInputs = behaviour.first?.shape.last ?? 0
        behaviourPerMouse = behaviour.contains { !$0.name.contains(".models.share.") }
        hasShifter = tensors.contains { $0.name.hasPrefix("core_shifter.") }
        mouseIDs = tensors.compactMap { tensor -> String? in
            guard tensor.name.hasPrefix("readouts."), tensor.name.hasSuffix(".features") else { return nil }
            return String(tensor.name.dropFirst("readouts.".count).dropLast(".features".count))
        }.sorted()
        coreRegularization = byName["core.reg_scale"]?.values.first
        readoutRegularization = mouseIDs.first.flatMap { byName["readouts.\($0).reg_scale"]?.values.first }
    }

    /// V1T's behaviour mode: read from the behaviour MLPs (2, 3 or 4); without them, 1 when `given`
    /// says so (behaviour as image channels leaves only a wider patch projection), else 0.
    public func behaviourMode(given: Int?) -> Int {
        switch (behaviourInputs, behaviourPerMouse) {
        case (3, _): return 2
        case (5, false): return 3
        case (5, true): return 4
        default: return given == 1 ? 1 : 0
        }
    }

    public func patchSize(channels: Int) throws -> Int {
        let size = Int(Double(patchFeatures / channels).squareRoot().rounded())
        guard size * size * channels == patchFeatures else {
            throw V1TWeightsError("the patch projection reads \(patchFeatures) values, not \(channels) channel(s) x a square patch")
        }
        return size
    }

    /// The stride that gives `tokens - 1` patches of size `patchSize` on the core's input image.
    public func patchStride(patchSize: Int, imageHeight: Int, imageWidth: Int, source: String) throws -> Int {
        let strides = (1...max(patchSize, 1)).filter { stride in
            ((imageHeight - patchSize) / stride + 1) * ((imageWidth - patchSize) / stride + 1) == tokens - 1
        }
        guard let stride = strides.first else {
            throw V1TWeightsError("\(source) has \(tokens - 1) patches, which no stride of \(patchSize)-pixel patches gives on \(imageHeight)x\(imageWidth) images; check --resize-image")
        }
        return stride
    }
}
