import CHDF5
import HDF5Shim

/// An open dataset: its shape and stored type, and reads of all of it or of a hyperslab.
/// Numeric reads convert whatever the file stores (e.g. float32, int64) into the requested type.
public final class H5Dataset: H5Object {
    /// Extent per dimension, slowest first (C order); empty for a scalar.
    public let shape: [Int]
    /// What the file stores.
    public let elementType: H5ElementType

    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    init(id: hid_t, place: H5Place, owner: H5File) throws {
        let space = H5Dget_space(id)
        let type = H5Dget_type(id)
        defer {
            if space >= 0 { H5Sclose(space) }
            if type >= 0 { H5Tclose(type) }
        }
        guard space >= 0, type >= 0 else {
            H5Dclose(id)
            throw place.failure("cannot read the dataset's shape or type")
        }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 0))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        shape = dims.map { Int($0) }
        elementType = H5ElementType(typeID: type)
        super.init(id: id, place: place, owner: owner, close: { H5Dclose($0) })
    }

    /// The whole dataset, row-major, converted into `T`.
    public func read<T: H5Scalar>(as type: T.Type = T.self) throws -> [T] {
        try requireNumeric()
        var values = [T](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { buffer in
            _ = try place.check(H5Dread(id, T.nativeType, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), buffer.baseAddress),
                            "cannot read the dataset as \(T.self)")
        }
        return values
    }

    /// The block starting at `start` with extent `count` per dimension, row-major, converted into `T`.
    /// This is how big traces are read a piece at a time.
    public func read<T: H5Scalar>(start: [Int], count: [Int], as type: T.Type = T.self) throws -> [T] {
        try requireNumeric()
        guard start.count == shape.count, count.count == shape.count else {
            throw place.problem("a block of rank \(start.count) was asked of a dataset of shape \(shape)")
        }
        for axis in 0..<shape.count where start[axis] < 0 || count[axis] < 0 || start[axis] + count[axis] > shape[axis] {
            throw place.problem("block start \(start) count \(count) lies outside shape \(shape)")
        }
        let elements = count.reduce(1, *)
        if elements == 0 { return [] }
        let fileSpace = try place.check(H5Dget_space(id), "cannot read the dataset's shape")
        defer { H5Sclose(fileSpace) }
        let starts = start.map { hsize_t($0) }, counts = count.map { hsize_t($0) }
        try place.check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, starts, nil, counts, nil),
                        "cannot select block start \(start) count \(count)")
        let memorySpace = try makeDataspace(shape: count, at: place)
        defer { H5Sclose(memorySpace) }
        var values = [T](repeating: 0, count: elements)
        try values.withUnsafeMutableBytes { buffer in
            _ = try place.check(H5Dread(id, T.nativeType, memorySpace, fileSpace, vita_h5p_default(), buffer.baseAddress),
                            "cannot read block start \(start) count \(count) as \(T.self)")
        }
        return values
    }

    /// Rows `rows` of the first dimension with everything else whole: shape (rows.count, shape[1...]).
    public func read<T: H5Scalar>(rows: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        guard !shape.isEmpty else { throw place.problem("a scalar dataset has no rows") }
        return try read(start: [rows.lowerBound] + Array(repeating: 0, count: shape.count - 1),
                        count: [rows.count] + shape.dropFirst(), as: type)
    }

    /// Columns `columns` of a 2-D dataset: shape (shape[0], columns.count), row-major.
    public func read<T: H5Scalar>(columns: Range<Int>, as type: T.Type = T.self) throws -> [T] {
        guard shape.count == 2 else { throw place.problem("column ranges need a 2-D dataset, this one has shape \(shape)") }
        return try read(start: [0, columns.lowerBound], count: [shape[0], columns.count], as: type)
    }

    /// Replaces the whole content of a numeric dataset (same element count), converting from `T`.
    public func overwrite<T: H5Scalar>(with values: [T]) throws {
        try requireNumeric()
        guard values.count == count else {
            throw place.problem("\(values.count) values cannot replace a dataset of shape \(shape)")
        }
        try values.withUnsafeBytes { buffer in
            _ = try place.check(H5Dwrite(id, T.nativeType, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), buffer.baseAddress),
                                "cannot overwrite the dataset with \(T.self) values")
        }
    }

    /// All strings of a string dataset (scalar -> one element), fixed or variable length.
    public func readStrings() throws -> [String] {
        let fileType = try place.check(H5Dget_type(id), "cannot read the dataset's type")
        defer { H5Tclose(fileType) }
        let space = try place.check(H5Dget_space(id), "cannot read the dataset's shape")
        defer { H5Sclose(space) }
        return try H5.readStrings(fileType: fileType, space: space, count: count, at: place) { memoryType, buffer in
            H5Dread(id, memoryType, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), buffer)
        }
    }

    /// The string of a scalar (or first element of a 1-D) string dataset.
    public func readString() throws -> String {
        guard let first = try readStrings().first else { throw place.problem("the string dataset is empty") }
        return first
    }

    private func requireNumeric() throws {
        guard elementType.isNumeric else {
            throw place.problem("holds \(elementType), not numbers")
        }
    }
}
