import CPUProbe

/// The core this process runs on: what CPUID says it is and supports, and what its FMA units can
/// do at most, the ceiling against which `bench` rates both sgemm and the model.
public struct CPUCore: Codable, Equatable, Sendable {
    public struct Features: OptionSet, Codable, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let sse3 = Features(rawValue: VITA_CPU_SSE3)
        public static let avx = Features(rawValue: VITA_CPU_AVX)
        public static let avx2 = Features(rawValue: VITA_CPU_AVX2)
        public static let fma = Features(rawValue: VITA_CPU_FMA)
        public static let avx512f = Features(rawValue: VITA_CPU_AVX512F)
        public static let avx512dq = Features(rawValue: VITA_CPU_AVX512DQ)
        public static let avx512cd = Features(rawValue: VITA_CPU_AVX512CD)
        public static let avx512bw = Features(rawValue: VITA_CPU_AVX512BW)
        public static let avx512vl = Features(rawValue: VITA_CPU_AVX512VL)
        public static let avx512bf16 = Features(rawValue: VITA_CPU_AVX512BF16)

        /// What OpenBLAS's Haswell kernels need, and its SkylakeX kernels (Cooperlake adds BF16).
        public static let avx2Kernels: Features = [.avx, .avx2, .fma]
        public static let avx512Kernels: Features = [.avx2Kernels, .avx512f, .avx512dq, .avx512cd, .avx512bw, .avx512vl]

        /// The widest single-precision vector the core's FMA instructions take, in floats.
        public var fmaLanes: Int { contains(.avx512f) ? 16 : contains(.fma) ? 8 : 0 }

        public var names: [String] {
            let all: [(Features, String)] = [(.sse3, "SSE3"), (.avx, "AVX"), (.avx2, "AVX2"), (.fma, "FMA"), (.avx512f, "AVX512F"),
                                             (.avx512dq, "AVX512DQ"), (.avx512cd, "AVX512CD"), (.avx512bw, "AVX512BW"),
                                             (.avx512vl, "AVX512VL"), (.avx512bf16, "AVX512_BF16")]
            return all.filter { contains($0.0) }.map(\.1)
        }
    }

    public var vendor: String
    public var brand: String
    public var family: Int
    public var model: Int
    public var features: Features

    /// This process's core, from CPUID.
    public static let current: CPUCore = {
        var vendor = [CChar](repeating: 0, count: 16), brand = [CChar](repeating: 0, count: 64)
        vita_cpu_vendor(&vendor, Int32(vendor.count))
        vita_cpu_brand(&brand, Int32(brand.count))
        return CPUCore(vendor: String(cString: vendor), brand: String(cString: brand), family: Int(vita_cpu_family()),
                       model: Int(vita_cpu_model()), features: Features(rawValue: vita_cpu_features()))
    }()

    public init(vendor: String, brand: String, family: Int, model: Int, features: Features) {
        self.vendor = vendor
        self.brand = brand
        self.family = family
        self.model = model
        self.features = features
    }

    public var description: String {
        "\(brand.isEmpty ? vendor : brand) (family \(family), model \(model); \(features.names.joined(separator: " ")))"
    }
}

/// The theoretical single-precision peak of one core: vector lanes x FMA units x 2 FLOPs x clock,
/// the clock and the unit count measured by calibrated loops (in the thread's CPU time, so a busy
/// machine lowers neither).
public struct FMAPeak: Codable, Equatable, Sendable {
    /// Floats per FMA instruction at the widest width the core has (16 with AVX-512, 8 with AVX2).
    public var lanes: Int
    /// Vector FMAs completed per cycle by a loop of independent FMAs, and that rounded: the units.
    public var measuredFMAsPerCycle: Double
    public var fmaUnits: Int
    /// Cycles per second of a dependent chain of additions (one per cycle).
    public var clockGHz: Double
    /// lanes x units x 2 x clock.
    public var gflops: Double
    /// What the FMA loop itself achieved (lower than `gflops` where wide vectors lower the clock).
    public var loopGFLOPs: Double

    public init(lanes: Int, measuredFMAsPerCycle: Double, fmaUnits: Int, clockGHz: Double, gflops: Double, loopGFLOPs: Double) {
        self.lanes = lanes
        self.measuredFMAsPerCycle = measuredFMAsPerCycle
        self.fmaUnits = fmaUnits
        self.clockGHz = clockGHz
        self.gflops = gflops
        self.loopGFLOPs = loopGFLOPs
    }

    /// About a quarter of a second on a 3 GHz core; the best of `repeats` rounds.
    public static func measure(repeats: Int = 3) -> FMAPeak {
        let lanes = CPUCore.current.features.fmaLanes
        var clock = 0.0, fmasPerSecond = 0.0
        for _ in 0..<max(1, repeats) {
            clock = max(clock, vita_cpu_clock_hz(2_000_000))
            fmasPerSecond = max(fmasPerSecond, vita_cpu_fma_per_second(Int32(lanes * 32), 2_000_000))
        }
        let perCycle = clock > 0 ? fmasPerSecond / clock : 0
        let units = max(lanes > 0 ? 1 : 0, Int(perCycle.rounded()))
        return FMAPeak(lanes: lanes, measuredFMAsPerCycle: perCycle, fmaUnits: units, clockGHz: clock / 1e9,
                       gflops: Double(lanes * units * 2) * clock / 1e9, loopGFLOPs: Double(lanes * 2) * fmasPerSecond / 1e9)
    }
}
