import CHDF5

/// The HDF5 library this process linked, e.g. "1.10.8", for run records.
public var hdf5LibraryVersion: String {
    var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
    guard H5get_libversion(&major, &minor, &release) >= 0 else { return "unknown" }
    return "\(major).\(minor).\(release)"
}
