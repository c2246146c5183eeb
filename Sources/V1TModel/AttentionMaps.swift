/// Read access to what the core's attention did in the last forward pass, for attention maps
/// (attention rollout over the blocks). The probabilities are the ones each block's attention kept
/// for its backward pass, so reading them costs no extra forward.
public struct AttentionProbabilities {
    /// Tokens per sample: the class token (index 0), then the patches row-major over the grid.
    public let tokens: Int
    public let gridHeight: Int
    public let gridWidth: Int
    /// [block][head] -> [tokens, tokens] row-major: row i is how token i attends to every token.
    public let blocks: [[[Float]]]

    public init(tokens: Int, gridHeight: Int, gridWidth: Int, blocks: [[[Float]]]) {
        precondition(tokens == gridHeight * gridWidth + 1, "attention over \(tokens) tokens cannot cover a \(gridHeight)x\(gridWidth) grid and a class token")
        self.tokens = tokens
        self.gridHeight = gridHeight
        self.gridWidth = gridWidth
        self.blocks = blocks
    }
}

extension V1T {
    /// The attention probabilities of sample `b` of the last forward pass (run it in evaluation
    /// mode: in training, dropout would have removed some entries from the mixing, though not from
    /// these probabilities); nil when the core is not a ViT.
    public func attentionProbabilities(sample b: Int) -> AttentionProbabilities? {
        guard let core = vitCore else { return nil }
        let c = core.configuration
        let square = c.tokens * c.tokens
        let blocks = core.blocks.map { block -> [[Float]] in
            let all = block.attention.probabilities(ofSample: b)
            return (0..<block.attention.heads).map { Array(all[($0 * square)..<(($0 + 1) * square)]) }
        }
        return AttentionProbabilities(tokens: c.tokens, gridHeight: c.gridHeight, gridWidth: c.gridWidth, blocks: blocks)
    }
}
