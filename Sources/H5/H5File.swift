import CHDF5
import Foundation
import HDF5Shim

/// An HDF5 file. Open one with `H5File.open(_:mode:)` or create one with `H5File.create(_:)`;
/// it is closed when released, or explicitly (and with error reporting) by `close()`.
public final class H5File: H5Object, H5Container {
    public enum Mode: Sendable {
        case readOnly
        case readWrite
    }

    private var isClosed = false

    private init(id: hid_t, file: String) {
        super.init(id: id, place: H5Place(file: file, path: "/"), owner: nil, close: { _ in 0 })
    }

    deinit {
        if !isClosed { H5Fclose(id) }
    }

    /// Opens an existing file. Fails with a message that tells a missing file, a file that is not
    /// HDF5 at all and a damaged (e.g. truncated) HDF5 file apart.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> H5File {
        try ensureLibrary(file: path)
        let place = H5Place(file: path, path: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw place.problem("no such file")
        }
        guard !isDirectory.boolValue else { throw place.problem("is a directory, not an HDF5 file") }
        let signature = H5Fis_hdf5(path)
        if signature == 0 {
            throw place.problem("not an HDF5 file (no HDF5 signature found)")
        }
        try place.check(signature, "cannot read the file")
        let access = try strongCloseAccess(place)
        defer { H5Pclose(access) }
        let flags = mode == .readOnly ? vita_h5f_acc_rdonly() : vita_h5f_acc_rdwr()
        let id = try place.check(H5Fopen(path, flags, access), "cannot open the HDF5 file (damaged or truncated?)")
        return H5File(id: id, file: path)
    }

    /// Creates a file, replacing any file of that name.
    public static func create(_ path: String) throws -> H5File {
        try ensureLibrary(file: path)
        let place = H5Place(file: path, path: "/")
        let access = try strongCloseAccess(place)
        defer { H5Pclose(access) }
        let id = try place.check(H5Fcreate(path, vita_h5f_acc_trunc(), vita_h5p_default(), access),
                                 "cannot create the HDF5 file")
        return H5File(id: id, file: path)
    }

    /// Flushes and closes the file, reporting failures (which `deinit` cannot). Objects still open in
    /// it become invalid. Closing twice is harmless.
    public func close() throws {
        guard !isClosed else { return }
        isClosed = true
        try place.check(H5Fclose(id), "cannot close the file (was it fully written?)")
    }

    /// "Strong" close degree: closing the file closes all its objects, so that after `close()` the
    /// file is complete on disk even if some Swift object still holds a dataset handle.
    private static func strongCloseAccess(_ place: H5Place) throws -> hid_t {
        let access = try place.check(H5Pcreate(vita_h5p_file_access()), "cannot create a file-access property list")
        if H5Pset_fclose_degree(access, H5F_CLOSE_STRONG) < 0 {
            H5Pclose(access)
            throw place.failure("cannot set the file close degree")
        }
        return access
    }
}

/// An open group.
public final class H5Group: H5Object, H5Container {}
