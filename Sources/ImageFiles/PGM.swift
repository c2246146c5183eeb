import Foundation

/// Netpbm graymaps: binary (P5) and ASCII (P2), maxval up to 65535, `#` comments in the header.
/// The simplest lossless grayscale file there is, which makes it the export format for stimuli.
public enum PGM {
    public static func decode(_ data: Data, source: String) throws -> GrayImage {
        let bytes = [UInt8](data)
        func problem(_ reason: String) -> ImageFileError { ImageFileError(path: source, reason: reason) }
        var position = 0

        /// The next whitespace-separated header token, skipping comments.
        func token() throws -> String {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
                } else if isSpace(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            let start = position
            while position < bytes.count, !isSpace(bytes[position]), bytes[position] != UInt8(ascii: "#") { position += 1 }
            guard position > start else { throw problem("the PGM header ends early (truncated?)") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        func number(_ name: String) throws -> Int {
            let text = try token()
            guard let value = Int(text), value > 0 else { throw problem("PGM \(name) '\(text)' is not a positive whole number") }
            return value
        }

        let magic = try token()
        guard magic == "P5" || magic == "P2" else {
            throw problem("is not a PGM graymap (magic \(magic); expected P5 binary or P2 ASCII)")
        }
        let width = try number("width"), height = try number("height"), maxval = try number("maxval")
        guard maxval <= 65_535 else { throw problem("PGM maxval \(maxval) is above 65535") }
        guard width <= 1 << 15, height <= 1 << 15 else { throw problem("is \(width) x \(height) pixels; at most 32768 a side") }
        let count = width * height
        var samples = [Int](repeating: 0, count: count)
        if magic == "P5" {
            position += 1  // exactly one whitespace byte separates maxval from the pixels
            let size = maxval < 256 ? 1 : 2
            guard bytes.count - position >= count * size else {
                throw problem("holds \(max(0, bytes.count - position)) bytes of pixels; \(width) x \(height) needs \(count * size) (truncated?)")
            }
            for i in 0..<count {
                samples[i] = size == 1 ? Int(bytes[position + i]) : Int(bytes[position + 2 * i]) << 8 | Int(bytes[position + 2 * i + 1])
            }
        } else {
            for i in 0..<count {
                guard let value = Int(try token()) else { throw problem("ASCII PGM pixel \(i) is not a whole number") }
                samples[i] = value
            }
        }
        if let bad = samples.firstIndex(where: { $0 > maxval }) {
            throw problem("pixel \(bad) is \(samples[bad]), above the header's maxval \(maxval)")
        }
        let scale = 255 / Float(maxval)
        return GrayImage(height: height, width: width, pixels: samples.map { Float($0) * scale })
    }

    /// A binary (P5) graymap of 8-bit pixels.
    public static func encode(_ pixels: [UInt8], height: Int, width: Int) -> Data {
        precondition(pixels.count == height * width, "PGM: \(pixels.count) pixels for \(height) x \(width)")
        return Data("P5\n\(width) \(height)\n255\n".utf8) + Data(pixels)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
