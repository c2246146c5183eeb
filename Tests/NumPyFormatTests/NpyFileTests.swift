import XCTest
@testable import NumPyFormat

final class NpyFileTests: XCTestCase {
    /// Files written by NumPy itself (`Fixtures/make_fixtures.py`), committed so the tests need no Python.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    func fixture(_ name: String) -> URL { Self.fixtures.appendingPathComponent(name) }

    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testReadsEveryDtypeNumPyWrites() throws {
        let f4 = try NpyFile.read(fixture("f4_2x3.npy"))
        XCTAssertEqual(f4.shape, [2, 3])
        XCTAssertEqual(f4.elements, .float32([0, 0.25, 0.5, 0.75, 1, 1.25]))
        XCTAssertEqual(try NpyFile.read(fixture("f8.npy")).elements, .float64([0.1, -2.5, 1e300]))
        XCTAssertEqual(try NpyFile.read(fixture("i8.npy")).elements, .int64([-1, 1 << 40, 517_500_000]))
        let i4 = try NpyFile.read(fixture("i4.npy"))
        XCTAssertEqual(i4.shape, [2, 2])
        XCTAssertEqual(i4.elements, .int32([-7, 8, 9, 10]))
        XCTAssertEqual(try NpyFile.read(fixture("u1.npy")).elements, .uint8([250, 251, 252, 253, 254, 255]))
        XCTAssertEqual(try NpyFile.read(fixture("b1.npy")).elements, .bool([true, false, true]))
        let scalar = try NpyFile.read(fixture("scalar_f4.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(try scalar.floats(), [2.5])
        XCTAssertEqual(try NpyFile.read(fixture("tiers.npy")).elements,
                       .unicode(["train", "validation", "test", "final_test"], width: 10))
        XCTAssertEqual(try NpyFile.read(fixture("bytes.npy")).elements, .bytes(["roi_1", "x"], width: 5))
        XCTAssertEqual(try NpyFile.read(fixture("v2_f4.npy")).elements, .float32([0, 1, 2, 3]))
    }

    func testWritesTheSameBytesAsNumPy() throws {
        // NumPy 2.x output, byte for byte: header text, 64-byte alignment and data.
        let cases: [(String, NpyArray)] = [
            ("f4_2x3.npy", NpyArray([Float]([0, 0.25, 0.5, 0.75, 1, 1.25]), shape: [2, 3])),
            ("i8.npy", NpyArray([Int64]([-1, 1 << 40, 517_500_000]))),
            ("u1.npy", NpyArray([UInt8]([250, 251, 252, 253, 254, 255]))),
            ("b1.npy", NpyArray([true, false, true])),
            ("scalar_f4.npy", NpyArray([Float(2.5)], shape: [])),
            ("tiers.npy", NpyArray(unicode: ["train", "validation", "test", "final_test"])),
        ]
        for (name, array) in cases {
            XCTAssertEqual(NpyFile.encode(array), try Data(contentsOf: fixture(name)), name)
        }
    }

    func testRoundTripThroughAFile() throws {
        let arrays = [
            NpyArray((0..<24).map { Float($0) * 0.5 - 3 }, shape: [2, 3, 4]),
            NpyArray([Double.pi, -0.0, .infinity]),
            NpyArray([Int32.min, 0, Int32.max]),
            NpyArray([Float](), shape: [0, 5]),
            NpyArray(unicode: ["é", "naïve ✓"]),
        ]
        for (i, array) in arrays.enumerated() {
            let url = folder.appendingPathComponent("\(i).npy")
            try NpyFile.write(array, to: url)
            XCTAssertEqual(try NpyFile.read(url), array)
        }
        let nan = NpyArray([Float.nan, 1])
        let url = folder.appendingPathComponent("nan.npy")
        try NpyFile.write(nan, to: url)
        let back = try NpyFile.read(url).floats()
        XCTAssertTrue(back[0].isNaN)
        XCTAssertEqual(back[1], 1)
    }

    func testLongHeaderSwitchesToFormat2() throws {
        let shape = [Int](repeating: 1, count: 25_000)  // "1, " each: a header longer than 65535 bytes
        let data = NpyFile.encode(NpyArray([Float(7)], shape: shape))
        XCTAssertEqual(Array(data[6..<8]), [2, 0])
        XCTAssertEqual(data.firstIndex(of: 0x0A).map { ($0 + 1) % 64 }, 0)
        XCTAssertEqual(try NpyFile.decode(data).shape, shape)
    }

    func testRefusalsNameTheProblemAndTheFile() throws {
        let expectations = [
            ("fortran.npy", "Fortran"),
            ("bigendian.npy", "big-endian dtype '>f4'"),
            ("object.npy", "object array"),
        ]
        for (name, phrase) in expectations {
            XCTAssertThrowsError(try NpyFile.read(fixture(name))) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(phrase) && text.contains(name), text)
            }
        }
        let url = folder.appendingPathComponent("cut.npy")
        try NpyFile.encode(NpyArray([Float](repeating: 1, count: 100))).prefix(200).write(to: url)
        XCTAssertThrowsError(try NpyFile.read(url)) { error in
            XCTAssertTrue("\(error)".contains("truncated .npy array: the header announces 400 bytes"), "\(error)")
        }
        try Data("hello".utf8).write(to: url)
        XCTAssertThrowsError(try NpyFile.read(url)) { error in
            XCTAssertTrue("\(error)".contains("not a NumPy .npy array"), "\(error)")
        }
        XCTAssertThrowsError(try NpyArray([Float(1.5)]).integers())
    }
}
