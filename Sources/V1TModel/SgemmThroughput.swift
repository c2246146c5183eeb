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
