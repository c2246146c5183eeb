import Foundation

/// GELU in its exact form, y = x Φ(x) = x/2 (1 + erf(x/√2)), as PyTorch's default `nn.GELU()`
/// (not the tanh approximation). A primitive: no state; backward reads the forward's input.
public enum GELU {
    /// x [count] -> y [count] (y may be x).
    public static func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            y[i] = 0.5 * x[i] * (1 + erf(x[i] * Float(0.5).squareRoot()))
        }
    }

    /// dy [count] and the forward's input x -> dx = dy (Φ(x) + x φ(x)) [count] (dx may be dy).
    public static func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let inverseSqrt2Pi = 1 / (2 * Float.pi).squareRoot()
        for i in 0..<count {
            let cdf = 0.5 * (1 + erf(x[i] * Float(0.5).squareRoot()))
            let pdf = inverseSqrt2Pi * exp(-0.5 * x[i] * x[i])
            dx[i] = dy[i] * (cdf + x[i] * pdf)
        }
    }
}
