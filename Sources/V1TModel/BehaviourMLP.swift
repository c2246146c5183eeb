/// Maps a sample's behaviour to a latent vector that V1T adds to every token at the start of a
/// block: Linear(inputs -> width/2) tanh Dropout Linear(width/2 -> width) tanh.
///
/// `inputs` is 3 (pupil dilation, its derivative, running speed; behaviour mode 2) or 5 (the same
/// plus the pupil centre; modes 3 and 4). Behaviour is data, so no gradient flows to it. A few
/// floats per sample, so this module owns its gradient buffers too.
public final class BehaviourMLP {
    public let inputs: Int
    public let width: Int

    let first: Linear
    let dropout: Dropout
    let second: Linear

    /// [batch, inputs]: the behaviour, copied (an entry point of the core, see `Workspace.swift`).
    private let input = FloatBuffer()
    /// [batch, width/2]: tanh of the first layer, before dropout (tanh's backward reads it).
    private let activated = FloatBuffer()
    /// [batch, width/2]: after dropout, the second layer's input.
    private let dropped = FloatBuffer()
    /// [batch, width]: the latent, tanh of the second layer.
    private let latent = FloatBuffer()
    private let latentGradient = FloatBuffer()
    private let hiddenGradient = FloatBuffer()
    private var batch = 0

    public init(layout: inout ParameterLayout, name: String, inputs: Int, width: Int, dropout: Float) {
        self.inputs = inputs
        self.width = width
        first = Linear(layout: &layout, name: "\(name).first", inputs: inputs, outputs: width / 2)
        self.dropout = Dropout(name: "\(name).dropout", rate: dropout)
        second = Linear(layout: &layout, name: "\(name).second", inputs: width / 2, outputs: width)
    }

    private var hiddenWidth: Int { width / 2 }

    /// behaviour [batch, inputs] -> latent [batch, width] (owned, valid until the next forward).
    public func forward(_ behaviour: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        self.batch = batch
        let x = input.reserve(batch * inputs)
        x.update(from: behaviour, count: batch * inputs)
        let hidden = activated.reserve(batch * hiddenWidth)
        first.forward(x, rows: batch, params: params, into: hidden)
        Tanh.forward(hidden, into: hidden, count: batch * hiddenWidth)
        let secondInput = dropped.reserve(batch * hiddenWidth)
        secondInput.update(from: hidden, count: batch * hiddenWidth)
        dropout.forward(secondInput, count: batch * hiddenWidth, context: context)
        let y = latent.reserve(batch * width)
        second.forward(secondInput, rows: batch, params: params, into: y)
        Tanh.forward(y, into: y, count: batch * width)
        return UnsafePointer(y)
    }

    /// dLatent [batch, width]; adds into grads.
    public func backward(_ dLatent: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let dSecond = latentGradient.reserve(batch * width)
        Tanh.backward(dLatent, output: latent.pointer, into: dSecond, count: batch * width)
        let dHidden = hiddenGradient.reserve(batch * hiddenWidth)
        second.backward(dSecond, input: dropped.pointer, rows: batch, params: params, grads: grads, inputGradient: dHidden)
        dropout.backward(dHidden)
        Tanh.backward(dHidden, output: activated.pointer, into: dHidden, count: batch * hiddenWidth)
        first.backward(dHidden, input: input.pointer, rows: batch, params: params, grads: grads, inputGradient: nil)
    }

    /// Floats held per sample in training: input, both hidden copies, latent and the two gradients.
    public var activationFloatsPerSample: Int { inputs + 3 * hiddenWidth + 2 * width }

    var buffers: [FloatBuffer] { [input, activated, dropped, latent, latentGradient, hiddenGradient] }
}
