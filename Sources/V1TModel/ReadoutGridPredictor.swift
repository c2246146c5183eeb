import Foundation

/// Predicts each neuron's mean sampling position on the core's feature map from where the neuron
/// sits in cortex (V1T's "grid predictor"): mu = tanh(Linear(30→2)(ELU(Linear(2→30)(source)))).
/// Sharing one small MLP across neurons ties neighbouring cells to neighbouring receptive fields
/// (retinotopy) instead of learning N independent positions.
///
/// `source` is the cortical (x, y) of each neuron, centred on the mean over neurons and divided by
/// the largest absolute centred coordinate (one number for both axes, so the aspect is kept).
final class ReadoutGridPredictor {
    static let hiddenFeatures = 30

    let neurons: Int
    /// [neurons, 2], normalised as described above; a constant input, so no gradient flows to it.
    private let source = FloatBuffer()
    /// V1T re-initialises only the core, so both layers keep PyTorch's default initialisation.
    private let hidden: Linear
    private let output: Linear
    /// [neurons, 30]: ELU of the hidden layer, the output layer's input (ELU's backward reads it too).
    private let activation = FloatBuffer()
    /// [neurons, 2]: mu, tanh of the output layer.
    private let positions = FloatBuffer()
    private let positionGradient = FloatBuffer()
    private let activationGradient = FloatBuffer()

    init(layout: inout ParameterLayout, name: String, neuronPositions: [(x: Float, y: Float)], group: ParameterGroup) {
        neurons = neuronPositions.count
        source.reserve(neurons * 2).update(from: Self.normalisedSource(neuronPositions), count: neurons * 2)
        hidden = Linear(layout: &layout, name: "\(name).hidden", inputs: 2, outputs: Self.hiddenFeatures,
                        initialization: .pytorchDefault, group: group)
        output = Linear(layout: &layout, name: "\(name).output", inputs: Self.hiddenFeatures, outputs: 2,
                        initialization: .pytorchDefault, group: group)
    }

    /// -> mu [neurons, 2] as (x, y) in (-1, 1) (owned, valid until the next forward).
    func forward(params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let count = neurons * Self.hiddenFeatures
        let a = activation.reserve(count)
        hidden.forward(source.pointer, rows: neurons, params: params, into: a)
        for i in 0..<count { a[i] = a[i] > 0 ? a[i] : exp(a[i]) - 1 }
        let mu = positions.reserve(neurons * 2)
        output.forward(a, rows: neurons, params: params, into: mu)
        Tanh.forward(mu, into: mu, count: neurons * 2)
        return UnsafePointer(mu)
    }

    /// dMu [neurons, 2] -> adds the gradients of both layers into grads.
    func backward(_ dMu: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let dLogits = positionGradient.reserve(neurons * 2)
        Tanh.backward(dMu, output: positions.pointer, into: dLogits, count: neurons * 2)
        let d = activationGradient.reserve(neurons * Self.hiddenFeatures)
        output.backward(dLogits, input: activation.pointer, rows: neurons, params: params, grads: grads, inputGradient: d)
        // ELU'(x) is 1 for x > 0 and exp(x) = ELU(x) + 1 otherwise; ELU(x) > 0 exactly when x > 0.
        let a = activation.pointer
        for i in 0..<(neurons * Self.hiddenFeatures) where a[i] <= 0 { d[i] *= a[i] + 1 }
        // The source positions are constants: no input gradient.
        hidden.backward(d, input: source.pointer, rows: neurons, params: params, grads: grads, inputGradient: nil)
    }

    /// Floats held whatever the batch (everything here is per neuron).
    var fixedFloats: Int { neurons * (2 + Self.hiddenFeatures + 2 + 2 + Self.hiddenFeatures) }

    var buffers: [FloatBuffer] { [source, activation, positions, positionGradient, activationGradient] }

    static func normalisedSource(_ positions: [(x: Float, y: Float)]) -> [Float] {
        let n = Float(positions.count)
        let meanX = positions.reduce(0) { $0 + $1.x } / n
        let meanY = positions.reduce(0) { $0 + $1.y } / n
        let centred = positions.flatMap { [$0.x - meanX, $0.y - meanY] }
        let largest = centred.reduce(0) { max($0, abs($1)) }
        // One neuron (or all at one spot) has nothing to scale; V1T would divide by zero here.
        return largest > 0 ? centred.map { $0 / largest } : centred
    }
}
