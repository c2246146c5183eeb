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

    private let layers: [(linear: Linear, activation: Tanh)]

    /// Parameters: `<name>.hidden1.{weight [5,2], bias [5]}`, `<name>.hidden2.{weight [5,5], bias [5]}`,
    /// `<name>.output.{weight [2,5], bias [2]}`.
    public init(layout: inout ParameterLayout, name: String, group: ParameterGroup = .readout) {
        let hidden = Self.hiddenFeatures
        layers = [("hidden1", 2, hidden), ("hidden2", hidden, hidden), ("output", hidden, 2)].map { layer, inputs, outputs in
            (Linear(layout: &layout, name: "\(name).\(layer)", inputs: inputs, outputs: outputs,
                    initialization: .pytorchDefault, group: group), Tanh())
        }
    }

    /// pupil centre [batch, 2] (standardised x, y) -> shift [batch, 2] (dx, dy), owned, valid until the next forward.
    public func forward(_ pupilCentre: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        layers.reduce(pupilCentre) { x, layer in
            layer.activation.forward(layer.linear.forward(x, rows: batch, params: params), count: batch * layer.linear.outputs)
        }
    }

    /// dShift [batch, 2] -> dPupilCentre [batch, 2] (owned); adds the three layers' parameter gradients.
    public func backward(_ dShift: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        layers.reversed().reduce(dShift) { dy, layer in
            layer.linear.backward(layer.activation.backward(dy), params: params, grads: grads)!
        }
    }
}
