import CZlib
import Foundation

/// Writes `.npz` archives for the tests: each entry stored or raw-deflated (zlib), optionally with the
/// zip64 layout NumPy's writer can produce (sizes 0xFFFFFFFF in the headers, real ones in extra field 1).
enum ZipTestWriter {
    struct Entry {
        var name: String
        var contents: Data
        var deflate: Bool
        var zip64 = false
    }

    static func archive(_ entries: [Entry]) -> Data {
        var out = Data(), directory = Data()
        for entry in entries {
            let body = entry.deflate ? deflate(entry.contents) : entry.contents
            let crc = entry.contents.withUnsafeBytes {
                UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count)))
            }
            let name = Data(entry.name.utf8)
            let offset = out.count
            var extra = Data()
            if entry.zip64 {
                extra.append(le(1, 2)); extra.append(le(16, 2))
                extra.append(le(UInt64(entry.contents.count), 8)); extra.append(le(UInt64(body.count), 8))
            }
            let compressed = entry.zip64 ? 0xFFFF_FFFF : UInt64(body.count)
            let uncompressed = entry.zip64 ? 0xFFFF_FFFF : UInt64(entry.contents.count)
            let method: UInt64 = entry.deflate ? 8 : 0
            // Local header.
            out.append(le(0x0403_4b50, 4)); out.append(le(45, 2)); out.append(le(0, 2)); out.append(le(method, 2))
            out.append(le(0, 4)); out.append(le(UInt64(crc), 4)); out.append(le(compressed, 4))
            out.append(le(uncompressed, 4)); out.append(le(UInt64(name.count), 2)); out.append(le(UInt64(extra.count), 2))
            out.append(name); out.append(extra); out.append(body)
            // Central directory record.
            directory.append(le(0x0201_4b50, 4)); directory.append(le(45, 2)); directory.append(le(45, 2))
            directory.append(le(0, 2)); directory.append(le(method, 2)); directory.append(le(0, 4))
            directory.append(le(UInt64(crc), 4)); directory.append(le(compressed, 4)); directory.append(le(uncompressed, 4))
            directory.append(le(UInt64(name.count), 2)); directory.append(le(UInt64(extra.count), 2))
            directory.append(le(0, 2)); directory.append(le(0, 2)); directory.append(le(0, 2)); directory.append(le(0, 4))
            directory.append(le(UInt64(offset), 4)); directory.append(name); directory.append(extra)
        }
        let directoryOffset = out.count
        out.append(directory)
        out.append(le(0x0605_4b50, 4)); out.append(le(0, 2)); out.append(le(0, 2))
        out.append(le(UInt64(entries.count), 2)); out.append(le(UInt64(entries.count), 2))
        out.append(le(UInt64(directory.count), 4)); out.append(le(UInt64(directoryOffset), 4)); out.append(le(0, 2))
        return out
    }

    private static func le(_ value: UInt64, _ width: Int) -> Data {
        Data((0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) })
    }

    private static func deflate(_ input: Data) -> Data {
        var stream = z_stream()
        precondition(deflateInit2_(&stream, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(input.count))))
        let written: Int = input.withUnsafeBytes { inBuffer in
            output.withUnsafeMutableBytes { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(outBuffer.count)
                precondition(CZlib.deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return Int(stream.total_out)
            }
        }
        return output.prefix(written)
    }
}
