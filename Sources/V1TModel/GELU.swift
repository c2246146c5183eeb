import LayerKernels

/// GELU in its exact form, y = x Φ(x) = x/2 (1 + erf(x/√2)), as PyTorch's default `nn.GELU()`
/// (not the tanh approximation). A primitive: no state; backward reads the forward's input.
///
/// Vectorised, 16 lanes at a time: Φ comes from erfc by Abramowitz & Stegun 7.1.26 (absolute
/// error under 1.5e-7 in erf) and `fastExpOfNonPositive`, which also gives the density φ for the
/// backward pass. Scalar `erf` took several times longer than the MLP's matrix products' share
/// would suggest, and differently for large and small inputs. Where the core has AVX-512 or AVX2 the
/// same arithmetic runs in C (`VectorKernels`, Sources/LayerKernels): Swift's 16-lane code runs
/// as four SSE instructions per vector, and at the small configurations GELU with its dropout cost
/// more than the MLP's two products (docs/performance.md, "The small configurations").
public enum GELU {
    /// x [count] -> y [count] (y may be x).
    public static func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                               kernels: VectorKernels = .inUse) {
        switch kernels {
        case .avx512: return vita_gelu_forward_avx512(x, y, count)
        case .avx2: return vita_gelu_forward_avx2(x, y, count)
        case .portable: break
        }
        forEachLanes(count) { offset, lanes in
            let input = loadPartialLanes(x + offset, count: lanes, padding: 0)
            storePartialLanes(input * normal(input).cdf, y + offset, count: lanes)
        }
    }

    /// dy [count] and the forward's input x -> dx = dy (Φ(x) + x φ(x)) [count] (dx may be dy).
    public static func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int,
                                kernels: VectorKernels = .inUse) {
        switch kernels {
        case .avx512: return vita_gelu_backward_avx512(dy, x, dx, count)
        case .avx2: return vita_gelu_backward_avx2(dy, x, dx, count)
        case .portable: break
        }
        let inverseSqrt2Pi: Float = 0.398_942_28
        forEachLanes(count) { offset, lanes in
            let input = loadPartialLanes(x + offset, count: lanes, padding: 0)
            let (cdf, gaussian) = normal(input)
            let gradient = loadPartialLanes(dy + offset, count: lanes, padding: 0) * (cdf + input * gaussian * inverseSqrt2Pi)
            storePartialLanes(gradient, dx + offset, count: lanes)
        }
    }

    /// Φ(x) and e^(-x²/2) per lane.
    @inline(__always)
    private static func normal(_ x: Float16Lanes) -> (cdf: Float16Lanes, gaussian: Float16Lanes) {
        // P(N > |x|) = erfc(|x|/√2)/2 = t·poly(t)·e^(-x²/2)/2 with t = 1/(1 + p|x|/√2).
        let t = 1 / (1 + 0.327_591_1 * 0.707_106_78 * absoluteValue(x))
        var q = Float16Lanes(repeating: 1.061_405_429)
        q = q * t - 1.453_152_027
        q = q * t + 1.421_413_741
        q = q * t - 0.284_496_736
        q = q * t + 0.254_829_592
        let gaussian = fastExpOfNonPositive(-0.5 * x * x)
        let upperTail = 0.5 * q * t * gaussian
        return ((1 - upperTail).replacing(with: upperTail, where: x .< 0), gaussian)
    }

    /// Calls body(offset, lanes) for consecutive groups of 16 (the last may be shorter).
    @inline(__always)
    private static func forEachLanes(_ count: Int, _ body: (Int, Int) -> Void) {
        var offset = 0
        while offset < count {
            body(offset, min(16, count - offset))
            offset += 16
        }
    }
}
