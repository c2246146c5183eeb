import Foundation

/// Elementwise tanh (the behaviour MLP's activation). Caches its output: tanh' = 1 - tanh².
public final class Tanh {
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var count = 0

    public init() {}

    /// x [count] -> y [count] (owned, valid until the next forward).
    public func forward(_ x: UnsafePointer<Float>, count: Int) -> UnsafePointer<Float> {
        self.count = count
        let y = output.reserve(count)
        for i in 0..<count { y[i] = tanh(x[i]) }
        return UnsafePointer(y)
    }

    /// dy [count] -> dx [count] (owned).
    public func backward(_ dy: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let y = output.pointer
        let dx = inputGradient.reserve(count)
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        return UnsafePointer(dx)
    }

    /// Floats held per sample for `floatsPerSample` inputs: the output and dx.
    public func activationFloats(floatsPerSample n: Int) -> Int { 2 * n }

    var buffers: [FloatBuffer] { [output, inputGradient] }
}
