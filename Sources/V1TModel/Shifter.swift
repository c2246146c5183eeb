import Foundation

/// Per-mouse shifter (V1T's `CoreShifter`, used with its default shift mode 2): predicts from the
/// standardised pupil centre how far the eye looked away, as one (dx, dy) offset in readout grid
/// units that `Gaussian2DReadout` adds to every neuron's sampling position.
///
/// Network, as V1T builds it with `num_layers=3, hidden_features=5`:
/// Linear(2→5) tanh → Linear(5→5) tanh → Linear(5→2) tanh. The final tanh bounds the shift to
/// (-1, 1), i.e. at most half the feature map. PyTorch's default Linear initialisation.
public final class Shifter {
    public static let hiddenFeatures = 5

    private let first: ReadoutDense
    private let second: ReadoutDense
    private let last: ReadoutDense
    /// tanh outputs of the three layers, kept for the backward pass.
    private let firstActivation = FloatBuffer()
    private let secondActivation = FloatBuffer()
    private let shift = FloatBuffer()
    private let gradient = FloatBuffer()
    private var batch = 0

    /// Parameters: `<name>.hidden1.{weight [5,2], bias [5]}`, `<name>.hidden2.{weight [5,5], bias [5]}`,
    /// `<name>.output.{weight [2,5], bias [2]}`.
    public init(layout: inout ParameterLayout, name: String, group: ParameterGroup = .readout) {
        let hidden = Self.hiddenFeatures
        first = ReadoutDense(layout: &layout, name: "\(name).hidden1", inputs: 2, outputs: hidden, group: group)
        second = ReadoutDense(layout: &layout, name: "\(name).hidden2", inputs: hidden, outputs: hidden, group: group)
        last = ReadoutDense(layout: &layout, name: "\(name).output", inputs: hidden, outputs: 2, group: group)
    }

    /// pupil centre [batch, 2] (standardised x, y) -> shift [batch, 2] (dx, dy), owned, valid until the next forward.
    public func forward(_ pupilCentre: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.batch = batch
        let hidden = Self.hiddenFeatures
        let a1 = firstActivation.reserve(batch * hidden)
        Self.tanh(first.forward(pupilCentre, rows: batch, params: params), into: a1, count: batch * hidden)
        let a2 = secondActivation.reserve(batch * hidden)
        Self.tanh(second.forward(a1, rows: batch, params: params), into: a2, count: batch * hidden)
        let out = shift.reserve(batch * 2)
        Self.tanh(last.forward(a2, rows: batch, params: params), into: out, count: batch * 2)
        return UnsafePointer(out)
    }

    /// dShift [batch, 2] -> dPupilCentre [batch, 2] (owned); adds the three layers' parameter gradients.
    public func backward(_ dShift: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let hidden = Self.hiddenFeatures
        let d = gradient.reserve(batch * hidden)
        Self.tanhBackward(dShift, output: shift.pointer, into: d, count: batch * 2)
        var upstream = last.backward(d, params: params, grads: grads)
        Self.tanhBackward(upstream, output: secondActivation.pointer, into: d, count: batch * hidden)
        upstream = second.backward(d, params: params, grads: grads)
        Self.tanhBackward(upstream, output: firstActivation.pointer, into: d, count: batch * hidden)
        return first.backward(d, params: params, grads: grads)
    }

    private static func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
    }

    /// d tanh(x)/dx = 1 - tanh(x)², from the saved output.
    private static func tanhBackward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                     into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
