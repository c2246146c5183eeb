import Foundation
import NumPyFormat
import XCTest
@testable import ImageFiles

final class ImageFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vita-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String, _ data: Data) throws -> String {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func testPGMBinaryAsciiAndSixteenBit() throws {
        let pixels: [UInt8] = [0, 50, 100, 150, 200, 255]
        let binary = try ImageFile.read(try file("a.pgm", PGM.encode(pixels, height: 2, width: 3)), background: 0)
        XCTAssertEqual(binary, GrayImage(height: 2, width: 3, pixels: pixels.map(Float.init)))

        let ascii = "P2\n# made by hand\n3 2 # width height\n15\n0 3 6\n9 12 15\n"
        let asciiImage = try ImageFile.read(try file("b.pgm", Data(ascii.utf8)), background: 0)
        XCTAssertEqual(asciiImage.pixels, [0, 51, 102, 153, 204, 255])

        let wide = Data("P5 2 1 1000\n".utf8) + Data([0x01, 0xF4, 0x03, 0xE8])  // 500 and 1000 of 1000
        XCTAssertEqual(try ImageFile.read(try file("c.pgm", wide), background: 0).pixels, [127.5, 255])
    }

    func testPGMProblemsAreNamed() throws {
        let short = try file("short.pgm", Data("P5 4 4 255\n".utf8) + Data([1, 2, 3]))
        XCTAssertThrowsError(try ImageFile.read(short, background: 0)) { XCTAssertTrue("\($0)".contains("needs 16 (truncated?)"), "\($0)") }
        let above = try file("above.pgm", Data("P2 2 1 10\n3 11\n".utf8))
        XCTAssertThrowsError(try ImageFile.read(above, background: 0)) { XCTAssertTrue("\($0)".contains("above the header's maxval 10"), "\($0)") }
    }

    func testNumpyImagesAndTheirRefusals() throws {
        let values: [Float] = [0, 12.5, 255, 64, 128, 3]
        let image = try ImageFile.read(try file("a.npy", NpyFile.encode(NpyArray(values, shape: [2, 3]))), background: 0)
        XCTAssertEqual(image, GrayImage(height: 2, width: 3, pixels: values))
        let bytes = try ImageFile.read(try file("b.npy", NpyFile.encode(NpyArray([UInt8](arrayLiteral: 1, 2, 3, 4), shape: [4, 1]))), background: 0)
        XCTAssertEqual(bytes.pixels, [1, 2, 3, 4])

        let stack = try file("stack.npy", NpyFile.encode(NpyArray([Float](repeating: 1, count: 8), shape: [2, 2, 2])))
        XCTAssertThrowsError(try ImageFile.read(stack, background: 0)) {
            XCTAssertTrue("\($0)".contains("shape [2, 2, 2]; give one 2-D (height, width) image"), "\($0)")
        }
        let unit = try file("unit.npy", NpyFile.encode(NpyArray([Float](arrayLiteral: 0.5, 1.5, -0.1, 0.2), shape: [2, 2])))
        XCTAssertThrowsError(try ImageFile.read(unit, background: 0)) { XCTAssertTrue("\($0)".contains("in 0...255"), "\($0)") }
    }

    func testFormatIsRecognisedByContentAndUnknownFilesAreRefused() throws {
        // A PGM named .png is still read as the PGM it is.
        let misnamed = try file("really-a-pgm.png", PGM.encode([7, 8], height: 1, width: 2))
        XCTAssertEqual(try ImageFile.read(misnamed, background: 0).pixels, [7, 8])
        let text = try file("notes.png", Data("hello".utf8))
        XCTAssertThrowsError(try ImageFile.read(text, background: 0)) {
            XCTAssertTrue("\($0)".contains("notes.png: is not an image this tool reads; give PNG, PGM"), "\($0)")
        }
        XCTAssertThrowsError(try ImageFile.read(directory.appendingPathComponent("absent.png").path, background: 0)) {
            XCTAssertTrue("\($0)".hasSuffix("absent.png: does not exist"), "\($0)")
        }
    }
}
