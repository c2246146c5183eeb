/// The matrix-product work of one sample's training pass, counted from the configuration, for
/// comparing measured speed with what the hardware can do.
///
/// Per sample, forward, with T tokens, E the embedding, h heads of width d (inner width h·d),
/// M the MLP width, N = gH·gW patches of F = C·P² pixels, and 2 FLOPs per multiply-add:
///
///     tokenizer   2·N·F·E
///     qkv         2·T·E·3hd      per block
///     scores      2·h·T²·d       per block (Q Kᵀ)
///     mixing      2·h·T²·d       per block (P V)
///     projection  2·T·hd·E       per block
///     mlp         2·2·T·E·M      per block (expand and contract)
///
/// Backward does two products of the same size per forward product (the input's and the weight's
/// gradients), so training = 3 × forward, except the tokenizer: the images need no gradient, so
/// it is 2 × its forward. Everything else (LayerNorm, softmax, GELU, dropout, the readout's
/// sampling, the behaviour MLPs, the shifter) is left out: under 1% of the products at both presets.
public struct TrainingFLOPs: Codable, Equatable, Sendable {
    public var tokenizer: Int
    public var qkv: Int
    public var scores: Int
    public var mixing: Int
    public var projection: Int
    public var mlp: Int

    /// Forward FLOPs of the products listed above, all blocks together.
    public var forward: Int { tokenizer + qkv + scores + mixing + projection + mlp }

    /// Forward and backward FLOPs of one sample.
    public var training: Int { 3 * (forward - tokenizer) + 2 * tokenizer }

    public init(_ c: ViTCore.Configuration) {
        let tokens = c.tokens, width = c.embedding, inner = c.heads * c.headDimension, blocks = c.blocks
        tokenizer = 2 * c.gridHeight * c.gridWidth * c.imageChannels * c.patchSize * c.patchSize * width
        qkv = blocks * 2 * tokens * width * 3 * inner
        scores = blocks * 2 * c.heads * tokens * tokens * c.headDimension
        mixing = scores
        projection = blocks * 2 * tokens * inner * width
        mlp = blocks * 2 * 2 * tokens * width * c.mlpWidth
    }
}
