import Foundation

/// The model's output activation, ELU(x) + 1 with α = 1 (V1T's `ELU1`): a smooth map onto
/// (0, ∞), so predicted responses are positive, as the Poisson loss needs, and behave like x + 1
/// for large x.
public final class ELUPlusOne {
    /// Values per sample (the number of neurons of the mouse).
    public let width: Int
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var count = 0

    public init(width: Int) {
        precondition(width > 0, "ELUPlusOne needs a positive width, got \(width)")
        self.width = width
    }

    /// x [batch, width] -> y [batch, width] (owned, valid until the next forward):
    /// y = x + 1 for x > 0, exp(x) otherwise.
    public func forward(_ x: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        count = batch * width
        let y = output.reserve(count)
        for i in 0..<count { y[i] = x[i] > 0 ? x[i] + 1 : exp(x[i]) }
        return UnsafePointer(y)
    }

    /// dy [batch, width] -> dx [batch, width] (owned). The derivative is 1 for x > 0 and exp(x) = y
    /// otherwise, so it is read from the saved output.
    public func backward(_ dy: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let y = output.pointer
        let dx = inputGradient.reserve(count)
        for i in 0..<count { dx[i] = y[i] > 1 ? dy[i] : dy[i] * y[i] }
        return UnsafePointer(dx)
    }

    /// Floats held per sample: the output and its gradient.
    public var activationFloatsPerSample: Int { 2 * width }

    var buffers: [FloatBuffer] { [output, inputGradient] }
}
