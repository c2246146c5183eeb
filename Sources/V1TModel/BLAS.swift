import COpenBLAS

/// Row-major matrix product on OpenBLAS: C = alpha * op(A) * op(B) + beta * C,
/// with op(A) of shape (m, k), op(B) of shape (k, n), C of shape (m, n).
/// `lda`, `ldb`, `ldc` default to the dense row length of A, B and C as stored.
@inline(__always)
public func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int? = nil,
    _ b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k),
        alpha,
        a, Int32(lda ?? (transposeA ? m : k)),
        b, Int32(ldb ?? (transposeB ? k : n)),
        beta,
        c, Int32(ldc ?? n)
    )
}

/// The number of threads OpenBLAS uses (OPENBLAS_NUM_THREADS when set, else the cores).
public var blasThreadCount: Int { Int(openblas_get_num_threads()) }

/// OpenBLAS's build description (version, target core, threading), for benchmark reports.
public var blasConfiguration: String { String(cString: openblas_get_config()) }
