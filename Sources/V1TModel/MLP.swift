/// The transformer block's feed-forward branch as V1T builds it, with its pre-LayerNorm:
/// y = Dropout(Linear(hidden -> width)(Dropout(GELU(Linear(width -> hidden)(LN(x)))))).
public final class MLP {
    public let width: Int
    public let hiddenWidth: Int

    let norm: LayerNorm
    let expand: Linear
    let activation = GELU()
    let hiddenDropout: Dropout
    let contract: Linear
    let outputDropout: Dropout
    private var rows = 0

    public init(layout: inout ParameterLayout, name: String, width: Int, hiddenWidth: Int, dropout: Float) {
        self.width = width
        self.hiddenWidth = hiddenWidth
        norm = LayerNorm(layout: &layout, name: "\(name).norm", width: width)
        expand = Linear(layout: &layout, name: "\(name).expand", inputs: width, outputs: hiddenWidth)
        hiddenDropout = Dropout(name: "\(name).hidden_dropout", rate: dropout)
        contract = Linear(layout: &layout, name: "\(name).contract", inputs: hiddenWidth, outputs: width)
        outputDropout = Dropout(name: "\(name).output_dropout", rate: dropout)
    }

    /// x [rows, width] (rows = batch * tokens, samples one after another) -> y [rows, width]
    /// (owned, valid until the next forward).
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        self.rows = rows
        let normalised = norm.forward(x, rows: rows, params: params)
        let hidden = expand.forward(normalised, rows: rows, params: params)
        let activated = activation.forward(hidden, count: rows * hiddenWidth)
        let droppedHidden = hiddenDropout.forward(activated, count: rows * hiddenWidth, context: context)
        let contracted = contract.forward(droppedHidden, rows: rows, params: params)
        return outputDropout.forward(contracted, count: rows * width, context: context)
    }

    /// dy [rows, width] -> dx [rows, width] (owned); adds into grads.
    public func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let dContracted = outputDropout.backward(dy)
        let dDroppedHidden = contract.backward(dContracted, params: params, grads: grads)!
        let dActivated = hiddenDropout.backward(dDroppedHidden)
        let dHidden = activation.backward(dActivated)
        let dNormalised = expand.backward(dHidden, params: params, grads: grads)!
        return norm.backward(dNormalised, params: params, grads: grads)
    }

    /// Floats held per sample of `tokens` rows in training.
    public func activationFloats(tokens: Int) -> Int {
        norm.activationFloats(rowsPerSample: tokens)
            + expand.activationFloats(rowsPerSample: tokens)
            + activation.activationFloats(floatsPerSample: tokens * hiddenWidth)
            + hiddenDropout.activationFloats(floatsPerSample: tokens * hiddenWidth)
            + contract.activationFloats(rowsPerSample: tokens)
            + outputDropout.activationFloats(floatsPerSample: tokens * width)
    }

    var buffers: [FloatBuffer] {
        norm.buffers + expand.buffers + activation.buffers + hiddenDropout.buffers + contract.buffers + outputDropout.buffers
    }
}
