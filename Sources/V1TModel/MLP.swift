/// The transformer block's feed-forward branch as V1T builds it, with its pre-LayerNorm:
/// y = Dropout(Linear(hidden -> width)(Dropout(GELU(Linear(width -> hidden)(LN(x)))))).
public final class MLP {
    public let width: Int
    public let hiddenWidth: Int

    let norm: PreNorm
    let expand: Linear
    let hiddenDropout: Dropout
    let contract: Linear
    let outputDropout: Dropout
    /// Gradients, shared with the other blocks of the core.
    let workspace: Workspace

    /// [rows, hiddenWidth]: the expansion's output, GELU's input.
    private let hidden = FloatBuffer()
    /// [rows, hiddenWidth]: GELU's output after dropout (in place), the contraction's input.
    private let activated = FloatBuffer()
    private var rows = 0

    public init(layout: inout ParameterLayout, name: String, width: Int, hiddenWidth: Int, dropout: Float,
                workspace: Workspace = Workspace()) {
        self.width = width
        self.hiddenWidth = hiddenWidth
        self.workspace = workspace
        norm = PreNorm(layout: &layout, name: "\(name).norm", width: width)
        expand = Linear(layout: &layout, name: "\(name).expand", inputs: width, outputs: hiddenWidth)
        hiddenDropout = Dropout(name: "\(name).hidden_dropout", rate: dropout)
        contract = Linear(layout: &layout, name: "\(name).contract", inputs: hiddenWidth, outputs: width)
        outputDropout = Dropout(name: "\(name).output_dropout", rate: dropout)
    }

    /// x [rows, width] (rows = batch * tokens, samples one after another) -> y [rows, width].
    /// x is borrowed until `backward`.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>, context: PassContext?,
                        into y: UnsafeMutablePointer<Float>) {
        self.rows = rows
        let preActivation = hidden.reserve(rows * hiddenWidth)
        LayerProfile.time("forward  MLP LayerNorm + expand") {
            expand.forward(norm.forward(x, rows: rows, params: params), rows: rows, params: params, into: preActivation)
        }
        let activation = activated.reserve(rows * hiddenWidth)
        LayerProfile.time("forward  MLP GELU + dropout") {
            GELU.forward(preActivation, into: activation, count: rows * hiddenWidth)
            hiddenDropout.forward(activation, count: rows * hiddenWidth, context: context)
        }
        LayerProfile.time("forward  MLP contract + dropout") {
            contract.forward(activation, rows: rows, params: params, into: y)
            outputDropout.forward(y, count: rows * width, context: context)
        }
    }

    /// dy [rows, width] (overwritten: used as scratch) -> ADDS dx [rows, width] into
    /// `inputGradient`, the residual stream's gradient; adds the parameter gradients into grads.
    public func backward(_ dy: UnsafeMutablePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>,
                         addingInto inputGradient: UnsafeMutablePointer<Float>) {
        let dHidden = workspace.hiddenGradient.reserve(rows * hiddenWidth)
        LayerProfile.time("backward MLP contract + dropout") {
            outputDropout.backward(dy)
            contract.backward(dy, input: activated.pointer, rows: rows, params: params, grads: grads, inputGradient: dHidden)
        }
        LayerProfile.time("backward MLP GELU + dropout") {
            hiddenDropout.backward(dHidden)
            GELU.backward(dHidden, input: hidden.pointer, into: dHidden, count: rows * hiddenWidth)
        }
        let dNormalised = workspace.normGradient.reserve(rows * width)
        LayerProfile.time("backward MLP LayerNorm + expand") {
            expand.backward(dHidden, input: norm.output, rows: rows, params: params, grads: grads, inputGradient: dNormalised)
            norm.backward(dNormalised, params: params, grads: grads, addingInto: inputGradient)
        }
    }

    /// Floats this layer keeps per sample of `tokens` rows (its gradients are in the workspace).
    public func activationFloats(tokens: Int) -> Int {
        tokens * (norm.floatsPerRow + 2 * hiddenWidth)
    }

    var buffers: [FloatBuffer] { norm.buffers + [hidden, activated] }
}
