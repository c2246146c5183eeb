import Foundation

/// GELU in its exact form, y = x Φ(x) = x/2 (1 + erf(x/√2)), as PyTorch's default `nn.GELU()`
/// (not the tanh approximation).
public final class GELU {
    private let input = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var count = 0

    public init() {}

    /// x [count] -> y [count] (owned, valid until the next forward).
    public func forward(_ x: UnsafePointer<Float>, count: Int) -> UnsafePointer<Float> {
        self.count = count
        let saved = input.reserve(count)
        saved.update(from: x, count: count)
        let y = output.reserve(count)
        for i in 0..<count {
            y[i] = 0.5 * x[i] * (1 + erf(x[i] * Float(0.5).squareRoot()))
        }
        return UnsafePointer(y)
    }

    /// dy [count] -> dx [count] (owned): dx = dy (Φ(x) + x φ(x)).
    public func backward(_ dy: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let x = input.pointer
        let dx = inputGradient.reserve(count)
        let inverseSqrt2Pi = 1 / (2 * Float.pi).squareRoot()
        for i in 0..<count {
            let cdf = 0.5 * (1 + erf(x[i] * Float(0.5).squareRoot()))
            let pdf = inverseSqrt2Pi * exp(-0.5 * x[i] * x[i])
            dx[i] = dy[i] * (cdf + x[i] * pdf)
        }
        return UnsafePointer(dx)
    }

    /// Floats held per sample for `floatsPerSample` inputs: the cached input, the output and dx.
    public func activationFloats(floatsPerSample n: Int) -> Int { 3 * n }

    var buffers: [FloatBuffer] { [input, output, inputGradient] }
}
