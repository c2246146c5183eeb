/// Purpose ids for `PassContext.random(sample:purpose:)`.
///
/// Every layer instance that draws noise needs its own stream. Deriving the id from the layer's
/// unique name (rather than from a counter incremented as layers are built) keeps a layer's noise
/// unchanged when other layers are added or reordered, and needs no shared mutable state.
public enum RandomPurpose {
    /// FNV-1a over the UTF-8 bytes, then mixed: stable across runs, platforms and Swift versions
    /// (unlike `String.hashValue`, which is seeded per process).
    public static func named(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return CounterRandom.mix(hash)
    }
}
