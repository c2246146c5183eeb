import CPUProbe

/// Which implementation of the layers' element-wise and row-wise kernels (attention's softmax with
/// its dropout and the softmax's backward, GELU, LayerNorm, dropout) a process runs: C with AVX-512
/// or with AVX2 and FMA (Sources/LayerKernels), or the portable Swift ones.
///
/// Why C: the package builds Swift for the x86-64 baseline, so its 16-lane SIMD code runs as four
/// SSE instructions per vector; at the small configurations these loops cost as much as the matrix
/// products beside them (docs/performance.md). The widest set the core and the operating system run
/// is chosen once, from CPUID and XGETBV. Every set draws the same dropout decisions for the same
/// entries; the other results agree to float rounding (fused multiply-adds, sums in 16 or 8 lanes),
/// so a run is reproducible bit for bit on one kind of core, not across kinds.
public enum VectorKernels: String, CaseIterable, Codable, Sendable {
    case portable, avx2, avx512

    /// The set this process runs.
    public static let inUse = widest(for: CPUCore.Features(rawValue: vita_cpu_features()))

    /// The widest set a core with these features runs.
    public static func widest(for features: CPUCore.Features) -> VectorKernels {
        if features.isSuperset(of: .avx512Kernels) { return .avx512 }
        if features.isSuperset(of: .avx2Kernels) { return .avx2 }
        return .portable
    }

    /// Every set this core runs, the portable one first (what tests hold the others to).
    public static var runnable: [VectorKernels] { allCases.filter { $0 <= inUse } }

    /// For reports: "AVX-512 (C)", "AVX2 + FMA (C)", "portable Swift".
    public var description: String {
        switch self {
        case .portable: "portable Swift"
        case .avx2: "AVX2 + FMA (C)"
        case .avx512: "AVX-512 (C)"
        }
    }
}

extension VectorKernels: Comparable {
    public static func < (a: VectorKernels, b: VectorKernels) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
