import LayerKernels

/// Layer normalisation over the last dimension: y = (x - mean) / sqrt(var + 1e-5) * weight + bias,
/// with the biased variance as PyTorch's `nn.LayerNorm`. Weight starts at 1, bias at 0.
///
/// A primitive (see `Workspace.swift`): it keeps only each row's mean and 1/σ, in a buffer the
/// caller owns, and recomputes x̂ from the input in backward (the input is the residual stream,
/// which its owner keeps anyway), as llm.c does. With AVX-512 or AVX2 both passes run in C
/// (`VectorKernels`, Sources/LayerKernels): the portable loops below are
/// scalar, each of their sums one chain of dependent additions.
public final class LayerNorm {
    public let width: Int
    public let epsilon: Float = 1e-5
    /// [width]
    public let weight: ParameterSlice
    /// [width]
    public let bias: ParameterSlice

    /// Floats of `statistics` per row: the mean and 1/σ.
    public static let statisticsPerRow = 2

    public init(layout: inout ParameterLayout, name: String, width: Int, group: ParameterGroup = .core) {
        self.width = width
        weight = layout.add("\(name).weight", shape: [width], group: group, initializer: .constant(1))
        bias = layout.add("\(name).bias", shape: [width], group: group, initializer: .zeros)
    }

    /// x [rows, width] -> y [rows, width]; writes each row's (mean, 1/σ) into statistics [rows, 2]
    /// for `backward`.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>,
                        into y: UnsafeMutablePointer<Float>, statistics: UnsafeMutablePointer<Float>,
                        kernels: VectorKernels = .inUse) {
        let w = params + weight.offset, b = params + bias.offset
        switch kernels {
        case .avx512: return vita_layer_norm_forward_avx512(x, rows, width, w, b, epsilon, y, statistics)
        case .avx2: return vita_layer_norm_forward_avx2(x, rows, width, w, b, epsilon, y, statistics)
        case .portable: break
        }
        for r in 0..<rows {
            let xr = x + r * width, yr = y + r * width
            var sum: Float = 0
            for i in 0..<width { sum += xr[i] }
            let mean = sum / Float(width)
            // Two passes (mean first) rather than E[x²] - mean², which cancels badly in Float.
            var squares: Float = 0
            for i in 0..<width {
                let d = xr[i] - mean
                squares += d * d
            }
            let s = 1 / (squares / Float(width) + epsilon).squareRoot()
            statistics[2 * r] = mean
            statistics[2 * r + 1] = s
            for i in 0..<width { yr[i] = (xr[i] - mean) * s * w[i] + b[i] }
        }
    }

    /// dy [rows, width], the forward's input x and statistics: adds dweight = Σ dy x̂ and
    /// dbias = Σ dy into grads and ADDS dx [rows, width] into `inputGradient` (the gradient of the
    /// residual stream, which every branch adds into).
    ///
    /// dx = rstd * (g - mean(g) - x̂ * mean(g x̂)) with g = dy * weight: the normalisation's
    /// Jacobian removes the components of g along 1 and along x̂.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, statistics: UnsafePointer<Float>, rows: Int,
                         params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>, addingInto dx: UnsafeMutablePointer<Float>,
                         kernels: VectorKernels = .inUse) {
        let w = params + weight.offset
        let dw = grads + weight.offset, db = grads + bias.offset
        switch kernels {
        case .avx512: return vita_layer_norm_backward_avx512(dy, x, statistics, rows, width, w, dw, db, dx)
        case .avx2: return vita_layer_norm_backward_avx2(dy, x, statistics, rows, width, w, dw, db, dx)
        case .portable: break
        }
        for r in 0..<rows {
            let dyr = dy + r * width, xr = x + r * width, dxr = dx + r * width
            let mean = statistics[2 * r], s = statistics[2 * r + 1]
            var meanG: Float = 0, meanGH: Float = 0
            for i in 0..<width {
                let h = (xr[i] - mean) * s
                let g = dyr[i] * w[i]
                meanG += g
                meanGH += g * h
                dw[i] += dyr[i] * h
                db[i] += dyr[i]
            }
            meanG /= Float(width)
            meanGH /= Float(width)
            for i in 0..<width {
                let h = (xr[i] - mean) * s
                dxr[i] += s * (dyr[i] * w[i] - meanG - h * meanGH)
            }
        }
    }
}
