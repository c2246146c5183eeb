/// Per-mouse shifter (V1T's `CoreShifter`, used with its default shift mode 2): predicts from the
/// standardised pupil centre how far the eye looked away, as one (dx, dy) offset in readout grid
/// units that `Gaussian2DReadout` adds to every neuron's sampling position.
///
/// Network, as V1T builds it with `num_layers=3, hidden_features=5`:
/// Linear(2→5) tanh → Linear(5→5) tanh → Linear(5→2) tanh. The final tanh bounds the shift to
/// (-1, 1), i.e. at most half the feature map. PyTorch's default Linear initialisation (V1T
/// re-initialises only the core).
public final class Shifter {
    public static let hiddenFeatures = 5

    private let layers: [Linear]
    /// [batch, 2]: the pupil centre, copied (the caller's buffer is not borrowed).
    private let input = FloatBuffer()
    /// Per layer, its tanh output [batch, outputs]: the next layer's input, and what tanh' reads.
    private let activations: [FloatBuffer]
    /// Per layer, the gradient of its input [batch, inputs]; the first one is dPupilCentre.
    private let inputGradients: [FloatBuffer]
    /// [batch, 2]: the gradient of the last layer's pre-activation.
    private let outputGradient = FloatBuffer()
    private var batch = 0

    /// Parameters: `<name>.hidden1.{weight [5,2], bias [5]}`, `<name>.hidden2.{weight [5,5], bias [5]}`,
    /// `<name>.output.{weight [2,5], bias [2]}`.
    public init(layout: inout ParameterLayout, name: String, group: ParameterGroup = .readout) {
        let hidden = Self.hiddenFeatures
        layers = [("hidden1", 2, hidden), ("hidden2", hidden, hidden), ("output", hidden, 2)].map { layer, inputs, outputs in
            Linear(layout: &layout, name: "\(name).\(layer)", inputs: inputs, outputs: outputs, initialization: .pytorchDefault, group: group)
        }
        activations = layers.map { _ in FloatBuffer() }
        inputGradients = layers.map { _ in FloatBuffer() }
    }

    /// pupil centre [batch, 2] (standardised x, y) -> shift [batch, 2] (dx, dy), owned, valid until the next forward.
    public func forward(_ pupilCentre: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.batch = batch
        let pupil = input.reserve(batch * 2)
        pupil.update(from: pupilCentre, count: batch * 2)
        var x = UnsafePointer(pupil)
        for (layer, activation) in zip(layers, activations) {
            let y = activation.reserve(batch * layer.outputs)
            layer.forward(x, rows: batch, params: params, into: y)
            Tanh.forward(y, into: y, count: batch * layer.outputs)
            x = UnsafePointer(y)
        }
        return x
    }

    /// dShift [batch, 2] -> dPupilCentre [batch, 2] (owned); adds the three layers' parameter gradients.
    public func backward(_ dShift: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        var dy = UnsafePointer(dShift)
        var dPreActivation = outputGradient.reserve(batch * 2)
        for i in layers.indices.reversed() {
            let layer = layers[i]
            Tanh.backward(dy, output: activations[i].pointer, into: dPreActivation, count: batch * layer.outputs)
            let dx = inputGradients[i].reserve(batch * layer.inputs)
            layer.backward(dPreActivation, input: i == 0 ? input.pointer : activations[i - 1].pointer, rows: batch,
                           params: params, grads: grads, inputGradient: dx)
            // The next tanh's backward runs in place on this gradient.
            (dy, dPreActivation) = (UnsafePointer(dx), dx)
        }
        return dy
    }

    /// Floats held per sample: the input, the activations, the gradients.
    public var activationFloatsPerSample: Int {
        4 + layers.reduce(0) { $0 + $1.outputs + $1.inputs }
    }

    var buffers: [FloatBuffer] { [input, outputGradient] + activations + inputGradients }
}
