import Foundation
import H5
import XCTest

final class H5ErrorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeScratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testMissingFileIsNamed() {
        let path = directory.appendingPathComponent("absent.h5").path
        XCTAssertThrowsError(try H5File.open(path)) { error in
            XCTAssertEqual("\(error)", "\(path): /: no such file")
        }
    }

    func testNonHDF5FileIsRecognised() throws {
        let path = directory.appendingPathComponent("text.h5").path
        try "not hdf5 at all\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try H5File.open(path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
            XCTAssertTrue("\(error)".contains("not an HDF5 file"), "\(error)")
        }
    }

    func testTruncatedFileFailsToOpenWithHDF5Detail() throws {
        let path = directory.appendingPathComponent("cut.h5").path
        let file = try H5File.create(path)
        try file.write([Float](repeating: 1, count: 10_000), to: "data")
        try file.close()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 5_000)
        try handle.close()
        XCTAssertThrowsError(try H5File.open(path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path), text)
            XCTAssertTrue(text.contains("truncated"), text)
        }
    }

    func testMissingObjectsAndWrongKindsNameThePath() throws {
        let path = directory.appendingPathComponent("kinds.h5").path
        let file = try H5File.create(path)
        try file.write(string: "text", to: "group/label")
        XCTAssertThrowsError(try file.dataset("group/absent")) { error in
            XCTAssertEqual("\(error)", "\(path): /group/absent: no such dataset")
        }
        XCTAssertThrowsError(try file.read("group/label", as: Float.self)) { error in
            XCTAssertEqual("\(error)", "\(path): /group/label: holds fixed-length string (4 bytes), not numbers")
        }
        XCTAssertThrowsError(try file.write([1] as [Float], to: "group/label")) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
        XCTAssertThrowsError(try file.write([1, 2, 3] as [Float], shape: [2, 2], to: "bad")) { error in
            XCTAssertEqual("\(error)", "\(path): /bad: 3 values do not fill shape [2, 2]")
        }
    }
}
