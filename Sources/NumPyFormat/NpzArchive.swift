import CZlib
import Foundation

/// A NumPy `.npz` archive (a zip of `.npy` files, as `np.savez` / `np.savez_compressed` write it), read
/// through its central directory. Entries may be stored or deflated; zip64 sizes and offsets (NumPy
/// forces zip64 headers) are understood. The archive is memory-mapped, so only the arrays asked for
/// are decompressed.
public struct NpzArchive {
    public let path: String
    private let data: Data
    private let entries: [String: Entry]

    /// Array names in archive order, without the `.npy` suffix (`np.savez(f, ev=...)` holds `ev`).
    public let names: [String]

    struct Entry {
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    public init(contentsOf url: URL) throws {
        path = url.path
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw NpyFileError(path: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
        do {
            (names, entries) = try Self.readCentralDirectory(data)
        } catch let reason as ZipProblem {
            throw NpyFileError(path: url.path, reason: "not a readable .npz (zip) archive: \(reason.text)")
        }
    }

    /// Decompresses and decodes one array.
    public func array(named name: String) throws -> NpyArray {
        guard let entry = entries[name] else {
            throw NpyFileError(path: path, reason: "has no array '\(name)' (it holds: \(names.joined(separator: ", ")))")
        }
        do {
            return try NpyFile.decode(try contents(of: entry))
        } catch let problem as ZipProblem {
            throw NpyFileError(path: path, reason: "array '\(name)': \(problem.text)")
        } catch let error as NpyError {
            throw NpyFileError(path: path, reason: "array '\(name)': \(error.description)")
        }
    }

    private func contents(of entry: Entry) throws -> Data {
        let bytes = ByteReader(data: data)
        let local = entry.localHeaderOffset
        guard try bytes.u32(local) == 0x0403_4b50 else { throw ZipProblem("bad local header signature") }
        // The local header's own sizes may be placeholders (data descriptors, zip64): trust the central directory.
        let start = local + 30 + Int(try bytes.u16(local + 26)) + Int(try bytes.u16(local + 28))
        guard start + entry.compressedSize <= data.count else {
            throw ZipProblem("entry runs past the end of the file (truncated download?)")
        }
        let raw = data.subdata(in: start..<(start + entry.compressedSize))
        let output: Data
        switch entry.method {
        case 0: output = raw
        case 8: output = try inflate(raw, expectedSize: entry.uncompressedSize)
        default: throw ZipProblem("compression method \(entry.method) (only stored and deflate are supported)")
        }
        let crc = output.withUnsafeBytes { buffer -> UInt32 in
            UInt32(crc32(0, buffer.bindMemory(to: Bytef.self).baseAddress, uInt(buffer.count)))
        }
        guard crc == entry.crc32 else { throw ZipProblem("CRC mismatch (corrupted archive)") }
        return output
    }

    private func inflate(_ input: Data, expectedSize: Int) throws -> Data {
        var output = Data(count: expectedSize)
        var stream = z_stream()
        // Negative window bits: raw deflate, as zip stores it (no zlib header).
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipProblem("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = input.withUnsafeBytes { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == expectedSize else {
            throw ZipProblem("deflate data is corrupt (zlib status \(status), \(stream.total_out) of \(expectedSize) bytes)")
        }
        return output
    }

    private static func readCentralDirectory(_ data: Data) throws -> ([String], [String: Entry]) {
        let bytes = ByteReader(data: data)
        // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
        var eocd = data.count - 22
        let lowest = max(0, data.count - 22 - 65535)
        while eocd >= lowest, (try? bytes.u32(eocd)) != 0x0605_4b50 { eocd -= 1 }
        guard eocd >= lowest else { throw ZipProblem("no end-of-central-directory record (truncated file?)") }
        var count = Int(try bytes.u16(eocd + 10))
        var directory = Int(try bytes.u32(eocd + 16))
        if count == 0xFFFF || directory == 0xFFFF_FFFF {
            // Zip64: a locator just before the EOCD points at the zip64 EOCD record.
            guard eocd >= 20, try bytes.u32(eocd - 20) == 0x0706_4b50 else { throw ZipProblem("zip64 locator missing") }
            let record = Int(try bytes.u64(eocd - 20 + 8))
            guard try bytes.u32(record) == 0x0606_4b50 else { throw ZipProblem("zip64 end record missing") }
            count = Int(try bytes.u64(record + 32))
            directory = Int(try bytes.u64(record + 48))
        }
        var names: [String] = [], entries: [String: Entry] = [:]
        var offset = directory
        for _ in 0..<count {
            guard try bytes.u32(offset) == 0x0201_4b50 else { throw ZipProblem("bad central directory entry") }
            var entry = Entry(method: try bytes.u16(offset + 10), crc32: try bytes.u32(offset + 16),
                              compressedSize: Int(try bytes.u32(offset + 20)),
                              uncompressedSize: Int(try bytes.u32(offset + 24)),
                              localHeaderOffset: Int(try bytes.u32(offset + 42)))
            let nameLength = Int(try bytes.u16(offset + 28))
            let extraLength = Int(try bytes.u16(offset + 30))
            let commentLength = Int(try bytes.u16(offset + 32))
            let name = String(decoding: try bytes.slice(offset + 46, nameLength), as: UTF8.self)
            try applyZip64(extra: bytes.slice(offset + 46 + nameLength, extraLength), to: &entry)
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            names.append(key)
            entries[key] = entry
            offset += 46 + nameLength + extraLength + commentLength
        }
        return (names, entries)
    }

    /// Replaces 0xFFFFFFFF placeholders by the 64-bit values of the zip64 extra field (id 1), which lists
    /// only the placeholders' values, in the order uncompressed size, compressed size, offset.
    private static func applyZip64(extra: Data, to entry: inout Entry) throws {
        let bytes = ByteReader(data: extra)
        var position = 0
        while position + 4 <= extra.count {
            let id = try bytes.u16(position), size = Int(try bytes.u16(position + 2))
            if id == 1 {
                var field = position + 4
                func next() throws -> Int { defer { field += 8 }; return Int(try bytes.u64(field)) }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
            }
            position += 4 + size
        }
    }
}

struct ZipProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// Little-endian integers at byte offsets, with bounds checks that report truncation.
private struct ByteReader {
    let data: Data

    func slice(_ offset: Int, _ length: Int) throws -> Data {
        guard offset >= 0, length >= 0, offset + length <= data.count else {
            throw ZipProblem("a record runs past the end of the file (truncated?)")
        }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + length))
    }

    private func integer(_ offset: Int, _ width: Int) throws -> UInt64 {
        guard offset >= 0, offset + width <= data.count else {
            throw ZipProblem("a record runs past the end of the file (truncated?)")
        }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(data[data.startIndex + offset + i]) << (8 * UInt64(i)) }
        return value
    }

    func u16(_ offset: Int) throws -> UInt16 { UInt16(try integer(offset, 2)) }
    func u32(_ offset: Int) throws -> UInt32 { UInt32(try integer(offset, 4)) }
    func u64(_ offset: Int) throws -> UInt64 { try integer(offset, 8) }
}
