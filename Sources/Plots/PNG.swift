import Foundation

/// A minimal PNG encoder (8-bit RGB or RGBA, no filtering, "stored" deflate blocks): images are
/// small here, so compression is not worth a zlib dependency, and any viewer reads the result.
public enum PNG {
    /// `rgb` holds width*height*3 bytes, row-major; `alpha`, when given, width*height bytes.
    /// `scale` repeats each pixel scale x scale times (crisp enlargements of small maps).
    public static func encodeRGB(_ rgb: [UInt8], width: Int, height: Int, alpha: [UInt8]? = nil, scale: Int = 1) -> Data {
        precondition(rgb.count == width * height * 3, "PNG: \(rgb.count) bytes for \(width)x\(height) RGB")
        let channels = alpha == nil ? 3 : 4
        let outWidth = width * scale, outHeight = height * scale
        var raw = [UInt8]()
        raw.reserveCapacity((outWidth * channels + 1) * outHeight)
        for row in 0..<outHeight {
            raw.append(0)  // filter type: none
            let sourceRow = row / scale
            for column in 0..<outWidth {
                let index = sourceRow * width + column / scale
                raw.append(contentsOf: rgb[(index * 3)..<(index * 3 + 3)])
                if let alpha { raw.append(alpha[index]) }
            }
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = Data()
        header.appendBigEndian(UInt32(outWidth))
        header.appendBigEndian(UInt32(outHeight))
        header.append(contentsOf: [8, channels == 3 ? 2 : 6, 0, 0, 0])
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", zlibStored(raw))
        png.appendChunk("IEND", Data())
        return png
    }

    /// A grayscale image (0...255) as PNG.
    public static func encodeGray(_ pixels: [UInt8], width: Int, height: Int, scale: Int = 1) -> Data {
        encodeRGB(pixels.flatMap { [$0, $0, $0] }, width: width, height: height, scale: scale)
    }

    static func zlibStored(_ bytes: [UInt8]) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let length = min(65_535, bytes.count - offset)
            let isLast = offset + length == bytes.count
            out.append(isLast ? 1 : 0)
            out.append(UInt8(length & 0xFF)); out.append(UInt8(length >> 8))
            out.append(UInt8(~length & 0xFF)); out.append(UInt8((~length >> 8) & 0xFF))
            out.append(contentsOf: bytes[offset..<(offset + length)])
            offset += length
        } while offset < bytes.count
        out.appendBigEndian(adler32(bytes))
        return out
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

extension Data {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func appendChunk(_ type: String, _ payload: Data) {
        appendBigEndian(UInt32(payload.count))
        let typed = Data(type.utf8) + payload
        append(typed)
        appendBigEndian(PNG.crc32(typed))
    }
}
