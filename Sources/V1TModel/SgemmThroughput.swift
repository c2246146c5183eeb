import Foundation

/// What `cblas_sgemm` achieves on this machine with OpenBLAS's current thread count: the yardstick
/// for the model's speed, since the model is almost all matrix products.
public enum SgemmThroughput {
    /// GFLOP per CPU second (2·m·n·k per product) of C [m, n] = A [m, k] · B [k, n], the best of
    /// `repeats` timed products after one untimed one. CPU time, like the model's figure it is
    /// compared with, so that other processes on the machine do not lower it; with one OpenBLAS
    /// thread on an otherwise idle core it equals wall-clock GFLOP/s.
    public static func measure(m: Int, n: Int, k: Int, repeats: Int) -> Double {
        precondition(m > 0 && n > 0 && k > 0 && repeats > 0, "sgemm sizes and repeats must be positive")
        var random = CounterRandom(key: 7)
        let a = (0..<(m * k)).map { _ in random.nextUniform() - 0.5 }
        let b = (0..<(k * n)).map { _ in random.nextUniform() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for run in 0...repeats {
            let start = processCPUSeconds()
            gemm(m: m, n: n, k: k, a, b, &c)
            let seconds = processCPUSeconds() - start
            if run > 0 { best = min(best, seconds) }
        }
        return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
    }
}

extension SgemmThroughput {
    /// The largest error of one `gemm` of C [m, n] = A [m, k] · B [k, n] against the same product
    /// in double precision, each element's error divided by the sum of the magnitudes of its terms:
    /// about 1e-7 for a correct single-precision kernel, order 1 for a broken one.
    public static func relativeError(m: Int, n: Int, k: Int) -> Double {
        var random = CounterRandom(key: 11)
        let a = (0..<(m * k)).map { _ in random.nextUniform() - 0.5 }
        let b = (0..<(k * n)).map { _ in random.nextUniform() - 0.5 }
        var c = [Float](repeating: 0, count: m * n)
        gemm(m: m, n: n, k: k, a, b, &c)
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var exact = 0.0, magnitude = 0.0
                for p in 0..<k {
                    let term = Double(a[i * k + p]) * Double(b[p * n + j])
                    exact += term
                    magnitude += abs(term)
                }
                worst = max(worst, abs(Double(c[i * n + j]) - exact) / max(magnitude, .leastNormalMagnitude))
            }
        }
        return worst
    }
}
