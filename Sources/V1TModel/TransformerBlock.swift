/// One V1T block (pre-norm, no final LayerNorm):
///   x = x + bmlp(behaviour)                  (behaviour modes 2-4, broadcast over tokens)
///   x = x + DropPath(Attention(LN(x)))
///   x = x + DropPath(MLP(LN(x)))
public final class TransformerBlock {
    public let width: Int
    public let attention: Attention
    public let mlp: MLP
    let attentionDropPath: DropPath
    let mlpDropPath: DropPath
    /// Empty without behaviour; one shared MLP (modes 2, 3) or one per mouse (mode 4).
    public let behaviourMLPs: [BehaviourMLP]

    private let withBehaviour = FloatBuffer()
    private let afterAttention = FloatBuffer()
    private let output = FloatBuffer()
    private let dAfterAttention = FloatBuffer()
    private let dInput = FloatBuffer()
    private let dLatent = FloatBuffer()
    private var batch = 0
    private var tokens = 0
    private var selectedBehaviourMLP: BehaviourMLP?

    /// `behaviourInputs` 0 for no behaviour MLP; `behaviourMLPCount` 1 (shared) or the number of mice.
    public init(layout: inout ParameterLayout, name: String, width: Int, heads: Int, headWidth: Attention.HeadWidth,
                mlpWidth: Int, dropout: Float, dropPath: Float,
                behaviourInputs: Int, behaviourMLPCount: Int, behaviourDropout: Float) {
        self.width = width
        attention = Attention(layout: &layout, name: "\(name).attention", width: width, heads: heads, headWidth: headWidth, dropout: dropout)
        attentionDropPath = DropPath(name: "\(name).attention.drop_path", rate: dropPath)
        mlp = MLP(layout: &layout, name: "\(name).mlp", width: width, hiddenWidth: mlpWidth, dropout: dropout)
        mlpDropPath = DropPath(name: "\(name).mlp.drop_path", rate: dropPath)
        behaviourMLPs = behaviourInputs == 0 ? [] : (0..<behaviourMLPCount).map { index in
            let suffix = behaviourMLPCount == 1 ? "" : ".mouse\(index)"
            return BehaviourMLP(layout: &layout, name: "\(name).behaviour\(suffix)", inputs: behaviourInputs, width: width, dropout: behaviourDropout)
        }
    }

    /// x [batch, tokens, width] -> y [batch, tokens, width] (owned, valid until the next forward).
    /// `behaviour` [batch, behaviourInputs] is required when the block has behaviour MLPs;
    /// `behaviourMLPIndex` picks one of them (the mouse in mode 4, 0 otherwise).
    public func forward(_ x: UnsafePointer<Float>, batch: Int, tokens: Int, behaviour: UnsafePointer<Float>?, behaviourMLPIndex: Int,
                        params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        self.batch = batch
        self.tokens = tokens
        let rows = batch * tokens, count = rows * width
        var input = x
        selectedBehaviourMLP = nil
        if !behaviourMLPs.isEmpty {
            guard let behaviour else { preconditionFailure("this block adds behaviour: pass the behaviour inputs") }
            let mlp = behaviourMLPs[behaviourMLPIndex]
            selectedBehaviourMLP = mlp
            let latent = mlp.forward(behaviour, batch: batch, params: params, context: context)
            let shifted = withBehaviour.reserve(count)
            for b in 0..<batch {
                for t in 0..<tokens {
                    let row = (b * tokens + t) * width
                    for e in 0..<width { shifted[row + e] = x[row + e] + latent[b * width + e] }
                }
            }
            input = UnsafePointer(shifted)
        }

        let attended = attentionDropPath.forward(
            attention.forward(input, batch: batch, tokens: tokens, params: params, context: context), count: count, context: context)
        let middle = afterAttention.reserve(count)
        for i in 0..<count { middle[i] = input[i] + attended[i] }

        let transformed = mlpDropPath.forward(mlp.forward(middle, rows: rows, params: params, context: context), count: count, context: context)
        let y = output.reserve(count)
        for i in 0..<count { y[i] = middle[i] + transformed[i] }
        return UnsafePointer(y)
    }

    /// dy [batch, tokens, width] -> dx [batch, tokens, width] (owned); adds into grads, including
    /// the behaviour MLP used in the forward pass.
    public func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let count = batch * tokens * width
        let dTransformed = mlp.backward(mlpDropPath.backward(dy), params: params, grads: grads)
        let dMiddle = dAfterAttention.reserve(count)
        for i in 0..<count { dMiddle[i] = dy[i] + dTransformed[i] }

        let dAttended = attention.backward(attentionDropPath.backward(dMiddle), params: params, grads: grads)
        let dx = dInput.reserve(count)
        for i in 0..<count { dx[i] = dMiddle[i] + dAttended[i] }

        if let mlp = selectedBehaviourMLP {
            // The latent was broadcast over tokens, so its gradient sums over them.
            let dl = dLatent.zeroed(batch * width)
            for b in 0..<batch {
                for t in 0..<tokens {
                    let row = (b * tokens + t) * width
                    for e in 0..<width { dl[b * width + e] += dx[row + e] }
                }
            }
            mlp.backward(dl, params: params, grads: grads)
        }
        return UnsafePointer(dx)
    }

    /// Floats held per sample of `tokens` tokens in training.
    public func activationFloats(tokens: Int) -> Int {
        let stream = tokens * width
        // Every behaviour MLP keeps buffers sized for the largest micro-batch it has seen.
        let behaviour = behaviourMLPs.isEmpty ? 0 : behaviourMLPs.reduce(stream + width) { $0 + $1.activationFloatsPerSample }
        return behaviour
            + attention.activationFloats(tokens: tokens) + attentionDropPath.activationFloats(floatsPerSample: stream)
            + mlp.activationFloats(tokens: tokens) + mlpDropPath.activationFloats(floatsPerSample: stream)
            + 4 * stream
    }

    var buffers: [FloatBuffer] {
        behaviourMLPs.flatMap(\.buffers) + attention.buffers + attentionDropPath.buffers + mlp.buffers + mlpDropPath.buffers
            + [withBehaviour, afterAttention, output, dAfterAttention, dInput, dLatent]
    }
}
