import Foundation

/// ELU with α = 1 (PyTorch's `nn.ELU`, V1T's `AdaptiveELU` with no shift): x for x > 0,
/// exp(x) - 1 otherwise. A primitive: works in place; backward reads the output, since the
/// derivative is 1 for x > 0 and exp(x) = y + 1 otherwise.
enum ELU {
    static func forward(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count where x[i] <= 0 { x[i] = expm1(x[i]) }
    }

    /// dy [count] -> dx [count] in place, from the forward's output y.
    static func backward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count where y[i] <= 0 { dy[i] *= y[i] + 1 }
    }
}
