import Foundation
import XCTest
@testable import V1TModel

final class SafeTensorsTests: XCTestCase {
    func testRoundTripAndByteLayout() throws {
        let tensors = [
            SafeTensors.Tensor(name: "a", shape: [2, 2], values: [1, 2, 3, 4]),
            SafeTensors.Tensor(name: "b", shape: [3], values: [-1, 0.5, .pi]),
        ]
        let data = try SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertEqual((8 + headerLength) % 8, 0, "data must start 8-byte aligned")
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        let b = header["b"] as! [String: Any]
        XCTAssertEqual(b["data_offsets"] as! [Int], [16, 28])
        XCTAssertEqual(b["dtype"] as! String, "F32")
        // The first float of `a` is 1.0 little-endian right after the header.
        XCTAssertEqual(Array(data[(8 + headerLength)..<(12 + headerLength)]), [0x00, 0x00, 0x80, 0x3F])

        let decoded = try SafeTensors.decode(data)
        XCTAssertEqual(decoded.tensors, tensors)
        XCTAssertEqual(decoded.metadata, ["format": "pt"])
    }

    func testRejectsTruncatedData() throws {
        let data = try SafeTensors.encode([SafeTensors.Tensor(name: "a", shape: [4], values: [1, 2, 3, 4])])
        XCTAssertThrowsError(try SafeTensors.decode(data.prefix(data.count - 3), path: "run/best.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("run/best.safetensors"))
            XCTAssertTrue("\(error)".contains("data_offsets"))
        }
    }

    func testParameterStoreLoadsByNameAndChecksShapes() throws {
        var layout = ParameterLayout()
        let w = layout.add("w", shape: [2], group: .core, initializer: .normal(std: 1))
        let source = ParameterStore(layout: layout, seed: 1)
        let target = ParameterStore(layout: layout, seed: 2)
        try target.load(source.namedTensors(), source: "x")
        XCTAssertEqual(target.values(of: w), source.values(of: w))
        XCTAssertThrowsError(try target.load([SafeTensors.Tensor(name: "w", shape: [1, 2], values: [0, 0])], source: "x"))
        XCTAssertThrowsError(try target.load([], source: "x")) { XCTAssertTrue("\($0)".contains("has no tensor w")) }
    }
}
