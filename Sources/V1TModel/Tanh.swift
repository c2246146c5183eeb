import Foundation

/// Elementwise tanh (the behaviour MLP's, the shifter's and the grid predictor's activation).
/// A primitive: no state; backward reads the forward's output, since tanh' = 1 - tanh².
public enum Tanh {
    /// x [count] -> y [count] (y may be x).
    public static func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = tanh(x[i]) }
    }

    /// dy [count] and the forward's output y -> dx [count] (dx may be dy).
    public static func backward(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}
