import Foundation

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`), written by hand: a sequence of
/// TFRecords, each holding one serialised `tensorflow.Event` protocol buffer. `tensorboard --logdir
/// runs/` reads every such file below the folder. What is written (see `ProtoWriter` for the fields):
///
///     Event { wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 }
///     Summary { repeated Value value = 1 }
///     Value { tag = 1 (string), simple_value = 2 (float), histo = 5 (HistogramProto) }
///     HistogramProto { min = 1, max = 2, num = 3, sum = 4, sum_squares = 5 (doubles),
///                      bucket_limit = 6, bucket = 7 (packed doubles) }
///
/// Each event is flushed at once, so TensorBoard shows a running job's progress and a crash loses
/// nothing already logged.
public final class EventFile {
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `directory` (created if needed) and writes the version record.
    public init(directory: URL, now: Date = Date()) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host.isEmpty ? "localhost" : host)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw EventFileError("cannot create \(url.path): is the run directory writable?")
        }
        handle = try FileHandle(forWritingTo: url)
        var event = ProtoWriter()
        event.double(1, now.timeIntervalSince1970)
        event.string(3, "brain.Event:2")
        try append(event.bytes)
    }

    deinit { try? handle.close() }

    /// One scalar per tag at `step`.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, now: Date = Date()) throws {
        var summary = ProtoWriter()
        for (tag, value) in values {
            var entry = ProtoWriter()
            entry.string(1, tag)
            entry.float(2, Float(value))
            summary.message(1, entry)
        }
        try write(summary: summary, step: step, now: now)
    }

    /// A histogram of `values` (non-finite ones left out) in `buckets` equal bins between their extremes.
    public func histogram(_ tag: String, values: [Double], step: Int, buckets: Int = 30, now: Date = Date()) throws {
        let finite = values.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 0
        let width = high > low ? (high - low) / Double(buckets) : 1
        var counts = [Double](repeating: 0, count: buckets)
        for value in finite { counts[min(Int((value - low) / width), buckets - 1)] += 1 }
        var histogram = ProtoWriter()
        histogram.double(1, low)
        histogram.double(2, high)
        histogram.double(3, Double(finite.count))
        histogram.double(4, finite.reduce(0, +))
        histogram.double(5, finite.reduce(0) { $0 + $1 * $1 })
        histogram.packedDoubles(6, (1...buckets).map { low + Double($0) * width })
        histogram.packedDoubles(7, counts)
        var entry = ProtoWriter()
        entry.string(1, tag)
        entry.message(5, histogram)
        var summary = ProtoWriter()
        summary.message(1, entry)
        try write(summary: summary, step: step, now: now)
    }

    private func write(summary: ProtoWriter, step: Int, now: Date) throws {
        var event = ProtoWriter()
        event.double(1, now.timeIntervalSince1970)
        event.varint(2, UInt64(bitPattern: Int64(step)))
        event.message(5, summary)
        try append(event.bytes)
    }

    private func append(_ record: [UInt8]) throws {
        do {
            try handle.write(contentsOf: TFRecord.frame(record))
        } catch {
            throw EventFileError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}

public struct EventFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// TFRecord framing: length (uint64 LE), masked CRC32C of the length bytes (uint32 LE), the data,
/// masked CRC32C of the data. Masking, as TensorFlow does: rotate right by 15, add 0xa282ead8.
public enum TFRecord {
    public static func frame(_ data: [UInt8]) -> Data {
        var out = Data(capacity: data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out.append(contentsOf: length)
        withUnsafeBytes(of: maskedCRC32C(length).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: data)
        withUnsafeBytes(of: maskedCRC32C(data).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    public static func maskedCRC32C(_ bytes: [UInt8]) -> UInt32 {
        let crc = CRC32C.checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
public enum CRC32C {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// The few protocol-buffer encodings an event needs (wire types 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, wireType: 0)
        appendVarint(value)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, wireType: 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, wireType: 5)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ field: Int, _ value: String) { lengthDelimited(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ value: ProtoWriter) { lengthDelimited(field, value.bytes) }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var packed: [UInt8] = []
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { packed.append(contentsOf: $0) } }
        lengthDelimited(field, packed)
    }

    private mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, wireType: 2)
        appendVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    private mutating func key(_ field: Int, wireType: UInt64) { appendVarint(UInt64(field) << 3 | wireType) }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}
