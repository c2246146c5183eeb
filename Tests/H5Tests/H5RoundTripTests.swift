import CHDF5
import Foundation
import H5
import HDF5Shim
import XCTest

/// A fresh directory per test, removed afterwards.
func makeScratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("h5tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

final class H5RoundTripTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeScratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testNumericDatasetsRoundTripAndConvert() throws {
        let path = directory.appendingPathComponent("numbers.h5").path
        let file = try H5File.create(path)
        try file.write([1.5, -2.25, 3, 4, 5, 6] as [Float], shape: [2, 3], to: "a/b/floats")
        try file.write([1, -2, 3] as [Int64], to: "ints64")
        try file.write([0, 255, 7] as [UInt8], to: "bytes")
        try file.write([65535, 1] as [UInt16], to: "u16")
        try file.write([-7, 8] as [Int32], to: "i32")
        try file.write([0.125, 1e10] as [Double], to: "doubles")
        try file.write(scalar: 42 as Int64, to: "answer")
        try file.close()

        let reopened = try H5File.open(path)
        let floats = try reopened.dataset("a/b/floats")
        XCTAssertEqual(floats.shape, [2, 3])
        XCTAssertEqual(floats.elementType, .float(bytes: 4))
        XCTAssertEqual(try floats.read(as: Float.self), [1.5, -2.25, 3, 4, 5, 6])
        XCTAssertEqual(try floats.read(as: Double.self), [1.5, -2.25, 3, 4, 5, 6])
        XCTAssertEqual(try reopened.read("ints64", as: Float.self), [1, -2, 3])
        XCTAssertEqual(try reopened.read("ints64", as: Int32.self), [1, -2, 3])
        XCTAssertEqual(try reopened.dataset("ints64").elementType, .integer(signed: true, bytes: 8))
        XCTAssertEqual(try reopened.read("bytes", as: UInt8.self), [0, 255, 7])
        XCTAssertEqual(try reopened.read("bytes", as: Double.self), [0, 255, 7])
        XCTAssertEqual(try reopened.read("u16", as: Int32.self), [65535, 1])
        XCTAssertEqual(try reopened.dataset("u16").elementType, .integer(signed: false, bytes: 2))
        XCTAssertEqual(try reopened.read("i32", as: Int64.self), [-7, 8])
        XCTAssertEqual(try reopened.read("doubles", as: Double.self), [0.125, 1e10])
        let answer = try reopened.dataset("answer")
        XCTAssertEqual(answer.shape, [])
        XCTAssertEqual(try answer.read(as: Int64.self), [42])
    }

    func testHyperslabsReadRowAndColumnBlocks() throws {
        let path = directory.appendingPathComponent("trace.h5").path
        let rows = 4, columns = 7
        let values = (0..<(rows * columns)).map { Float($0) }
        let file = try H5File.create(path)
        try file.write(values, shape: [rows, columns], to: "trace", storage: H5Storage(chunks: [2, 3]))
        let trace = try file.dataset("trace")
        XCTAssertEqual(try trace.read(rows: 1..<3, as: Float.self), Array(values[7..<21]))
        XCTAssertEqual(try trace.read(columns: 2..<4, as: Float.self), [2, 3, 9, 10, 16, 17, 23, 24])
        XCTAssertEqual(try trace.read(start: [3, 5], count: [1, 2], as: Double.self), [26, 27])
        XCTAssertEqual(try trace.read(rows: 2..<2, as: Float.self), [])
        XCTAssertThrowsError(try trace.read(columns: 5..<8, as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("outside shape [4, 7]"), "\(error)")
        }
    }

    func testGroupsNestExistAndListMembers() throws {
        let path = directory.appendingPathComponent("groups.h5").path
        let file = try H5File.create(path)
        try file.createGroup("processing/pipeline/DfOverF")
        let pipeline = try file.createGroup("processing/pipeline")  // already there: opened
        try pipeline.write([1, 2] as [Float], to: "Traces/data")
        XCTAssertTrue(try file.exists("processing/pipeline/DfOverF"))
        XCTAssertTrue(try file.exists("/processing/pipeline/Traces/data"))
        XCTAssertTrue(try pipeline.exists("Traces"))
        XCTAssertFalse(try file.exists("processing/missing/deeper/data"))
        XCTAssertFalse(try file.exists("nothing"))
        XCTAssertEqual(try file.memberNames("processing/pipeline"), ["DfOverF", "Traces"])
        XCTAssertEqual(try pipeline.memberNames(), ["DfOverF", "Traces"])
        XCTAssertEqual(try file.kind(of: "processing/pipeline/Traces"), .group)
        XCTAssertEqual(try file.kind(of: "processing/pipeline/Traces/data"), .dataset)
        XCTAssertEqual(try pipeline.dataset("Traces/data").path, "/processing/pipeline/Traces/data")
    }

    func testFixedLengthStringsRoundTripAsBytes() throws {
        let path = directory.appendingPathComponent("strings.h5").path
        let file = try H5File.create(path)
        try file.write(string: "three_session_B", to: "general/session_type")
        try file.write(strings: ["roi_1", "roi_10", ""], to: "roi_ids")
        try file.close()

        let reopened = try H5File.open(path)
        let sessionType = try reopened.dataset("general/session_type")
        XCTAssertEqual(sessionType.shape, [])
        XCTAssertEqual(sessionType.elementType, .string(variableLength: false, bytes: 15))
        XCTAssertEqual(try reopened.readString("general/session_type"), "three_session_B")
        XCTAssertEqual(try reopened.readStrings("roi_ids"), ["roi_1", "roi_10", ""])
        XCTAssertEqual(try reopened.dataset("roi_ids").elementType, .string(variableLength: false, bytes: 6))
    }

    func testVariableLengthStringsAreRead() throws {
        // h5py writes Python `str` as variable-length strings; write some with the C API directly.
        let path = directory.appendingPathComponent("vlen.h5").path
        let file = try H5File.create(path)
        let type = H5Tcopy(vita_h5t_c_s1())
        H5Tset_size(type, vita_h5t_variable())
        var dims: [hsize_t] = [2]
        let space = H5Screate_simple(1, &dims, nil)
        let dataset = H5Dcreate2(file.id, "names", type, space, vita_h5p_default(), vita_h5p_default(), vita_h5p_default())
        let strings = ["VISp", "Cux2-CreERT2"]
        var cStrings = strings.map { strdup($0) }
        XCTAssertGreaterThanOrEqual(H5Dwrite(dataset, type, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), &cStrings), 0)
        let scalar = H5Screate(H5S_SCALAR)
        let attribute = H5Acreate2(dataset, "unit", type, scalar, vita_h5p_default(), vita_h5p_default())
        var unit = [strdup("microns")]
        XCTAssertGreaterThanOrEqual(H5Awrite(attribute, type, &unit), 0)
        H5Aclose(attribute); H5Sclose(scalar); H5Dclose(dataset); H5Sclose(space); H5Tclose(type)
        (cStrings + unit).forEach { free($0) }
        try file.close()

        let reopened = try H5File.open(path)
        XCTAssertEqual(try reopened.dataset("names").elementType, .string(variableLength: true, bytes: 8))
        XCTAssertEqual(try reopened.readStrings("names"), strings)
        XCTAssertEqual(try reopened.dataset("names").stringAttribute("unit"), "microns")
    }

    func testAttributesRoundTripAndReplace() throws {
        let path = directory.appendingPathComponent("attributes.h5").path
        let file = try H5File.create(path)
        try file.setAttribute("format_version", 1 as Int64)
        try file.setAttribute("format_version", 2 as Int64)  // replaced, not duplicated
        try file.setAttribute("source", "simulated")
        let data = try file.write([1, 2, 3] as [Float], to: "data")
        try data.setAttribute("window", [0.0, 0.5] as [Double])
        try data.setAttribute("names", ["pupil", "running"])
        try file.close()

        let reopened = try H5File.open(path)
        XCTAssertEqual(try reopened.attributeNames(), ["format_version", "source"])
        XCTAssertEqual(try reopened.attribute("format_version", as: Int64.self), [2])
        XCTAssertEqual(try reopened.attribute("format_version", as: Double.self), [2])
        XCTAssertEqual(try reopened.stringAttribute("source"), "simulated")
        XCTAssertTrue(try reopened.hasAttribute("source"))
        XCTAssertFalse(try reopened.hasAttribute("absent"))
        let dataset = try reopened.dataset("data")
        XCTAssertEqual(try dataset.attribute("window", as: Double.self), [0.0, 0.5])
        XCTAssertEqual(try dataset.stringsAttribute("names"), ["pupil", "running"])
        XCTAssertThrowsError(try dataset.attribute("names", as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("attribute 'names'"), "\(error)")
        }
    }

    func testGzipChunkedImagesCompress() throws {
        let path = directory.appendingPathComponent("images.h5").path
        let pixels = [UInt8](repeating: 128, count: 20 * 64 * 64)
        let file = try H5File.create(path)
        try file.write(pixels, shape: [20, 64, 64], to: "images", storage: H5Storage(chunks: [1, 64, 64], gzipLevel: 4))
        try file.close()
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertLessThan(size, pixels.count / 4, "gzip should shrink a constant stack")
        XCTAssertEqual(try H5File.open(path).read("images", as: UInt8.self), pixels)
    }
}

final class H5EditTests: XCTestCase {
    func testOverwriteAndRemove() throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("edit.h5").path
        let file = try H5File.create(path)
        try file.write([1, 2, 3] as [Float], to: "group/values")
        try file.write([7] as [Int32], to: "group/other")
        try file.close()

        let editable = try H5File.open(path, mode: .readWrite)
        try editable.dataset("group/values").overwrite(with: [4, 5, 6] as [Int64])
        try editable.remove("group/other")
        XCTAssertThrowsError(try editable.dataset("group/values").overwrite(with: [1] as [Float]))
        try editable.close()

        let reopened = try H5File.open(path)
        XCTAssertEqual(try reopened.read("group/values", as: Float.self), [4, 5, 6])
        XCTAssertEqual(try reopened.memberNames("group"), ["values"])
        XCTAssertThrowsError(try H5File.open(path).dataset("group/values").overwrite(with: [0, 0, 0] as [Float]),
                             "a read-only file refuses writes")
    }
}
