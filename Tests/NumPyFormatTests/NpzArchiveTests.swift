import XCTest
@testable import NumPyFormat

final class NpzArchiveTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// The events formula of `Fixtures/make_fixtures.py`.
    func expectedEvents() -> [Double] {
        var values: [Double] = []
        for cell in 0..<3 {
            for frame in 0..<50 { values.append((cell + frame) % 7 == 0 ? Double(10 * cell + frame) / 8 : 0) }
        }
        return values
    }

    func testReadsNumPySavezCompressedAndSavez() throws {
        let compressed = try NpzArchive(contentsOf: NpyFileTests.fixtures.appendingPathComponent("events_deflate.npz"))
        XCTAssertEqual(compressed.names, ["ev"])
        let ev = try compressed.array(named: "ev")
        XCTAssertEqual(ev.shape, [3, 50])
        XCTAssertEqual(ev.elements, .float64(expectedEvents()))

        let stored = try NpzArchive(contentsOf: NpyFileTests.fixtures.appendingPathComponent("events_stored.npz"))
        XCTAssertEqual(stored.names, ["ev", "ids"])
        XCTAssertEqual(try stored.array(named: "ev").floats(), expectedEvents().map { Float($0) })
        XCTAssertEqual(try stored.array(named: "ids").integers(), [11, 12, 13])
    }

    func testReadsDeflatedStoredAndZip64EntriesWrittenByTheTest() throws {
        let big = NpyArray((0..<(200 * 1000)).map { Float(($0 * 37) % 1001) / 10 }, shape: [200, 1000])
        let small = NpyArray([Int64]([5, 6, 7]))
        let url = folder.appendingPathComponent("a.npz")
        try ZipTestWriter.archive([
            .init(name: "ev.npy", contents: NpyFile.encode(big), deflate: true),
            .init(name: "ids.npy", contents: NpyFile.encode(small), deflate: false),
            .init(name: "z.npy", contents: NpyFile.encode(small), deflate: true, zip64: true),
        ]).write(to: url)
        let archive = try NpzArchive(contentsOf: url)
        XCTAssertEqual(archive.names, ["ev", "ids", "z"])
        XCTAssertEqual(try archive.array(named: "ev"), big)
        XCTAssertEqual(try archive.array(named: "ids"), small)
        XCTAssertEqual(try archive.array(named: "z"), small)
        XCTAssertThrowsError(try archive.array(named: "dff")) { error in
            XCTAssertTrue("\(error)".contains("has no array 'dff' (it holds: ev, ids, z)"), "\(error)")
        }
    }

    func testCorruptionAndTruncationAreReported() throws {
        let array = NpyArray((0..<1000).map { Float($0) })
        var bytes = ZipTestWriter.archive([.init(name: "ev.npy", contents: NpyFile.encode(array), deflate: false)])
        let url = folder.appendingPathComponent("bad.npz")
        bytes[30 + 6 + 200] ^= 0xFF  // a data byte of the stored entry
        try bytes.write(to: url)
        XCTAssertThrowsError(try NpzArchive(contentsOf: url).array(named: "ev")) { error in
            XCTAssertTrue("\(error)".contains("CRC mismatch"), "\(error)")
        }
        try bytes.prefix(bytes.count / 2).write(to: url)
        XCTAssertThrowsError(try NpzArchive(contentsOf: url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("bad.npz") && text.contains("not a readable .npz"), text)
        }
    }

    func testNpzWriterOutputReadsBack() throws {
        let ev = NpyArray((0..<60).map { Float($0) / 4 }, shape: [3, 20])
        let ids = NpyArray([Int64]([7, 8, 9]))
        let url = folder.appendingPathComponent("written.npz")
        try NpzWriter.write([("ev", ev), ("ids", ids)], to: url)
        let archive = try NpzArchive(contentsOf: url)
        XCTAssertEqual(archive.names, ["ev", "ids"])
        XCTAssertEqual(try archive.array(named: "ev"), ev)
        XCTAssertEqual(try archive.array(named: "ids"), ids)
    }
}
