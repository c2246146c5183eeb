import CZlib
import Foundation

/// Reads PNG files (ISO/IEC 15948) into grayscale: every colour type and bit depth the standard
/// allows, Adam7 interlacing, the five scanline filters and tRNS transparency. Colour becomes gray
/// with the BT.601 luma weights; transparent pixels are blended onto `background` (the screen gray),
/// which is what a mouse would see of them.
public enum PNGDecoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func decode(_ data: Data, source: String, background: Float) throws -> GrayImage {
        let bytes = [UInt8](data)
        func problem(_ reason: String) -> ImageFileError { ImageFileError(path: source, reason: reason) }
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw problem("is not a PNG file (no PNG signature)") }

        var header: Header?
        var palette: [UInt8] = [], transparency: [UInt8] = [], compressed: [UInt8] = []
        var offset = 8
        var ended = false
        while offset + 12 <= bytes.count, !ended {
            let length = Int(readUInt32(bytes, offset))
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard length <= bytes.count - offset - 12 else { throw problem("chunk \(type) runs past the end of the file (truncated?)") }
            let body = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            let storedCRC = readUInt32(bytes, offset + 8 + length)
            let computedCRC = bytes[(offset + 4)..<(offset + 8 + length)].withContiguousStorageIfAvailable {
                UInt32(crc32(0, $0.baseAddress, uInt($0.count)))
            } ?? 0
            guard storedCRC == computedCRC else { throw problem("chunk \(type) fails its CRC check (the file is corrupt)") }
            switch type {
            case "IHDR": header = try Header(body, problem: problem)
            case "PLTE": palette = body
            case "tRNS": transparency = body
            case "IDAT": compressed += body
            case "IEND": ended = true
            default: break  // ancillary chunks (gamma, text, ...) do not change the pixels we use
            }
            offset += 12 + length
        }
        guard let header else { throw problem("has no IHDR chunk") }
        guard ended else { throw problem("ends before its IEND chunk (truncated?)") }
        guard !compressed.isEmpty else { throw problem("has no image data (IDAT)") }
        if header.colorType == 3 && palette.isEmpty { throw problem("is a palette image without a palette (PLTE)") }

        let passes = header.interlaced ? Pass.adam7 : [Pass(x: 0, y: 0, dx: 1, dy: 1)]
        let expected = passes.reduce(0) { total, pass in
            let (w, h) = pass.size(width: header.width, height: header.height)
            return total + (w == 0 || h == 0 ? 0 : h * (1 + header.rowBytes(width: w)))
        }
        let raw = try inflateZlib(compressed, expectedSize: expected, problem: problem)

        var gray = [Float](repeating: background, count: header.width * header.height)
        let pixel = PixelReader(header: header, palette: palette, transparency: transparency, background: background)
        var start = 0
        for pass in passes {
            let (w, h) = pass.size(width: header.width, height: header.height)
            guard w > 0, h > 0 else { continue }
            let rowBytes = header.rowBytes(width: w)
            var previous = [UInt8](repeating: 0, count: rowBytes)
            for y in 0..<h {
                let filter = raw[start]
                var row = Array(raw[(start + 1)..<(start + 1 + rowBytes)])
                guard unfilter(&row, previous: previous, filter: filter, bytesPerPixel: header.bytesPerPixel) else {
                    throw problem("scanline \(y) uses filter type \(filter); PNG defines 0 to 4 (the file is corrupt)")
                }
                for x in 0..<w {
                    gray[(pass.y + y * pass.dy) * header.width + pass.x + x * pass.dx] = pixel.gray(row, x)
                }
                previous = row
                start += 1 + rowBytes
            }
        }
        return GrayImage(height: header.height, width: header.width, pixels: gray)
    }

    struct Header {
        let width: Int, height: Int, bitDepth: Int, colorType: Int, interlaced: Bool

        init(_ body: [UInt8], problem: (String) -> ImageFileError) throws {
            guard body.count == 13 else { throw problem("has a malformed IHDR chunk") }
            width = Int(readUInt32(body, 0))
            height = Int(readUInt32(body, 4))
            bitDepth = Int(body[8])
            colorType = Int(body[9])
            let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
            guard let depths = allowed[colorType], depths.contains(bitDepth) else {
                throw problem("has colour type \(colorType) with bit depth \(bitDepth), which PNG does not define")
            }
            guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
                throw problem("is \(width) x \(height) pixels; give an image between 1 and 32768 pixels a side")
            }
            guard body[10] == 0, body[11] == 0, body[12] <= 1 else { throw problem("uses an unknown compression, filter or interlace method") }
            interlaced = body[12] == 1
        }

        var channels: Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }
        /// The filter's byte distance: one pixel, at least one byte.
        var bytesPerPixel: Int { max(1, channels * bitDepth / 8) }
        func rowBytes(width: Int) -> Int { (width * channels * bitDepth + 7) / 8 }
    }

    /// One reduced image of the interlaced order: pixels (x + i dx, y + j dy).
    struct Pass {
        let x: Int, y: Int, dx: Int, dy: Int
        static let adam7 = [Pass(x: 0, y: 0, dx: 8, dy: 8), Pass(x: 4, y: 0, dx: 8, dy: 8), Pass(x: 0, y: 4, dx: 4, dy: 8),
                            Pass(x: 2, y: 0, dx: 4, dy: 4), Pass(x: 0, y: 2, dx: 2, dy: 4), Pass(x: 1, y: 0, dx: 2, dy: 2),
                            Pass(x: 0, y: 1, dx: 1, dy: 2)]

        func size(width: Int, height: Int) -> (Int, Int) {
            (max(0, (width - x + dx - 1) / dx), max(0, (height - y + dy - 1) / dy))
        }
    }

    /// Samples of one unfiltered scanline -> gray in 0...255, blended onto the background by alpha.
    struct PixelReader {
        let header: Header
        let palette: [UInt8]
        let transparency: [UInt8]
        let background: Float
        private var maximum: Float { Float((1 << header.bitDepth) - 1) }

        init(header: Header, palette: [UInt8], transparency: [UInt8], background: Float) {
            self.header = header
            self.palette = palette
            self.transparency = transparency
            self.background = background
        }

        /// Sample `index` of the row (bit-packed below 8 bits, big-endian at 16).
        private func sample(_ row: [UInt8], _ index: Int) -> Int {
            switch header.bitDepth {
            case 16: return Int(row[2 * index]) << 8 | Int(row[2 * index + 1])
            case 8: return Int(row[index])
            default:
                let bit = index * header.bitDepth
                return Int(row[bit / 8] >> (8 - header.bitDepth - bit % 8)) & ((1 << header.bitDepth) - 1)
            }
        }

        func gray(_ row: [UInt8], _ x: Int) -> Float {
            let c = header.channels
            func scaled(_ value: Int) -> Float { Float(value) * 255 / maximum }
            let value: Float, alpha: Float
            switch header.colorType {
            case 0:
                let v = sample(row, x)
                value = scaled(v)
                alpha = transparency.count >= 2 && v == Int(readUInt16(transparency, 0)) ? 0 : 1
            case 2:
                let (r, g, b) = (sample(row, 3 * x), sample(row, 3 * x + 1), sample(row, 3 * x + 2))
                value = GrayImage.luma(red: scaled(r), green: scaled(g), blue: scaled(b))
                let isKey = transparency.count >= 6 && r == Int(readUInt16(transparency, 0))
                    && g == Int(readUInt16(transparency, 2)) && b == Int(readUInt16(transparency, 4))
                alpha = isKey ? 0 : 1
            case 3:
                let index = sample(row, x)
                guard 3 * index + 2 < palette.count else { return background }
                value = GrayImage.luma(red: Float(palette[3 * index]), green: Float(palette[3 * index + 1]), blue: Float(palette[3 * index + 2]))
                alpha = index < transparency.count ? Float(transparency[index]) / 255 : 1
            case 4:
                value = scaled(sample(row, 2 * x))
                alpha = Float(sample(row, 2 * x + 1)) / maximum
            default:
                value = GrayImage.luma(red: scaled(sample(row, c * x)), green: scaled(sample(row, c * x + 1)), blue: scaled(sample(row, c * x + 2)))
                alpha = Float(sample(row, c * x + 3)) / maximum
            }
            return alpha * value + (1 - alpha) * background
        }
    }

    /// Undoes one scanline's filter in place; false for an unknown filter type.
    static func unfilter(_ row: inout [UInt8], previous: [UInt8], filter: UInt8, bytesPerPixel: Int) -> Bool {
        let n = row.count, bpp = bytesPerPixel
        switch filter {
        case 0: break
        case 1: for i in bpp..<max(n, bpp) { row[i] = row[i] &+ row[i - bpp] }
        case 2: for i in 0..<n { row[i] = row[i] &+ previous[i] }
        case 3:
            for i in 0..<n {
                let left = i >= bpp ? Int(row[i - bpp]) : 0
                row[i] = row[i] &+ UInt8((left + Int(previous[i])) / 2)
            }
        case 4:
            for i in 0..<n {
                let a = i >= bpp ? Int(row[i - bpp]) : 0, b = Int(previous[i]), c = i >= bpp ? Int(previous[i - bpp]) : 0
                let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                row[i] = row[i] &+ UInt8(pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
            }
        default: return false
        }
        return true
    }

    static func inflateZlib(_ input: [UInt8], expectedSize: Int, problem: (String) -> ImageFileError) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expectedSize)
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw problem("cannot be decompressed: zlib did not start")
        }
        defer { inflateEnd(&stream) }
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END || (status == Z_BUF_ERROR && stream.avail_out == 0), Int(stream.total_out) == expectedSize else {
            throw problem("image data is corrupt or truncated (zlib status \(status), \(stream.total_out) of \(expectedSize) bytes)")
        }
        return output
    }
}

private func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
}

private func readUInt16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
}
