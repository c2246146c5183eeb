import LayerKernels

/// ELU with α = 1 (PyTorch's `nn.ELU`, V1T's `AdaptiveELU` with no shift): x for x > 0,
/// exp(x) - 1 otherwise, 16 lanes at a time with `fastExpOfNonPositive` (absolute error ~1e-7
/// near 0, where exp(x) - 1 cancels). A primitive: works in place; backward reads the output,
/// since the derivative is 1 for x > 0 and exp(x) = y + 1 otherwise. In C with AVX2 where the core
/// has it (`vita_elu_forward_avx2`), to float rounding: Swift's 16 lanes run as SSE.
enum ELU {
    static func forward(_ x: UnsafeMutablePointer<Float>, count: Int, kernels: VectorKernels = .inUse) {
        if kernels >= .avx2 { return vita_elu_forward_avx2(x, count) }
        forEachLanes(count) { offset, lanes in
            let v = loadPartialLanes(x + offset, count: lanes, padding: 0)
            let negative = fastExpOfNonPositive(lanesMin(v, Float16Lanes(repeating: 0))) - 1
            storePartialLanes(v.replacing(with: negative, where: v .<= 0), x + offset, count: lanes)
        }
    }

    /// dy [count] -> dx [count] in place, from the forward's output y.
    static func backward(_ dy: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count: Int, kernels: VectorKernels = .inUse) {
        if kernels >= .avx2 { return vita_elu_backward_avx2(dy, y, count) }
        forEachLanes(count) { offset, lanes in
            let out = loadPartialLanes(y + offset, count: lanes, padding: 0)
            let slope = (out + 1).replacing(with: 1, where: out .> 0)
            storePartialLanes(loadPartialLanes(dy + offset, count: lanes, padding: 0) * slope, dy + offset, count: lanes)
        }
    }

    /// Calls body(offset, lanes) for 16 lanes at a time, the last call with the remainder.
    @inline(__always)
    private static func forEachLanes(_ count: Int, _ body: (Int, Int) -> Void) {
        var offset = 0
        while offset < count {
            body(offset, min(16, count - offset))
            offset += 16
        }
    }
}
