import Foundation

/// Randomness that does not depend on which rank, micro-batch or thread draws it.
///
/// Data-parallel training must give the same parameters with 1, 2 or 3 ranks, so every random
/// decision during a step (dropout masks, stochastic depth, readout position noise) is a pure
/// function of (seed, step, global trial index, purpose): a counter-based generator keyed by
/// those numbers, never a shared stateful generator.
public struct CounterRandom: Sendable {
    public let key: UInt64
    private var counter: UInt64 = 0

    public init(key: UInt64) { self.key = key }

    /// SplitMix64 finaliser: a bijective mix of the 64 bits; good statistics for keyed streams.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next() -> UInt64 {
        counter &+= 1
        return Self.mix(key ^ Self.mix(counter))
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Standard normal (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / Double(UInt64(1) << 53))
        let u2 = Double(next() >> 11) * (1.0 / Double(UInt64(1) << 53))
        let radius = (-2.0 * log(max(u1, 1e-300))).squareRoot()
        return Float(radius * cos(2.0 * Double.pi * u2))
    }
}

/// Derives the keys of independent random streams.
public enum RandomKey {
    /// The stream for one sample in one training step and one purpose (e.g. one layer's dropout).
    public static func sample(seed: UInt64, step: Int, trial: Int, purpose: UInt64) -> UInt64 {
        combine(seed, 0x5A11_0001, UInt64(truncatingIfNeeded: step), UInt64(truncatingIfNeeded: trial), purpose)
    }

    static func parameterInit(seed: UInt64, slice: UInt64) -> UInt64 {
        combine(seed, 0x1417_0002, slice)
    }

    public static func combine(_ parts: UInt64...) -> UInt64 {
        parts.reduce(0xC0FF_EE00_D15E_A5E5) { CounterRandom.mix($0 ^ CounterRandom.mix($1)) }
    }
}
