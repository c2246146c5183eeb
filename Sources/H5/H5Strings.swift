import CHDF5
import HDF5Shim

/// Strings packed for writing as HDF5 fixed-length byte strings: every string padded with NULs to
/// the longest one's UTF-8 length (at least one byte), the layout h5py writes for `np.bytes_`.
struct FixedStrings {
    let width: Int
    let bytes: [UInt8]

    init(_ strings: [String]) {
        let encoded = strings.map { Array($0.utf8) }
        width = max(1, encoded.map(\.count).max() ?? 1)
        var bytes = [UInt8](repeating: 0, count: width * encoded.count)
        for (index, string) in encoded.enumerated() {
            bytes.replaceSubrange((index * width)..<(index * width + string.count), with: string)
        }
        self.bytes = bytes
    }

    /// The HDF5 type of one element; the caller closes it.
    func makeType(at place: H5Place) throws -> hid_t {
        let type = try place.check(H5Tcopy(vita_h5t_c_s1()), "cannot create a string type")
        guard H5Tset_size(type, width) >= 0, H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0 else {
            H5Tclose(type)
            throw place.failure("cannot create a string type of \(width) bytes")
        }
        return type
    }
}

/// Reads `count` strings stored with `fileType` (fixed or variable length) through `read`, which
/// performs H5Dread or H5Aread into the buffer with the memory type it is given.
func readStrings(fileType: hid_t, space: hid_t, count: Int, at place: H5Place,
                 read: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws -> [String] {
    guard H5Tget_class(fileType) == H5T_STRING else {
        throw place.problem("holds \(H5ElementType(typeID: fileType)), not strings")
    }
    if H5Tis_variable_str(fileType) > 0 {
        let memoryType = try place.check(H5Tcopy(vita_h5t_c_s1()), "cannot create a string type")
        defer { H5Tclose(memoryType) }
        try place.check(H5Tset_size(memoryType, vita_h5t_variable()), "cannot create a variable-length string type")
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try pointers.withUnsafeMutableBytes { buffer in
            _ = try place.check(read(memoryType, buffer.baseAddress), "cannot read the strings")
        }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        // HDF5 allocated each string; give them back.
        _ = pointers.withUnsafeMutableBytes { H5Dvlen_reclaim(memoryType, space, vita_h5p_default(), $0.baseAddress) }
        return strings
    }
    let width = Int(H5Tget_size(fileType))
    let memoryType = try place.check(H5Tcopy(fileType), "cannot copy the string type")
    defer { H5Tclose(memoryType) }
    var bytes = [UInt8](repeating: 0, count: width * count)
    try bytes.withUnsafeMutableBytes { buffer in
        _ = try place.check(read(memoryType, buffer.baseAddress), "cannot read the strings")
    }
    // Fixed-length strings may be NUL-terminated, NUL-padded or space-padded: cut at the first
    // NUL and drop space padding when the type says so.
    let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
    return (0..<count).map { index in
        var element = bytes[(index * width)..<((index + 1) * width)]
        if let end = element.firstIndex(of: 0) { element = element[..<end] }
        if spacePadded { while element.last == 0x20 { element = element.dropLast() } }
        return String(decoding: element, as: UTF8.self)
    }
}
