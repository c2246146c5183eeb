/// Multi-head self-attention as V1T publishes it, with its pre-LayerNorm:
/// y = Dropout(Linear_out(concat_h Dropout(softmax(Q_h K_hᵀ · scale)) V_h)), [Q | K | V] = LN(x) W_qkvᵀ.
///
/// `to_qkv` has no bias and its output columns are [Q (h d) | K (h d) | V (h d)] as V1T's `chunk`
/// and `rearrange("b n (h d)")` read them. Each (sample, head) product runs as a gemm over strided
/// views of that buffer, so the layer is bound by BLAS, not by Swift loops.
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

    let norm: PreNorm
    let toQKV: Linear
    let projection: Linear
    let outputDropout: Dropout
    /// Gradients and tokens² scratch, shared with the other blocks of the core.
    let workspace: Workspace

    /// [batch, tokens, 3 * heads * headWidth]: [Q | K | V] per token.
    private let qkv = FloatBuffer()
    /// [batch, heads, tokens, tokens], sign-marked as described above.
    private let probabilities = FloatBuffer()
    /// [batch, tokens, heads * headWidth]: the projection's input.
    private let headOutputs = FloatBuffer()
    private var batch = 0
    private var tokens = 0
    /// Whether the last forward applied dropout (training with a positive rate).
    private var appliedDropout = false

    public init(layout: inout ParameterLayout, name: String, width: Int, heads: Int, headWidth: HeadWidth, dropout: Float,
                workspace: Workspace = Workspace()) {
        precondition(headWidth == .full || width % heads == 0, "\(name): split heads need the width \(width) divisible by \(heads) heads")
        precondition((0..<1).contains(dropout), "\(name): dropout must be in [0, 1), got \(dropout)")
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

    /// x [batch, tokens, width] -> y [batch, tokens, width]. x is borrowed until `backward`.
    public func forward(_ x: UnsafePointer<Float>, batch: Int, tokens: Int, params: UnsafePointer<Float>, context: PassContext?,
                        into y: UnsafeMutablePointer<Float>) {
        self.batch = batch
        self.tokens = tokens
        let inner = innerWidth, rows = batch * tokens, qkvStride = 3 * inner, square = tokens * tokens
        let qkv = qkv.reserve(rows * qkvStride)
        LayerProfile.time("forward  attention LayerNorm + qkv") {
            toQKV.forward(norm.forward(x, rows: rows, params: params), rows: rows, params: params, into: qkv)
        }
        appliedDropout = context?.training == true && dropoutRate > 0
        let p = probabilities.reserve(batch * heads * square)
        let outputs = headOutputs.reserve(rows * inner)
        let weights = appliedDropout ? workspace.mixingWeights.reserve(square) : nil
        let keepScale = 1 / (1 - dropoutRate)
        for b in 0..<batch {
            var random = appliedDropout ? context!.random(sample: b, purpose: purpose) : nil
            let sample = qkv + b * tokens * qkvStride
            for h in 0..<heads {
                let q = sample + h * headWidth, k = q + inner, v = k + inner
                let ph = p + (b * heads + h) * square
                LayerProfile.time("forward  attention scores Q Kᵀ") {
                    gemm(transposeB: true, m: tokens, n: tokens, k: headWidth,
                         alpha: scale, q, lda: qkvStride, k, ldb: qkvStride, ph)
                }
                LayerProfile.time("forward  attention softmax + dropout") {
                    var decisions = weights == nil ? nil : DropDecisions(rate: dropoutRate, random: &random!)
                    for i in 0..<tokens {
                        // Dropout is drawn row by row while the row is still in cache from its softmax.
                        let row = ph + i * tokens
                        softmaxInPlace(row, count: tokens)
                        if let weights { markDropped(row, weights: weights + i * tokens, count: tokens, keepScale: keepScale, decisions: &decisions!) }
                    }
                }
                let mixing = weights.map { UnsafePointer($0) } ?? UnsafePointer(ph)
                LayerProfile.time("forward  attention mixing P V") {
                    gemm(m: tokens, n: headWidth, k: tokens, mixing, v, ldb: qkvStride,
                         outputs + b * tokens * inner + h * headWidth, ldc: inner)
                }
            }
        }
        LayerProfile.time("forward  attention projection + dropout") {
            projection.forward(outputs, rows: rows, params: params, into: y)
            outputDropout.forward(y, count: rows * width, context: context)
        }
    }

    /// dy [batch, tokens, width] (overwritten: used as scratch) -> ADDS dx [batch, tokens, width]
    /// into `inputGradient`, the residual stream's gradient; adds the parameter gradients into grads.
    ///
    /// Per (sample, head), with W the dropped-and-rescaled probabilities and P the probabilities:
    /// dV = Wᵀ dO, dW = dO Vᵀ, dS = W ⊙ dW - P ⊙ rowsum(W ⊙ dW) (the softmax Jacobian, using
    /// P ⊙ dP = W ⊙ dW), dQ = scale dS K, dK = scale dSᵀ Q.
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
        let p = probabilities.pointer
        let weights = appliedDropout ? workspace.mixingWeights.reserve(square) : nil
        let dScores = workspace.scoreGradient.reserve(square)
        let keepScale = 1 / (1 - dropoutRate)
        for b in 0..<batch {
            let sample = qkv + b * tokens * qkvStride, dSample = dqkv + b * tokens * qkvStride
            for h in 0..<heads {
                let q = sample + h * headWidth, k = q + inner, v = k + inner
                let dq = dSample + h * headWidth, dk = dq + inner, dv = dk + inner
                let dOut = dOutputs + b * tokens * inner + h * headWidth
                let ph = p + (b * heads + h) * square
                LayerProfile.time("backward attention dW = dO Vᵀ") {
                    gemm(transposeB: true, m: tokens, n: tokens, k: headWidth, dOut, lda: inner, v, ldb: qkvStride, dScores)
                }
                LayerProfile.time("backward attention softmax") {
                    // Row by row while each row is in cache: the mixing weights W from the signed
                    // store (with dropout), then the softmax's backward.
                    for i in 0..<tokens {
                        softmaxBackwardRow(dScores + i * tokens, stored: ph + i * tokens, weights: weights.map { $0 + i * tokens },
                                           keepScale: keepScale, count: tokens)
                    }
                }
                let mixing = weights.map { UnsafePointer($0) } ?? UnsafePointer(ph)
                LayerProfile.time("backward attention dV = Wᵀ dO") {
                    gemm(transposeA: true, m: tokens, n: headWidth, k: tokens, mixing, dOut, ldb: inner, dv, ldc: qkvStride)
                }
                LayerProfile.time("backward attention dQ = dS K, dK = dSᵀ Q") {
                    gemm(m: tokens, n: headWidth, k: tokens, alpha: scale, dScores, k, ldb: qkvStride, dq, ldc: qkvStride)
                    gemm(transposeA: true, m: tokens, n: headWidth, k: tokens, alpha: scale, dScores, q, ldb: qkvStride, dk, ldc: qkvStride)
                }
            }
        }
        let dNormalised = workspace.normGradient.reserve(rows * width)
        LayerProfile.time("backward attention LayerNorm + qkv") {
            toQKV.backward(dqkv, input: norm.output, rows: rows, params: params, grads: grads, inputGradient: dNormalised)
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

/// Draws the dropout decisions of one row of probabilities: negates the dropped ones in place and
/// writes the mixing weights (0 where dropped, p / keep elsewhere).
private func markDropped(_ probabilities: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>, count: Int,
                         keepScale: Float, decisions: inout DropDecisions) {
    var j = 0
    while j < count {
        let lanes = min(16, count - j), dropped = decisions.next()
        let p = loadPartialLanes(probabilities + j, count: lanes, padding: 0)
        storePartialLanes(p.replacing(with: -p, where: dropped), probabilities + j, count: lanes)
        storePartialLanes((p * keepScale).replacing(with: 0, where: dropped), weights + j, count: lanes)
        j += 16
    }
}

/// One query row of the softmax's backward, in place: gradient[j] <- w[j] g[j] - |stored[j]| Σ_k w[k] g[k],
/// for g the gradient w.r.t. the mixing weights w; |stored| is the softmax probability. With
/// dropout, w = max(stored, 0) · keepScale (the dropped-and-rescaled probabilities recovered from
/// the signed store) is also written to `weights`, for dV = Wᵀ dO; without, w = stored.
private func softmaxBackwardRow(_ gradient: UnsafeMutablePointer<Float>, stored: UnsafePointer<Float>,
                                weights: UnsafeMutablePointer<Float>?, keepScale: Float, count: Int) {
    var sums = Float16Lanes.zero
    var j = 0
    while j < count {
        let lanes = min(16, count - j)
        var w = loadPartialLanes(stored + j, count: lanes, padding: 0)
        if let weights {
            w = w.replacing(with: 0, where: w .< 0) * keepScale
            storePartialLanes(w, weights + j, count: lanes)
        }
        let product = w * loadPartialLanes(gradient + j, count: lanes, padding: 0)
        storePartialLanes(product, gradient + j, count: lanes)
        sums += product
        j += 16
    }
    let totals = Float16Lanes(repeating: sums.sum())
    j = 0
    while j < count {
        let lanes = min(16, count - j)
        let magnitude = absoluteValue(loadPartialLanes(stored + j, count: lanes, padding: 0))
        storePartialLanes(loadPartialLanes(gradient + j, count: lanes, padding: 0) - magnitude * totals, gradient + j, count: lanes)
        j += 16
    }
}
