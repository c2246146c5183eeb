/// The affine map y = x Wᵀ + b of the small MLPs around the core (the readout's grid predictor and
/// the shifter). Kept private to the readout side so it cannot be confused with the core's `Linear`.
///
/// Initialisation is PyTorch's default for `nn.Linear`, U(-1/√in, 1/√in) for weight and bias: V1T
/// re-initialises only the core's layers (truncated normal), so these modules keep the default.
final class ReadoutDense {
    let inputs: Int
    let outputs: Int
    /// [outputs, inputs], row-major as PyTorch stores it.
    let weight: ParameterSlice
    /// [outputs]
    let bias: ParameterSlice

    private let input = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var rows = 0

    init(layout: inout ParameterLayout, name: String, inputs: Int, outputs: Int, group: ParameterGroup) {
        self.inputs = inputs
        self.outputs = outputs
        let bound = 1 / Float(inputs).squareRoot()
        weight = layout.add("\(name).weight", shape: [outputs, inputs], group: group,
                            initializer: .uniform(low: -bound, high: bound))
        bias = layout.add("\(name).bias", shape: [outputs], group: group,
                          initializer: .uniform(low: -bound, high: bound))
    }

    /// x [rows, inputs] -> y [rows, outputs] (owned, valid until the next forward).
    /// The input is copied, so the caller may reuse its buffer before `backward`.
    func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.rows = rows
        let saved = input.reserve(rows * inputs)
        saved.update(from: x, count: rows * inputs)
        let y = output.reserve(rows * outputs)
        let b = params + bias.offset
        for r in 0..<rows {
            for o in 0..<outputs { y[r * outputs + o] = b[o] }
        }
        gemm(transposeB: true, m: rows, n: outputs, k: inputs,
             saved, params + weight.offset, beta: 1, y)
        return UnsafePointer(y)
    }

    /// dy [rows, outputs] -> dx [rows, inputs] (owned); adds dW = dyᵀ x and db = Σ_rows dy into grads.
    func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        gemm(transposeA: true, m: outputs, n: inputs, k: rows,
             dy, input.pointer, beta: 1, grads + weight.offset)
        let db = grads + bias.offset
        for r in 0..<rows {
            for o in 0..<outputs { db[o] += dy[r * outputs + o] }
        }
        let dx = inputGradient.reserve(rows * inputs)
        gemm(m: rows, n: inputs, k: outputs, dy, params + weight.offset, dx)
        return UnsafePointer(dx)
    }
}
