/// Multi-head self-attention as V1T publishes it, with its pre-LayerNorm:
/// y = Dropout(Linear_out(concat_h Dropout(softmax(Q_h K_hᵀ · scale)) V_h)), [Q | K | V] = LN(x) W_qkvᵀ.
///
/// `to_qkv` has no bias and its output columns are [Q (h d) | K (h d) | V (h d)] as V1T's `chunk`
/// and `rearrange("b n (h d)")` read them. Each (sample, head) runs tile by tile over blocks of
/// query rows (`AttentionTiles`), its products as gemms over strided views of that buffer, so the
/// layer is bound by BLAS, not by Swift loops or memory.
///
/// The attention probabilities (heads x tokens² per sample, the dominant activation memory) are
/// stored for backward with dropped entries marked by a negative sign: softmax outputs are never
/// negative, so one Float per entry carries both P (its magnitude, needed for the softmax Jacobian)
/// and the dropout mask, without a second tokens² buffer or redrawing the mask.
public final class Attention {
    /// How wide each head is: V1T's `inner_dim = emb_dim * num_heads` makes every head as wide as
    /// the embedding (`full`); `split` is the usual ViT choice of emb/heads.
    public enum HeadWidth: String, Codable, Sendable {
        case full
        case split
    }

    public let width: Int
    public let heads: Int
    public let headWidth: Int
    /// headWidth^-0.5 (for `full` heads this is V1T's emb^-0.5).
    public let scale: Float
    public let dropoutRate: Float
    public let purpose: UInt64
    /// Query rows per tile of the score matrix (all of them when there are fewer tokens).
    public let queryBlockRows: Int

    let norm: PreNorm
    let toQKV: Linear
    let projection: Linear
    let outputDropout: Dropout
    /// Gradients and tile scratch, shared with the other blocks of the core.
    let workspace: Workspace

    /// [batch, tokens, 3 * heads * headWidth]: [Q | K | V] per token.
    private let qkv = FloatBuffer()
    /// [batch, heads, tokens, tokens], sign-marked as described above.
    let probabilities = FloatBuffer()
    /// [batch, tokens, heads * headWidth]: the projection's input.
    private let headOutputs = FloatBuffer()
    private var batch = 0
    private var tokens = 0
    /// Whether the last forward applied dropout (training with a positive rate).
    private var appliedDropout = false

    /// Query rows per tile unless a caller asks otherwise: at the published size (1654 tokens) a
    /// tile of 128 rows is 0.8 MB of scores, about one core's L2, and its products run as fast as
    /// whole-matrix ones (docs/performance.md, "Attention tile by tile").
    public static let defaultQueryBlockRows = 128

    public init(layout: inout ParameterLayout, name: String, width: Int, heads: Int, headWidth: HeadWidth, dropout: Float,
                workspace: Workspace = Workspace(), queryBlockRows: Int = Attention.defaultQueryBlockRows) {
        precondition(headWidth == .full || width % heads == 0, "\(name): split heads need the width \(width) divisible by \(heads) heads")
        precondition((0..<1).contains(dropout), "\(name): dropout must be in [0, 1), got \(dropout)")
        precondition(queryBlockRows > 0, "\(name): tiles need at least one query row, got \(queryBlockRows)")
        self.queryBlockRows = queryBlockRows
        self.width = width
        self.heads = heads
        self.headWidth = headWidth == .full ? width : width / heads
        scale = 1 / Float(self.headWidth).squareRoot()
        dropoutRate = dropout
        purpose = RandomPurpose.named("\(name).attention_dropout")
        self.workspace = workspace
        let inner = heads * self.headWidth
        norm = PreNorm(layout: &layout, name: "\(name).norm", width: width)
        toQKV = Linear(layout: &layout, name: "\(name).to_qkv", inputs: width, outputs: 3 * inner, bias: false)
        projection = Linear(layout: &layout, name: "\(name).projection", inputs: inner, outputs: width)
        outputDropout = Dropout(name: "\(name).projection_dropout", rate: dropout)
    }

    /// heads * headWidth: the width of the concatenated head outputs.
    public var innerWidth: Int { heads * headWidth }

    /// The tiles of one (sample, head) over the last forward's tokens.
    private var tiles: AttentionTiles {
        AttentionTiles(tokens: tokens, headWidth: headWidth, scale: scale, blockRows: min(queryBlockRows, tokens),
                       qkvStride: 3 * innerWidth, outputStride: innerWidth)
    }

    /// Floats of one tile of scores, [min(queryBlockRows, tokens), tokens].
    private var tileFloats: Int { min(queryBlockRows, tokens) * tokens }

    /// x [batch, tokens, width] -> y [batch, tokens, width]. x is borrowed until `backward`.
    public func forward(_ x: UnsafePointer<Float>, batch: Int, tokens: Int, params: UnsafePointer<Float>, context: PassContext?,
                        into y: UnsafeMutablePointer<Float>) {
        self.batch = batch
        self.tokens = tokens
        let inner = innerWidth, rows = batch * tokens, qkvStride = 3 * inner, square = tokens * tokens
        let qkv = qkv.reserve(rows * qkvStride)
        let normalised = LayerProfile.time("forward  attention LayerNorm + qkv") { norm.forward(x, rows: rows, params: params) }
        appliedDropout = context?.training == true && dropoutRate > 0
        let p = probabilities.reserve(batch * heads * square)
        let outputs = headOutputs.reserve(rows * inner)
        let weights = appliedDropout ? workspace.mixingWeights.reserve(tileFloats) : nil
        let tiles = self.tiles
        for b in 0..<batch {
            var random = appliedDropout ? context!.random(sample: b, purpose: purpose) : nil
            let sample = qkv + b * tokens * qkvStride
            // Sample by sample, so that its Q, K and V are still in cache when its heads read them.
            LayerProfile.time("forward  attention LayerNorm + qkv") {
                toQKV.forward(normalised + b * tokens * width, rows: tokens, params: params, into: sample)
            }
            for h in 0..<heads {
                let q = sample + h * headWidth, k = q + inner, v = k + inner
                var dropout: AttentionTiles.Dropout?
                if let weights {
                    dropout = AttentionTiles.Dropout(keepScale: 1 / (1 - dropoutRate), decisions: DropDecisions(rate: dropoutRate, random: &random!),
                                                     weights: weights)
                }
                tiles.forward(q: q, k: k, v: v, probabilities: p + (b * heads + h) * square,
                              output: outputs + b * tokens * inner + h * headWidth, dropout: &dropout)
            }
        }
        LayerProfile.time("forward  attention projection + dropout") {
            projection.forward(outputs, rows: rows, params: params, into: y)
            outputDropout.forward(y, count: rows * width, context: context)
        }
    }

    /// dy [batch, tokens, width] (overwritten: used as scratch) -> ADDS dx [batch, tokens, width]
    /// into `inputGradient`, the residual stream's gradient; adds the parameter gradients into grads.
    /// Each (sample, head) reuses the forward's probabilities (`AttentionTiles.backward`): at the
    /// published size recomputing them would cost a sixth more products and the softmax again.
    public func backward(_ dy: UnsafeMutablePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>,
                         addingInto inputGradient: UnsafeMutablePointer<Float>) {
        let inner = innerWidth, rows = batch * tokens, qkvStride = 3 * inner, square = tokens * tokens
        let dOutputs = workspace.headGradient.reserve(rows * inner)
        LayerProfile.time("backward attention projection + dropout") {
            outputDropout.backward(dy)
            projection.backward(dy, input: headOutputs.pointer, rows: rows, params: params, grads: grads, inputGradient: dOutputs)
        }
        let qkv = qkv.pointer
        let dqkv = workspace.qkvGradient.reserve(rows * qkvStride)
        let dNormalised = workspace.normGradient.reserve(rows * width)
        let p = probabilities.pointer
        let weights = appliedDropout ? workspace.mixingWeights.reserve(tileFloats) : nil
        let dScores = workspace.scoreGradient.reserve(tileFloats)
        let tiles = self.tiles
        for b in 0..<batch {
            let sample = qkv + b * tokens * qkvStride, dSample = dqkv + b * tokens * qkvStride
            for h in 0..<heads {
                let q = sample + h * headWidth, k = q + inner, v = k + inner
                let dq = dSample + h * headWidth, dk = dq + inner, dv = dk + inner
                tiles.backward(q: q, k: k, v: v, probabilities: p + (b * heads + h) * square,
                               outputGradient: dOutputs + b * tokens * inner + h * headWidth, dq: dq, dk: dk, dv: dv,
                               scoreGradient: dScores, weights: weights, keepScale: 1 / (1 - dropoutRate))
            }
            // While the sample's dQ, dK and dV are in cache: to_qkv's two backward products.
            LayerProfile.time("backward attention LayerNorm + qkv") {
                toQKV.backward(dSample, input: norm.output + b * tokens * width, rows: tokens, params: params, grads: grads,
                               inputGradient: dNormalised + b * tokens * width)
            }
        }
        LayerProfile.time("backward attention LayerNorm + qkv") {
            norm.backward(dNormalised, params: params, grads: grads, addingInto: inputGradient)
        }
    }

    /// Sample `b`'s probabilities of the last forward, [heads, tokens, tokens], without the dropout
    /// marks (the magnitudes): what attention maps read (`V1T.attentionProbabilities(sample:)`).
    func probabilities(ofSample b: Int) -> [Float] {
        precondition((0..<batch).contains(b), "attention: sample \(b) is outside the last batch of \(batch)")
        let count = heads * tokens * tokens, start = probabilities.pointer + b * count
        return (0..<count).map { abs(start[$0]) }
    }

    /// Floats this layer keeps per sample of `tokens` tokens (its gradients are in the workspace):
    /// LayerNorm statistics and output, qkv, the probabilities (which dominate) and the head outputs.
    public func activationFloats(tokens: Int) -> Int {
        tokens * (norm.floatsPerRow + 3 * innerWidth + heads * tokens + innerWidth)
    }

    var buffers: [FloatBuffer] { norm.buffers + [qkv, probabilities, headOutputs] }
}
