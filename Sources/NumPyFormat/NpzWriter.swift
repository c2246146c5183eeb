import CZlib
import Foundation

/// Writes an uncompressed `.npz` (what `np.savez` writes): a zip of stored `<name>.npy` entries that
/// `np.load` and `NpzArchive` read. Written to a temporary name, then renamed.
public enum NpzWriter {
    public static func write(_ arrays: [(name: String, array: NpyArray)], to url: URL) throws {
        var out = Data(), directory = Data()
        for (name, array) in arrays {
            let body = NpyFile.encode(array)
            guard body.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF else {
                throw NpyFileError(path: url.path, reason: "array '\(name)' is too large for a zip without zip64")
            }
            let crc = body.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
            let fileName = Data((name + ".npy").utf8)
            let offset = out.count
            // Local header: signature, version 2.0, flags, stored, time, date, crc, sizes, name length, extra.
            out.append(contentsOf: le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2))
            out.append(contentsOf: le(UInt64(crc), 4) + le(UInt64(body.count), 4) + le(UInt64(body.count), 4))
            out.append(contentsOf: le(UInt64(fileName.count), 2) + le(0, 2))
            out.append(fileName)
            out.append(body)
            directory.append(contentsOf: le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2))
            directory.append(contentsOf: le(UInt64(crc), 4) + le(UInt64(body.count), 4) + le(UInt64(body.count), 4))
            directory.append(contentsOf: le(UInt64(fileName.count), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4))
            directory.append(contentsOf: le(UInt64(offset), 4))
            directory.append(fileName)
        }
        let directoryOffset = out.count
        out.append(directory)
        out.append(contentsOf: le(0x0605_4b50, 4) + le(0, 2) + le(0, 2) + le(UInt64(arrays.count), 2) + le(UInt64(arrays.count), 2))
        out.append(contentsOf: le(UInt64(directory.count), 4) + le(UInt64(directoryOffset), 4) + le(0, 2))

        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try out.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw NpyFileError(path: url.path, reason: "cannot be written (\(error.localizedDescription))")
        }
    }

    private static func le(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }
}
