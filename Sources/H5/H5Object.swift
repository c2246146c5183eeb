import CHDF5
import HDF5Shim

/// An open HDF5 file, group or dataset. It closes its handle when released and keeps its file
/// open for as long as it lives (files are opened with the "strong" close degree, so closing the
/// file explicitly invalidates every object still open in it).
public class H5Object {
    /// HDF5's handle; valid while this object lives.
    public let id: hid_t
    /// The file on disk.
    public let file: String
    /// The object's absolute path inside the file.
    public let path: String
    let place: H5Place
    /// The open file this object lives in (nil for the file itself).
    let owner: H5File?
    private let closeHandle: (hid_t) -> herr_t

    init(id: hid_t, place: H5Place, owner: H5File?, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.file = place.file
        self.path = place.path
        self.place = place
        self.owner = owner
        self.closeHandle = close
    }

    deinit { _ = closeHandle(id) }

    /// The file object to hand to children so that they keep it open.
    var openFile: H5File { owner ?? (self as! H5File) }
}

/// Attributes: small named values on any object (file root, group, dataset).
extension H5Object {
    public func hasAttribute(_ name: String) throws -> Bool {
        try place.check(H5Aexists(id, name), "cannot check for attribute '\(name)'") > 0
    }

    /// Names of all attributes, in HDF5's name order.
    public func attributeNames() throws -> [String] {
        var info = H5O_info_t()
        try place.check(H5Oget_info2(id, &info, UInt32(H5O_INFO_NUM_ATTRS)), "cannot count attributes")
        return try (0..<Int(info.num_attrs)).map { index in
            let length = try place.check(
                H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, vita_h5p_default()),
                "cannot read the name of attribute \(index)")
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try place.check(
                H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, vita_h5p_default()),
                "cannot read the name of attribute \(index)")
            return String(cString: buffer)
        }
    }

    /// A numeric attribute (scalar -> one element), converted by HDF5 into `T`.
    public func attribute<T: H5Scalar>(_ name: String, as type: T.Type = T.self) throws -> [T] {
        let location = attributePlace(name)
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let fileType = try location.check(H5Aget_type(attribute), "cannot read the attribute's type")
        defer { H5Tclose(fileType) }
        let kind = H5ElementType(typeID: fileType)
        guard kind.isNumeric else {
            throw location.problem("attribute holds \(kind), not numbers")
        }
        var values = [T](repeating: 0, count: try attributeCount(attribute, location))
        try values.withUnsafeMutableBytes { buffer in
            _ = try location.check(H5Aread(attribute, T.nativeType, buffer.baseAddress), "cannot read the attribute")
        }
        return values
    }

    /// A string attribute (scalar or the first element of an array); fixed or variable length.
    public func stringAttribute(_ name: String) throws -> String {
        let strings = try stringsAttribute(name)
        guard let first = strings.first else { throw attributePlace(name).problem("attribute holds no string") }
        return first
    }

    /// A string-array attribute (a scalar gives one element).
    public func stringsAttribute(_ name: String) throws -> [String] {
        let location = attributePlace(name)
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let fileType = try location.check(H5Aget_type(attribute), "cannot read the attribute's type")
        defer { H5Tclose(fileType) }
        let space = try location.check(H5Aget_space(attribute), "cannot read the attribute's shape")
        defer { H5Sclose(space) }
        return try readStrings(fileType: fileType, space: space, count: attributeCount(attribute, location), at: location) {
            memoryType, buffer in H5Aread(attribute, memoryType, buffer)
        }
    }

    public func setAttribute<T: H5Scalar>(_ name: String, _ value: T) throws {
        try writeAttribute(name, [value], shape: [])
    }

    public func setAttribute<T: H5Scalar>(_ name: String, _ values: [T]) throws {
        try writeAttribute(name, values, shape: [values.count])
    }

    /// Stores a fixed-length byte string (NUL-padded, as h5py stores `np.bytes_`).
    public func setAttribute(_ name: String, _ value: String) throws {
        try writeStringAttribute(name, [value], shape: [])
    }

    public func setAttribute(_ name: String, _ values: [String]) throws {
        try writeStringAttribute(name, values, shape: [values.count])
    }

    private func attributePlace(_ name: String) -> H5Place {
        H5Place(file: file, path: "\(path) (attribute '\(name)')")
    }

    private func openAttribute(_ name: String) throws -> hid_t {
        let location = attributePlace(name)
        if try !hasAttribute(name) { throw location.problem("no such attribute") }
        return try location.check(H5Aopen(id, name, vita_h5p_default()), "cannot open the attribute")
    }

    private func attributeCount(_ attribute: hid_t, _ location: H5Place) throws -> Int {
        let space = try location.check(H5Aget_space(attribute), "cannot read the attribute's shape")
        defer { H5Sclose(space) }
        return Int(try location.check(H5Sget_simple_extent_npoints(space), "cannot read the attribute's shape"))
    }

    /// Replaces an existing attribute of the same name, so that writers can update metadata.
    private func replaceAttribute(_ name: String, type: hid_t, shape: [Int], write: (hid_t) -> herr_t) throws {
        let location = attributePlace(name)
        if try hasAttribute(name) {
            try location.check(H5Adelete(id, name), "cannot replace the attribute")
        }
        let space = try makeDataspace(shape: shape, at: location)
        defer { H5Sclose(space) }
        let attribute = try location.check(
            H5Acreate2(id, name, type, space, vita_h5p_default(), vita_h5p_default()), "cannot create the attribute")
        defer { H5Aclose(attribute) }
        try location.check(write(attribute), "cannot write the attribute")
    }

    private func writeAttribute<T: H5Scalar>(_ name: String, _ values: [T], shape: [Int]) throws {
        try replaceAttribute(name, type: T.nativeType, shape: shape) { attribute in
            values.withUnsafeBytes { H5Awrite(attribute, T.nativeType, $0.baseAddress) }
        }
    }

    private func writeStringAttribute(_ name: String, _ values: [String], shape: [Int]) throws {
        let packed = FixedStrings(values)
        let type = try packed.makeType(at: attributePlace(name))
        defer { H5Tclose(type) }
        try replaceAttribute(name, type: type, shape: shape) { attribute in
            packed.bytes.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }
}

/// A simple dataspace of `shape` (an empty shape is a scalar).
func makeDataspace(shape: [Int], at place: H5Place) throws -> hid_t {
    if shape.isEmpty {
        return try place.check(H5Screate(H5S_SCALAR), "cannot create a scalar dataspace")
    }
    let dims = shape.map { hsize_t($0) }
    return try place.check(H5Screate_simple(Int32(dims.count), dims, nil), "cannot create a dataspace of shape \(shape)")
}
