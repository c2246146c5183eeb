import CZlib
import Foundation
import XCTest
@testable import ImageFiles

/// Writes PNGs the way encoders do (forward filters, zlib), independently of the decoder, so every
/// colour type, bit depth, filter and the interlaced order can be checked against known pixels.
private struct TestPNG {
    var width: Int
    var height: Int
    var colorType: UInt8
    var bitDepth: Int
    /// Per pixel, its samples (channel values at the bit depth).
    var samples: [[Int]]
    var palette: [UInt8] = []
    var transparency: [UInt8] = []
    var interlaced = false

    func encode() -> Data {
        let channels = samples[0].count
        let passes: [(x: Int, y: Int, dx: Int, dy: Int)] = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var raw: [UInt8] = []
        var rowNumber = 0
        for pass in passes {
            let w = (width - pass.x + pass.dx - 1) / pass.dx, h = (height - pass.y + pass.dy - 1) / pass.dy
            guard w > 0, h > 0 else { continue }
            let bytesPerPixel = max(1, channels * bitDepth / 8)
            var previous = [UInt8](repeating: 0, count: (w * channels * bitDepth + 7) / 8)
            for j in 0..<h {
                var bits: [Int] = []
                for i in 0..<w {
                    let pixel = samples[(pass.y + j * pass.dy) * width + pass.x + i * pass.dx]
                    for value in pixel {
                        for bit in stride(from: bitDepth - 1, through: 0, by: -1) { bits.append((value >> bit) & 1) }
                    }
                }
                while bits.count % 8 != 0 { bits.append(0) }
                let line = (0..<(bits.count / 8)).map { byte in UInt8((0..<8).reduce(0) { $0 << 1 | bits[byte * 8 + $1] }) }
                let filter = UInt8(rowNumber % 5)  // every filter type in turn
                raw.append(filter)
                for (k, value) in line.enumerated() {
                    let a = k >= bytesPerPixel ? Int(line[k - bytesPerPixel]) : 0, b = Int(previous[k])
                    let c = k >= bytesPerPixel ? Int(previous[k - bytesPerPixel]) : 0
                    let predictor: Int
                    switch filter {
                    case 0: predictor = 0
                    case 1: predictor = a
                    case 2: predictor = b
                    case 3: predictor = (a + b) / 2
                    default:
                        let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                    }
                    raw.append(value &- UInt8(predictor & 0xFF))
                }
                previous = line
                rowNumber += 1
            }
        }
        var compressedSize = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedSize))
        XCTAssertEqual(compress2(&compressed, &compressedSize, raw, uLong(raw.count), 9), Z_OK)
        var file = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func bigEndian(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ body: [UInt8]) {
            let typed = Array(type.utf8) + body
            file.append(contentsOf: bigEndian(body.count) + typed + bigEndian(Int(crc32(0, typed, uInt(typed.count)))))
        }
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0])
        if !palette.isEmpty { chunk("PLTE", palette) }
        if !transparency.isEmpty { chunk("tRNS", transparency) }
        chunk("IDAT", Array(compressed[0..<Int(compressedSize)]))
        chunk("IEND", [])
        return file
    }
}

final class PNGDecoderTests: XCTestCase {
    private func luma(_ r: Double, _ g: Double, _ b: Double) -> Double { 0.299 * r + 0.587 * g + 0.114 * b }

    private func assertPixels(_ image: GrayImage, _ expected: [Double], _ label: String, accuracy: Double = 1e-3) {
        XCTAssertEqual(image.pixels.count, expected.count, label)
        for (index, (got, want)) in zip(image.pixels, expected).enumerated() {
            XCTAssertEqual(Double(got), want, accuracy: accuracy, "\(label): pixel \(index)")
        }
    }

    /// A PNG written by librsvg/cairo (adaptive Sub, Up and Paeth filters) of known flat colours.
    func testRealEncoderOutput() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/rsvg-rgb.png")
        let image = try PNGDecoder.decode(Data(contentsOf: url), source: url.path, background: 127)
        XCTAssertEqual(image.width, 24)
        XCTAssertEqual(image.height, 12)
        func at(_ x: Int, _ y: Int) -> Double { Double(image.pixels[y * 24 + x]) }
        XCTAssertEqual(at(1, 1), luma(200, 100, 50), accuracy: 1e-3)
        XCTAssertEqual(at(10, 2), 30, accuracy: 1e-3)
        XCTAssertEqual(at(20, 5), luma(0, 0, 255), accuracy: 1e-3)
        XCTAssertEqual(at(0, 11), 128, accuracy: 1e-3)
        XCTAssertEqual(at(4, 9), 0, accuracy: 1e-3)
        XCTAssertEqual(at(23, 11), luma(10, 240, 70), accuracy: 1e-3)
    }

    func testEveryGrayBitDepthAndFilter() throws {
        let width = 13, height = 7
        for depth in [1, 2, 4, 8, 16] {
            let maximum = (1 << depth) - 1
            let values = (0..<(width * height)).map { ($0 * 7919 + $0 / width * 31) % (maximum + 1) }
            let png = TestPNG(width: width, height: height, colorType: 0, bitDepth: depth, samples: values.map { [$0] })
            let image = try PNGDecoder.decode(png.encode(), source: "gray\(depth)", background: 0)
            assertPixels(image, values.map { Double($0) * 255 / Double(maximum) }, "gray \(depth)-bit")
        }
    }

    func testColourTypesBecomeGrayAndAlphaBlendsOntoTheBackground() throws {
        let width = 5, height = 6, count = width * height
        let rgb = (0..<count).map { [($0 * 37) % 256, ($0 * 91 + 7) % 256, ($0 * 53 + 100) % 256] }
        let rgbImage = try PNGDecoder.decode(TestPNG(width: width, height: height, colorType: 2, bitDepth: 8, samples: rgb).encode(),
                                             source: "rgb", background: 0)
        assertPixels(rgbImage, rgb.map { luma(Double($0[0]), Double($0[1]), Double($0[2])) }, "RGB 8-bit")

        let rgba16 = (0..<count).map { [($0 * 2039) % 65_536, ($0 * 4099) % 65_536, ($0 * 601) % 65_536, ($0 * 9001) % 65_536] }
        let rgbaImage = try PNGDecoder.decode(TestPNG(width: width, height: height, colorType: 6, bitDepth: 16, samples: rgba16).encode(),
                                              source: "rgba16", background: 100)
        assertPixels(rgbaImage, rgba16.map { p in
            let alpha = Double(p[3]) / 65_535
            return alpha * luma(Double(p[0]) / 257, Double(p[1]) / 257, Double(p[2]) / 257) + (1 - alpha) * 100
        }, "RGBA 16-bit", accuracy: 2e-3)

        let grayAlpha = (0..<count).map { [($0 * 19) % 256, ($0 * 23) % 256] }
        let grayAlphaImage = try PNGDecoder.decode(TestPNG(width: width, height: height, colorType: 4, bitDepth: 8, samples: grayAlpha).encode(),
                                                   source: "ga", background: 127)
        assertPixels(grayAlphaImage, grayAlpha.map { Double($0[1]) / 255 * Double($0[0]) + (1 - Double($0[1]) / 255) * 127 }, "gray+alpha")
    }

    func testPaletteWithTransparencyAndInterlacing() throws {
        let width = 13, height = 11
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255, 200, 100, 50, 10, 240, 70]
        let indices = (0..<(width * height)).map { ($0 * 5 + $0 / width) % 4 }
        for interlaced in [false, true] {
            var png = TestPNG(width: width, height: height, colorType: 3, bitDepth: 4, samples: indices.map { [$0] })
            png.palette = palette
            png.transparency = [255, 255, 0]  // entry 2 fully transparent, 3 opaque (absent = opaque)
            png.interlaced = interlaced
            let image = try PNGDecoder.decode(png.encode(), source: "palette", background: 127)
            assertPixels(image, indices.map { index in
                index == 2 ? 127 : luma(Double(palette[3 * index]), Double(palette[3 * index + 1]), Double(palette[3 * index + 2]))
            }, "palette interlaced=\(interlaced)")
        }
        let gray = (0..<(width * height)).map { [($0 * 7) % 256] }
        var interlacedGray = TestPNG(width: width, height: height, colorType: 0, bitDepth: 8, samples: gray)
        interlacedGray.interlaced = true
        assertPixels(try PNGDecoder.decode(interlacedGray.encode(), source: "adam7", background: 0), gray.map { Double($0[0]) }, "Adam7 gray")
    }

    func testDamagedFilesAreRefusedWithTheReason() throws {
        let good = TestPNG(width: 4, height: 4, colorType: 0, bitDepth: 8, samples: (0..<16).map { [$0 * 10] }).encode()
        var corrupt = good
        corrupt[corrupt.count - 20] ^= 0xFF  // inside the IDAT body: its CRC no longer matches
        XCTAssertThrowsError(try PNGDecoder.decode(corrupt, source: "x.png", background: 0)) {
            XCTAssertTrue("\($0)".contains("x.png: chunk IDAT fails its CRC check"), "\($0)")
        }
        XCTAssertThrowsError(try PNGDecoder.decode(good.prefix(good.count - 12), source: "cut.png", background: 0)) {
            XCTAssertTrue("\($0)".contains("before its IEND"), "\($0)")
        }
        XCTAssertThrowsError(try PNGDecoder.decode(Data("GIF89a......".utf8), source: "a.gif", background: 0)) {
            XCTAssertTrue("\($0)".contains("not a PNG file"), "\($0)")
        }
    }
}
