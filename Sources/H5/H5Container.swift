import CHDF5
import HDF5Shim

/// Something that holds named members: the file (its root group) or a group. Paths are relative
/// to it, or absolute when they start with "/", and may be nested ("a/b/c").
public protocol H5Container: H5Object {}

/// What lives at a path.
public enum H5ObjectKind: Sendable {
    case group
    case dataset
    case other
}

extension H5Container {
    /// Whether `path` names a link, checking every intermediate group so that a missing parent
    /// gives `false` rather than an error.
    public func exists(_ path: String) throws -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return true }  // "/" or "."
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in components {
            prefix += "/" + component
            let found = try place.appending(path).check(H5Lexists(id, prefix, vita_h5p_default()), "cannot check whether \(prefix) exists")
            if found == 0 { return false }
        }
        return true
    }

    /// What kind of object is at `path` (which must exist).
    public func kind(of path: String) throws -> H5ObjectKind {
        let target = place.appending(path)
        let object = try target.check(H5Oopen(id, path, vita_h5p_default()), "no such object")
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Names of the members (groups, datasets, links) of the group at `path`, in name order.
    public func memberNames(_ path: String = ".") throws -> [String] {
        let target = place.appending(path)
        var info = H5G_info_t()
        try target.check(H5Gget_info_by_name(id, path, &info, vita_h5p_default()), "cannot list the group")
        return try (0..<Int(info.nlinks)).map { index in
            let length = try target.check(
                H5Lget_name_by_idx(id, path, H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), nil, 0, vita_h5p_default()),
                "cannot read the name of member \(index)")
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try target.check(
                H5Lget_name_by_idx(id, path, H5_INDEX_NAME, H5_ITER_INC, hsize_t(index), &buffer, buffer.count, vita_h5p_default()),
                "cannot read the name of member \(index)")
            return String(cString: buffer)
        }
    }

    /// Opens the group at `path`.
    public func group(_ path: String) throws -> H5Group {
        let target = place.appending(path)
        if try !exists(path) { throw target.problem("no such group") }
        let group = try target.check(H5Gopen2(id, path, vita_h5p_default()), "cannot open as a group")
        return H5Group(id: group, place: target, owner: openFile, close: { H5Gclose($0) })
    }

    /// Creates the group at `path` with any missing parents, or opens it if it already exists.
    @discardableResult
    public func createGroup(_ path: String) throws -> H5Group {
        if try exists(path) { return try group(path) }
        let target = place.appending(path)
        let links = try makeIntermediateGroupLinks(at: target)
        defer { H5Pclose(links) }
        let group = try target.check(H5Gcreate2(id, path, links, vita_h5p_default(), vita_h5p_default()),
                                     "cannot create the group")
        return H5Group(id: group, place: target, owner: openFile, close: { H5Gclose($0) })
    }

    /// Unlinks the group or dataset at `path` (its space is not reclaimed until the file is rewritten).
    public func remove(_ path: String) throws {
        let target = place.appending(path)
        if try !exists(path) { throw target.problem("nothing to remove") }
        try target.check(H5Ldelete(id, path, vita_h5p_default()), "cannot remove")
    }

    /// Opens the dataset at `path`.
    public func dataset(_ path: String) throws -> H5Dataset {
        let target = place.appending(path)
        if try !exists(path) { throw target.problem("no such dataset") }
        let dataset = try target.check(H5Dopen2(id, path, vita_h5p_default()), "cannot open as a dataset")
        return try H5Dataset(id: dataset, place: target, owner: openFile)
    }

    /// Reads the whole numeric dataset at `path` converted into `T` (row-major).
    public func read<T: H5Scalar>(_ path: String, as type: T.Type = T.self) throws -> [T] {
        try dataset(path).read(as: type)
    }

    /// Reads the string dataset at `path` (scalar -> one element).
    public func readStrings(_ path: String) throws -> [String] {
        try dataset(path).readStrings()
    }

    /// Reads a scalar (or first) string of the dataset at `path`.
    public func readString(_ path: String) throws -> String {
        try dataset(path).readString()
    }
}

/// A link-creation property list that creates missing intermediate groups; the caller closes it.
func makeIntermediateGroupLinks(at place: H5Place) throws -> hid_t {
    let links = try place.check(H5Pcreate(vita_h5p_link_create()), "cannot create a link-creation property list")
    if H5Pset_create_intermediate_group(links, 1) < 0 {
        H5Pclose(links)
        throw place.failure("cannot ask for intermediate groups")
    }
    return links
}
