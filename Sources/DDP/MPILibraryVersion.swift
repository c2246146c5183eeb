import CMPI

/// The MPI library's own version line (MPI_Get_library_version, allowed before MPI_Init), e.g.
/// "Open MPI v4.1.4, ...", for run records.
public var mpiLibraryVersion: String {
    var buffer = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
    var length: Int32 = 0
    guard MPI_Get_library_version(&buffer, &length) == 0 else { return "unknown" }
    return String(cString: buffer).split(separator: "\n").first.map(String.init) ?? "unknown"
}
