import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#else
import Darwin
private let systemWrite = Darwin.write
#endif

#if _endian(big)
#error("NumPyFormat copies little-endian .npy data straight into memory; a big-endian host needs byte swapping")
#endif

/// Reads and writes NumPy `.npy` files (format 1.0/2.0/3.0, C order, little-endian).
public enum NpyFile {
    /// Reads the array stored in `url`; errors name the file.
    public static func read(_ url: URL) throws -> NpyArray {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw NpyFileError(path: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
        do {
            return try decode(data)
        } catch let error as NpyError {
            throw NpyFileError(path: url.path, reason: error.description)
        }
    }

    /// Writes `array` to a temporary name beside `url`, then renames it, so a reader never sees half a file.
    public static func write(_ array: NpyArray, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try writeWithoutSync(encode(array), to: temporary.path)
            // rename(2) replaces an existing file atomically.
            guard rename(temporary.path, url.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NpyFileError(path: url.path, reason: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Plain open/write/close: `Data.write(to:)` fsyncs every file, which makes an export of thousands of
    /// small per-trial files take minutes; atomicity comes from the rename, not from syncing.
    static func writeWithoutSync(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let n = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
                guard n > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                written += n
            }
        }
    }

    public static func decode(_ data: Data) throws -> NpyArray {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let (header, offset) = try NpyHeader.decode(bytes)
            if header.fortranOrder && header.shape.count > 1 {
                throw NpyError.unsupported(
                    "Fortran (column-major) order; save np.ascontiguousarray(a) instead")
            }
            let count = header.shape.reduce(1, *)
            let type = try ElementType(descr: header.descr)
            let needed = count * type.size
            let available = bytes.count - offset
            guard available >= needed else { throw NpyError.truncated(expectedBytes: needed, foundBytes: available) }
            let body = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + needed)])
            return NpyArray(shape: header.shape, elements: type.decode(body, count: count))
        }
    }

    public static func encode(_ array: NpyArray) -> Data {
        var out = Data(NpyHeader(descr: array.descr, fortranOrder: false, shape: array.shape).encoded())
        switch array.elements {
        case .float32(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .float64(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .int64(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .int32(let v): v.withUnsafeBytes { out.append(contentsOf: $0) }
        case .uint8(let v): out.append(contentsOf: v)
        case .bool(let v): out.append(contentsOf: v.map { $0 ? UInt8(1) : 0 })
        case .unicode(let strings, let width):
            for s in strings {
                var scalars = s.unicodeScalars.prefix(width).map { $0.value }
                scalars += [UInt32](repeating: 0, count: width - scalars.count)
                scalars.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        case .bytes(let strings, let width):
            for s in strings {
                let utf8 = Array(s.utf8.prefix(width))
                out.append(contentsOf: utf8 + [UInt8](repeating: 0, count: width - utf8.count))
            }
        }
        return out
    }
}

/// A `.npy` problem in a named file.
public struct NpyFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The element types understood, parsed from a `descr` such as `<f4` or `<U10`.
private enum ElementType {
    case float32, float64, int64, int32, uint8, bool, unicode(Int), bytes(Int)

    init(descr: String) throws {
        guard let order = descr.first else { throw NpyError.malformedHeader("empty descr") }
        let code = String(descr.dropFirst())
        if descr == "O" || code == "O" || code.hasPrefix("O") {
            throw NpyError.unsupported(
                "object array ('\(descr)', pickled Python objects); save it with a fixed dtype such as '<f4' or '<U10'")
        }
        guard "<>|=".contains(order) else { throw NpyError.malformedHeader("descr '\(descr)' lacks a byte order") }
        switch code {
        case "f4": self = .float32
        case "f8": self = .float64
        case "i8": self = .int64
        case "i4": self = .int32
        case "u1": self = .uint8
        case "b1": self = .bool
        default:
            if let width = Int(code.dropFirst()), width > 0, code.first == "U" {
                self = .unicode(width)
            } else if let width = Int(code.dropFirst()), width > 0, code.first == "S" {
                self = .bytes(width)
            } else {
                throw NpyError.unsupported(
                    "dtype '\(descr)' (supported: <f4 <f8 <i8 <i4 |u1 |b1 <U<n> |S<n>); convert with a.astype(...)")
            }
        }
        if order == ">" && size > 1 && !isBytes {
            throw NpyError.unsupported("big-endian dtype '\(descr)'; convert with a.astype('<\(code)')")
        }
    }

    private var isBytes: Bool { if case .bytes = self { return true } else { return false } }

    var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .uint8, .bool: return 1
        case .unicode(let width): return 4 * width
        case .bytes(let width): return width
        }
    }

    func decode(_ body: UnsafeRawBufferPointer, count: Int) -> NpyArray.Elements {
        func copy<T>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialised in
                if count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: body.baseAddress!, byteCount: body.count) }
                initialised = count
            }
        }
        switch self {
        case .float32: return .float32(copy(Float.self))
        case .float64: return .float64(copy(Double.self))
        case .int64: return .int64(copy(Int64.self))
        case .int32: return .int32(copy(Int32.self))
        case .uint8: return .uint8(Array(body))
        case .bool: return .bool(body.map { $0 != 0 })
        case .unicode(let width):
            let strings = (0..<count).map { i -> String in
                var view = String.UnicodeScalarView()
                for j in 0..<width {
                    let value = body.loadUnaligned(fromByteOffset: 4 * (i * width + j), as: UInt32.self)
                    if value == 0 { break }
                    view.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                }
                return String(view)
            }
            return .unicode(strings, width: width)
        case .bytes(let width):
            let strings = (0..<count).map { i -> String in
                let raw = body[(i * width)..<((i + 1) * width)]
                return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return .bytes(strings, width: width)
        }
    }
}
