/// Fully connected layer y = x Wᵀ + b, with W stored [outputs, inputs] as PyTorch stores it (so a
/// checkpoint can be compared with V1T's tensor by tensor).
///
/// A primitive (see `Workspace.swift` for who owns which buffer): it reads and writes the pointers
/// it is given and keeps nothing between forward and backward, so the caller passes the forward's
/// input again to `backward`.
public final class Linear {
    public enum Initialization: Sendable {
        /// V1T's `Transformer.init_weight`: weight truncated normal with std 0.02, bias 0.
        case transformer
        /// PyTorch's `nn.Linear` default, U(-1/√inputs, 1/√inputs) for weight and bias: what the
        /// layers V1T does not re-initialise keep (the patch projection, since `Image2Patches`
        /// re-initialises only convolutions; the readout's grid predictor; the shifter).
        case pytorchDefault
    }

    public let inputs: Int
    public let outputs: Int
    /// [outputs, inputs]
    public let weight: ParameterSlice
    /// [outputs], nil without bias (V1T's `to_qkv` has none).
    public let bias: ParameterSlice?

    public init(layout: inout ParameterLayout, name: String, inputs: Int, outputs: Int, bias: Bool = true,
                initialization: Initialization = .transformer, group: ParameterGroup = .core) {
        self.inputs = inputs
        self.outputs = outputs
        let bound = 1 / Float(inputs).squareRoot()
        let (weightInitializer, biasInitializer): (Initializer, Initializer) = switch initialization {
        case .transformer: (.truncatedNormal(std: 0.02), .zeros)
        case .pytorchDefault: (.uniform(low: -bound, high: bound), .uniform(low: -bound, high: bound))
        }
        weight = layout.add("\(name).weight", shape: [outputs, inputs], group: group, initializer: weightInitializer)
        self.bias = bias ? layout.add("\(name).bias", shape: [outputs], group: group, initializer: biasInitializer) : nil
    }

    /// x [rows, inputs] -> y [rows, outputs] (y must not overlap x).
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        if let bias {
            let b = params + bias.offset
            for r in 0..<rows { (y + r * outputs).update(from: b, count: outputs) }
        }
        gemm(transposeB: true, m: rows, n: outputs, k: inputs, x, params + weight.offset, beta: bias == nil ? 0 : 1, y)
    }

    /// dy [rows, outputs] and the forward's input x [rows, inputs]: adds dW = dyᵀ x and
    /// db = Σ_rows dy into grads, and writes dx = dy W [rows, inputs] into `inputGradient` unless
    /// it is nil (nothing upstream needs it, e.g. for the image patches).
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>,
                         grads: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?) {
        gemm(transposeA: true, m: outputs, n: inputs, k: rows, dy, x, beta: 1, grads + weight.offset)
        if let bias { addColumnSums(dy, rows: rows, columns: outputs, into: grads + bias.offset) }
        if let dx { gemm(m: rows, n: inputs, k: outputs, dy, params + weight.offset, dx) }
    }
}

/// sums[c] += Σ_r matrix[r, c] for a row-major [rows, columns] matrix (bias gradients).
func addColumnSums(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = matrix + r * columns
        for c in 0..<columns { sums[c] += row[c] }
    }
}
