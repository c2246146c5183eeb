import Foundation

/// Layer normalisation over the last dimension: y = (x - mean) / sqrt(var + 1e-5) * weight + bias,
/// with the biased variance as PyTorch's `nn.LayerNorm`. Weight starts at 1, bias at 0.
public final class LayerNorm {
    public let width: Int
    public let epsilon: Float = 1e-5
    /// [width]
    public let weight: ParameterSlice
    /// [width]
    public let bias: ParameterSlice

    /// x̂ = (x - mean) * rstd per row: with rstd, all the backward pass needs.
    private let normalised = FloatBuffer()
    private let reciprocalStd = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var rows = 0

    public init(layout: inout ParameterLayout, name: String, width: Int, group: ParameterGroup = .core) {
        self.width = width
        weight = layout.add("\(name).weight", shape: [width], group: group, initializer: .constant(1))
        bias = layout.add("\(name).bias", shape: [width], group: group, initializer: .zeros)
    }

    /// x [rows, width] -> y [rows, width] (owned, valid until the next forward).
    public func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.rows = rows
        let xHat = normalised.reserve(rows * width)
        let rstd = reciprocalStd.reserve(rows)
        let y = output.reserve(rows * width)
        let w = params + weight.offset, b = params + bias.offset
        for r in 0..<rows {
            let xr = x + r * width, hr = xHat + r * width, yr = y + r * width
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
            rstd[r] = s
            for i in 0..<width {
                let h = (xr[i] - mean) * s
                hr[i] = h
                yr[i] = h * w[i] + b[i]
            }
        }
        return UnsafePointer(y)
    }

    /// dy [rows, width] -> dx [rows, width] (owned). Adds dweight = Σ dy x̂ and dbias = Σ dy.
    ///
    /// dx = rstd * (g - mean(g) - x̂ * mean(g x̂)) with g = dy * weight: the normalisation's
    /// Jacobian removes the components of g along 1 and along x̂.
    public func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let w = params + weight.offset
        let dw = grads + weight.offset, db = grads + bias.offset
        let dx = inputGradient.reserve(rows * width)
        let xHat = normalised.pointer, rstd = reciprocalStd.pointer
        for r in 0..<rows {
            let dyr = dy + r * width, hr = xHat + r * width, dxr = dx + r * width
            var meanG: Float = 0, meanGH: Float = 0
            for i in 0..<width {
                let g = dyr[i] * w[i]
                meanG += g
                meanGH += g * hr[i]
                dw[i] += dyr[i] * hr[i]
                db[i] += dyr[i]
            }
            meanG /= Float(width)
            meanGH /= Float(width)
            let s = rstd[r]
            for i in 0..<width {
                dxr[i] = s * (dyr[i] * w[i] - meanG - hr[i] * meanGH)
            }
        }
        return UnsafePointer(dx)
    }

    /// Floats held per sample for `rowsPerSample` rows: x̂, rstd, the output and dx.
    public func activationFloats(rowsPerSample rows: Int) -> Int { rows * (3 * width + 1) }

    var buffers: [FloatBuffer] { [normalised, reciprocalStd, output, inputGradient] }
}
