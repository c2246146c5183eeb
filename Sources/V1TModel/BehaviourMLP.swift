/// Maps a sample's behaviour to a latent vector that V1T adds to every token at the start of a
/// block: Linear(inputs -> width/2) tanh Dropout Linear(width/2 -> width) tanh.
///
/// `inputs` is 3 (pupil dilation, its derivative, running speed; behaviour mode 2) or 5 (the same
/// plus the pupil centre; modes 3 and 4). Behaviour is data, so no gradient flows to it.
public final class BehaviourMLP {
    public let inputs: Int
    public let width: Int

    let first: Linear
    let firstActivation = Tanh()
    let dropout: Dropout
    let second: Linear
    let secondActivation = Tanh()

    public init(layout: inout ParameterLayout, name: String, inputs: Int, width: Int, dropout: Float) {
        self.inputs = inputs
        self.width = width
        first = Linear(layout: &layout, name: "\(name).first", inputs: inputs, outputs: width / 2, computesInputGradient: false)
        self.dropout = Dropout(name: "\(name).dropout", rate: dropout)
        second = Linear(layout: &layout, name: "\(name).second", inputs: width / 2, outputs: width)
    }

    /// behaviour [batch, inputs] -> latent [batch, width] (owned, valid until the next forward).
    public func forward(_ behaviour: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        let hidden = first.forward(behaviour, rows: batch, params: params)
        let activated = firstActivation.forward(hidden, count: batch * (width / 2))
        let dropped = dropout.forward(activated, count: batch * (width / 2), context: context)
        let latent = second.forward(dropped, rows: batch, params: params)
        return secondActivation.forward(latent, count: batch * width)
    }

    /// dLatent [batch, width]; adds into grads.
    public func backward(_ dLatent: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let dSecond = secondActivation.backward(dLatent)
        let dDropped = second.backward(dSecond, params: params, grads: grads)!
        let dActivated = dropout.backward(dDropped)
        let dHidden = firstActivation.backward(dActivated)
        first.backward(dHidden, params: params, grads: grads)
    }

    /// Floats held per sample in training.
    public var activationFloatsPerSample: Int {
        first.activationFloats(rowsPerSample: 1)
            + firstActivation.activationFloats(floatsPerSample: width / 2)
            + dropout.activationFloats(floatsPerSample: width / 2)
            + second.activationFloats(rowsPerSample: 1)
            + secondActivation.activationFloats(floatsPerSample: width)
    }

    var buffers: [FloatBuffer] {
        first.buffers + firstActivation.buffers + dropout.buffers + second.buffers + secondActivation.buffers
    }
}
