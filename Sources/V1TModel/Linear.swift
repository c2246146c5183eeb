/// Fully connected layer y = x Wᵀ + b, with W stored [outputs, inputs] as PyTorch stores it (so a
/// checkpoint can be compared with V1T's tensor by tensor).
public final class Linear {
    public enum Initialization: Sendable {
        /// V1T's `Transformer.init_weight`: weight truncated normal with std 0.02, bias 0.
        case transformer
        /// PyTorch's `nn.Linear` default, U(-1/√inputs, 1/√inputs) for weight and bias: what V1T's
        /// patch projection keeps, since `Image2Patches` re-initialises only convolutions.
        case pytorchDefault
    }

    public let inputs: Int
    public let outputs: Int
    /// [outputs, inputs]
    public let weight: ParameterSlice
    /// [outputs], nil without bias (V1T's `to_qkv` has none).
    public let bias: ParameterSlice?
    /// False when nothing upstream needs dL/dx (the tokenizer's input is the image): saves a gemm.
    public let computesInputGradient: Bool

    private let input = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var rows = 0

    public init(layout: inout ParameterLayout, name: String, inputs: Int, outputs: Int, bias: Bool = true,
                computesInputGradient: Bool = true, initialization: Initialization = .transformer, group: ParameterGroup = .core) {
        self.inputs = inputs
        self.outputs = outputs
        self.computesInputGradient = computesInputGradient
        let bound = 1 / Float(inputs).squareRoot()
        let (weightInitializer, biasInitializer): (Initializer, Initializer) = switch initialization {
        case .transformer: (.truncatedNormal(std: 0.02), .zeros)
        case .pytorchDefault: (.uniform(low: -bound, high: bound), .uniform(low: -bound, high: bound))
        }
        weight = layout.add("\(name).weight", shape: [outputs, inputs], group: group, initializer: weightInitializer)
        self.bias = bias ? layout.add("\(name).bias", shape: [outputs], group: group, initializer: biasInitializer) : nil
    }

    /// x [rows, inputs] -> y [rows, outputs] (owned, valid until the next forward). x is copied, so
    /// the caller may reuse its buffer before `backward`.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.rows = rows
        let saved = input.reserve(rows * inputs)
        saved.update(from: x, count: rows * inputs)
        let y = output.reserve(rows * outputs)
        if let bias {
            let b = params + bias.offset
            for r in 0..<rows { (y + r * outputs).update(from: b, count: outputs) }
        }
        gemm(transposeB: true, m: rows, n: outputs, k: inputs,
             saved, params + weight.offset, beta: bias == nil ? 0 : 1, y)
        return UnsafePointer(y)
    }

    /// dy [rows, outputs] -> dx [rows, inputs] (owned), or nil when `computesInputGradient` is
    /// false. Adds dW = dyᵀ x and db = Σ_rows dy into grads.
    @discardableResult
    public func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>? {
        gemm(transposeA: true, m: outputs, n: inputs, k: rows, dy, input.pointer, beta: 1, grads + weight.offset)
        if let bias {
            let db = grads + bias.offset
            for r in 0..<rows {
                let row = dy + r * outputs
                for o in 0..<outputs { db[o] += row[o] }
            }
        }
        guard computesInputGradient else { return nil }
        let dx = inputGradient.reserve(rows * inputs)
        gemm(m: rows, n: inputs, k: outputs, dy, params + weight.offset, dx)
        return UnsafePointer(dx)
    }

    /// The last forward's output, for composite layers that reuse it in their own backward.
    var outputPointer: UnsafePointer<Float> { UnsafePointer(output.pointer) }

    /// Floats held per sample for `rowsPerSample` rows: the cached input, the output and dx.
    public func activationFloats(rowsPerSample rows: Int) -> Int {
        rows * (inputs + outputs + (computesInputGradient ? inputs : 0))
    }

    var buffers: [FloatBuffer] { [input, output, inputGradient] }
}
