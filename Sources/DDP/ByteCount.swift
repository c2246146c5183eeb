import Foundation

/// Memory sizes as people write and read them.
public enum ByteCount {
    /// Parses `2G`, `512M`, `1.5GiB`, `800MB`, `1048576`.
    /// Single letters and `KiB`...`TiB` are powers of 1024 (`2G` = 2 GiB, as in most memory flags);
    /// `KB`...`TB` are powers of 1000; no unit or `B` means bytes. Case and a space before the unit
    /// do not matter.
    public static func parse(_ text: String) throws -> UInt64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let unitText = trimmed[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        guard let number = Double(trimmed[..<numberEnd]), number.isFinite, number > 0,
              let unit = units[unitText] else {
            throw DDPError("""
                invalid memory size "\(text)": expected a positive number with an optional unit: \
                K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024), KB, MB, GB, TB (powers of 1000), \
                B or none (bytes); e.g. 2G, 512M, 1.5GiB
                """)
        }
        let bytes = (number * Double(unit)).rounded(.down)
        guard bytes >= 1 else { throw DDPError("memory size \"\(text)\" is less than one byte") }
        guard bytes < 0x1p63 else { throw DDPError("memory size \"\(text)\" is too large") }
        return UInt64(bytes)
    }

    /// `410 MiB`, `3.1 GiB`, `24 GiB`, `512 B`: three significant digits at most, binary units.
    public static func format(_ bytes: UInt64) -> String {
        var value = Double(bytes)
        var unitIndex = 0
        let names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        while value >= 1024, unitIndex < names.count - 1 {
            value /= 1024
            unitIndex += 1
        }
        if unitIndex == 0 { return "\(bytes) B" }
        let rounded = value < 9.95 ? (value * 10).rounded() / 10 : value.rounded()
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(names[unitIndex])"
    }

    private static let units: [String: UInt64] = {
        var table: [String: UInt64] = ["": 1, "b": 1]
        for (power, letter) in ["k", "m", "g", "t"].enumerated() {
            let binary = UInt64(1) << (10 * (power + 1))
            var decimal: UInt64 = 1
            for _ in 0...power { decimal *= 1000 }
            table[letter] = binary
            table[letter + "i"] = binary
            table[letter + "ib"] = binary
            table[letter + "b"] = decimal
        }
        return table
    }()
}
