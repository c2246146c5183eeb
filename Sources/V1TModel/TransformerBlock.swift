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

    /// Gradients and scratch, shared with the other blocks of the core.
    let workspace: Workspace

    /// [batch, tokens, width]: x + behaviour latent, the attention's input (blocks with behaviour only).
    private let withBehaviour = FloatBuffer()
    /// [batch, tokens, width]: after the attention's residual, the MLP's input.
    private let middle = FloatBuffer()
    /// [batch, tokens, width]: the block's output, the next block's input.
    private let output = FloatBuffer()
    private var batch = 0
    private var tokens = 0
    private var selectedBehaviourMLP: BehaviourMLP?

    /// `behaviourInputs` 0 for no behaviour MLP; `behaviourMLPCount` 1 (shared) or the number of mice.
    public init(layout: inout ParameterLayout, name: String, width: Int, heads: Int, headWidth: Attention.HeadWidth,
                mlpWidth: Int, dropout: Float, dropPath: Float,
                behaviourInputs: Int, behaviourMLPCount: Int, behaviourDropout: Float, workspace: Workspace = Workspace()) {
        self.width = width
        self.workspace = workspace
        attention = Attention(layout: &layout, name: "\(name).attention", width: width, heads: heads, headWidth: headWidth,
                              dropout: dropout, workspace: workspace)
        attentionDropPath = DropPath(name: "\(name).attention.drop_path", rate: dropPath)
        mlp = MLP(layout: &layout, name: "\(name).mlp", width: width, hiddenWidth: mlpWidth, dropout: dropout, workspace: workspace)
        mlpDropPath = DropPath(name: "\(name).mlp.drop_path", rate: dropPath)
        behaviourMLPs = behaviourInputs == 0 ? [] : (0..<behaviourMLPCount).map { index in
            let suffix = behaviourMLPCount == 1 ? "" : ".mouse\(index)"
            return BehaviourMLP(layout: &layout, name: "\(name).behaviour\(suffix)", inputs: behaviourInputs, width: width, dropout: behaviourDropout)
        }
    }

    /// x [batch, tokens, width] -> y [batch, tokens, width] (owned, valid until the next forward).
    /// x is borrowed until `backward`. `behaviour` [batch, behaviourInputs] is required when the
    /// block has behaviour MLPs; `behaviourMLPIndex` picks one of them (the mouse in mode 4, 0 otherwise).
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

        // Each branch writes into the buffer of the sum it feeds, then the residual is added in place.
        let afterAttention = middle.reserve(count)
        attention.forward(input, batch: batch, tokens: tokens, params: params, context: context, into: afterAttention)
        attentionDropPath.forward(afterAttention, count: count, context: context)
        for i in 0..<count { afterAttention[i] += input[i] }

        let y = output.reserve(count)
        mlp.forward(afterAttention, rows: rows, params: params, context: context, into: y)
        mlpDropPath.forward(y, count: count, context: context)
        for i in 0..<count { y[i] += afterAttention[i] }
        return UnsafePointer(y)
    }

    /// In place: `gradient` [batch, tokens, width] holds dL/dy on entry and dL/dx on return (the
    /// residual stream's gradient). Adds into grads, including the behaviour MLP used in the forward pass.
    public func backward(_ gradient: UnsafeMutablePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let count = batch * tokens * width
        // y = middle + DropPath(MLP(middle)): the skip passes dL/dy on, the branch adds its part.
        let dBranch = workspace.branchGradient.reserve(count)
        dBranch.update(from: gradient, count: count)
        mlpDropPath.backward(dBranch)
        mlp.backward(dBranch, params: params, grads: grads, addingInto: gradient)
        // middle = input + DropPath(Attention(input)), likewise.
        dBranch.update(from: gradient, count: count)
        attentionDropPath.backward(dBranch)
        attention.backward(dBranch, params: params, grads: grads, addingInto: gradient)

        if let mlp = selectedBehaviourMLP {
            // The latent was broadcast over tokens, so its gradient sums over them.
            let dl = workspace.latentGradient.zeroed(batch * width)
            for b in 0..<batch {
                for t in 0..<tokens {
                    let row = (b * tokens + t) * width
                    for e in 0..<width { dl[b * width + e] += gradient[row + e] }
                }
            }
            mlp.backward(dl, params: params, grads: grads)
        }
    }

    /// Floats this block keeps per sample of `tokens` tokens in training (its gradients are in the workspace).
    public func activationFloats(tokens: Int) -> Int {
        let stream = tokens * width
        // Every behaviour MLP keeps buffers sized for the largest micro-batch it has seen.
        let behaviour = behaviourMLPs.isEmpty ? 0 : behaviourMLPs.reduce(stream) { $0 + $1.activationFloatsPerSample }
        return behaviour + attention.activationFloats(tokens: tokens) + mlp.activationFloats(tokens: tokens) + 2 * stream
    }

    var buffers: [FloatBuffer] {
        behaviourMLPs.flatMap(\.buffers) + attention.buffers + mlp.buffers + [withBehaviour, middle, output]
    }
}
