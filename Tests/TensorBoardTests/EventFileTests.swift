import Foundation
import XCTest
import TensorBoard

/// Reads what `EventFile` writes with code that shares nothing with it: a bit-by-bit CRC-32C and a
/// generic protocol-buffer decoder, checking TFRecord framing and checksums and every Event field
/// TensorBoard reads. (The same file was also opened once with the real tensorboard package: see
/// docs/monitoring.md.)
final class EventFileTests: XCTestCase {
    /// CRC-32C one bit at a time, straight from the definition.
    static func bitwiseCRC32C(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = ~0
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0x82F6_3B78 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    static func masked(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }

    struct TruncatedVarint: Error {}

    /// One decoded field: its number and either an integer (varint, fixed32, fixed64) or bytes.
    enum Field { case number(UInt64), bytes([UInt8]) }

    static func decode(_ bytes: [UInt8]) throws -> [(Int, Field)] {
        var fields: [(Int, Field)] = [], i = 0
        func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count else { throw TruncatedVarint() }
                let byte = bytes[i]; i += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        func fixed(_ size: Int) -> UInt64 {
            defer { i += size }
            return (0..<size).reduce(0) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
        }
        while i < bytes.count {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((field, .number(try varint())))
            case 1: fields.append((field, .number(fixed(8))))
            case 5: fields.append((field, .number(fixed(4))))
            case 2:
                let length = Int(try varint())
                fields.append((field, .bytes(Array(bytes[i..<(i + length)]))))
                i += length
            default: XCTFail("unexpected wire type \(key & 7)"); return fields
            }
        }
        return fields
    }

    static func records(in data: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = [], i = 0
        func le(_ start: Int, _ size: Int) -> UInt64 { (0..<size).reduce(0) { $0 | UInt64(data[start + $1]) << (8 * UInt64($1)) } }
        while i < data.count {
            let length = Int(le(i, 8))
            XCTAssertEqual(UInt32(le(i + 8, 4)), masked(bitwiseCRC32C(Array(data[i..<(i + 8)]))), "length checksum of record \(records.count)")
            let payload = Array(data[(i + 12)..<(i + 12 + length)])
            XCTAssertEqual(UInt32(le(i + 12 + length, 4)), masked(bitwiseCRC32C(payload)), "data checksum of record \(records.count)")
            records.append(payload)
            i += 12 + length + 4
        }
        XCTAssertEqual(i, data.count, "the file ends on a record boundary")
        return records
    }

    func testCRC32CMatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        let bytes = (0..<1000).map { UInt8(($0 * 31 + 7) % 256) }
        XCTAssertEqual(CRC32C.checksum(bytes), Self.bitwiseCRC32C(bytes))
    }

    func testScalarsAndHistogramsDecodeWithAnIndependentReader() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try EventFile(directory: folder, now: Date(timeIntervalSince1970: 1_700_000_000))
        try file.scalars([("loss/train", 1.5), ("val/correlation/rec-1", 0.25)], step: 3, now: Date(timeIntervalSince1970: 1_700_000_010))
        try file.histogram("val/per_neuron_correlation", values: [0, 0.1, 0.1, 0.4, .nan], step: 3, buckets: 4)
        XCTAssertTrue(file.url.lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))

        let records = Self.records(in: Array(try Data(contentsOf: file.url)))
        XCTAssertEqual(records.count, 3)

        // Record 0: wall time and the file version.
        let version = try Self.decode(records[0])
        XCTAssertEqual(version.count, 2)
        if case .number(let bits) = version[0].1 { XCTAssertEqual(Double(bitPattern: bits), 1_700_000_000) } else { XCTFail() }
        if case .bytes(let text) = version[1].1 { XCTAssertEqual(version[1].0, 3); XCTAssertEqual(String(decoding: text, as: UTF8.self), "brain.Event:2") } else { XCTFail() }

        // Record 1: step 3 and a summary of two simple values.
        let scalarEvent = try Self.decode(records[1])
        XCTAssertEqual(scalarEvent.map(\.0), [1, 2, 5])
        if case .number(let step) = scalarEvent[1].1 { XCTAssertEqual(step, 3) } else { XCTFail() }
        guard case .bytes(let summary) = scalarEvent[2].1 else { return XCTFail() }
        let values = try Self.decode(summary)
        XCTAssertEqual(values.map(\.0), [1, 1])
        var decoded: [String: Float] = [:]
        for (_, value) in values {
            guard case .bytes(let entry) = value else { return XCTFail() }
            let fields = try Self.decode(entry)
            guard case .bytes(let tag) = fields[0].1, case .number(let bits) = fields[1].1, fields[1].0 == 2 else { return XCTFail() }
            decoded[String(decoding: tag, as: UTF8.self)] = Float(bitPattern: UInt32(bits))
        }
        XCTAssertEqual(decoded, ["loss/train": 1.5, "val/correlation/rec-1": 0.25])

        // Record 2: a histogram of the four finite values.
        guard case .bytes(let histogramSummary) = try Self.decode(records[2])[2].1,
              case .bytes(let entry) = try Self.decode(histogramSummary)[0].1 else { return XCTFail() }
        let entryFields = try Self.decode(entry)
        XCTAssertEqual(entryFields.map(\.0), [1, 5], "tag, then histo")
        guard case .bytes(let histo) = entryFields[1].1 else { return XCTFail() }
        var numbers: [Int: Double] = [:], packed: [Int: [Double]] = [:]
        for (field, value) in try Self.decode(histo) {
            switch value {
            case .number(let bits): numbers[field] = Double(bitPattern: bits)
            case .bytes(let raw): packed[field] = stride(from: 0, to: raw.count, by: 8).map { start in
                Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(raw[start + $1]) << (8 * UInt64($1)) })
            }
            }
        }
        XCTAssertEqual(numbers[1], 0); XCTAssertEqual(numbers[2], 0.4); XCTAssertEqual(numbers[3], 4)
        XCTAssertEqual(numbers[4]!, 0.6, accuracy: 1e-12); XCTAssertEqual(numbers[5]!, 0.18, accuracy: 1e-12)
        XCTAssertEqual(packed[6]!.count, 4)
        XCTAssertEqual(packed[6]!.last!, 0.4, accuracy: 1e-12)
        XCTAssertEqual(packed[7], [1, 2, 0, 1])
    }
}
