import Foundation

/// SHA-256 (FIPS 180-4) of a file, streamed in 4 MiB pieces, for the data checksums of run records
/// (compare with `sha256sum FILE`). Foundation on Linux has no hash functions, hence these few lines.
public enum SHA256 {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    struct State {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var w = [UInt32](repeating: 0, count: 64)

        mutating func compress(_ block: UnsafeRawBufferPointer) {
            for i in 0..<16 { w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ SHA256.k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }

        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
    }

    /// The digest of `bytes`, as lowercase hex.
    public static func hex(_ bytes: Data) -> String {
        var state = State()
        let full = bytes.count / 64 * 64
        bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: full, by: 64) { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])) }
        }
        return finish(&state, tail: bytes.suffix(from: bytes.startIndex + full), total: UInt64(bytes.count))
    }

    /// The digest of a file's contents, as lowercase hex.
    public static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunError("cannot read \(path) to checksum it") }
        defer { try? handle.close() }
        var state = State(), total: UInt64 = 0, pending = Data()
        while true {
            let piece = handle.readData(ofLength: 4 << 20)
            if piece.isEmpty { break }
            total += UInt64(piece.count)
            pending.append(piece)
            let full = pending.count / 64 * 64
            pending.withUnsafeBytes { raw in
                for offset in stride(from: 0, to: full, by: 64) { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])) }
            }
            pending = Data(pending.suffix(from: pending.startIndex + full))
        }
        return finish(&state, tail: pending, total: total)
    }

    private static func finish(_ state: inout State, tail: Data, total: UInt64) -> String {
        var last = Data(tail)
        last.append(0x80)
        while last.count % 64 != 56 { last.append(0) }
        withUnsafeBytes(of: (total * 8).bigEndian) { last.append(contentsOf: $0) }
        last.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: 64) { state.compress(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 64)])) }
        }
        return state.h.map { String(format: "%08x", $0) }.joined()
    }
}
