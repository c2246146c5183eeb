import CHDF5
import HDF5Shim

/// A failed HDF5 operation, naming the file and the object inside it so that a user can find
/// the culprit without a debugger. `description` reads
/// `"<file>: <path>: <what failed> (HDF5: <HDF5's most specific message>)"`.
public struct H5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file on disk.
    public let file: String
    /// The object inside the file (`/` for the file itself).
    public let path: String
    /// What went wrong, including HDF5's own innermost message when there is one.
    public let message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { "\(file): \(path): \(message)" }
}

/// Where an operation happens; turns a failed HDF5 status into an `H5Error` for that place.
struct H5Place {
    let file: String
    let path: String

    /// An error for `what`, with HDF5's pending error-stack message appended (and the stack cleared).
    func failure(_ what: String) -> H5Error {
        var buffer = [CChar](repeating: 0, count: 512)
        vita_h5_take_error_message(&buffer, buffer.count)
        let detail = String(cString: buffer)
        return H5Error(file: file, path: path, message: detail.isEmpty ? what : "\(what) (HDF5: \(detail))")
    }

    /// An error that did not come from HDF5 (wrong rank, wrong type class, ...).
    func problem(_ message: String) -> H5Error {
        H5Error(file: file, path: path, message: message)
    }

    /// Returns `status` when it is not negative; HDF5 reports every failure as a negative value.
    @discardableResult
    func check<Status: BinaryInteger>(_ status: Status, _ what: @autoclosure () -> String) throws -> Status {
        if status < 0 { throw failure(what()) }
        return status
    }

    /// `path` joined with a path relative to it (absolute paths stay as they are).
    func appending(_ relative: String) -> H5Place {
        if relative.hasPrefix("/") { return H5Place(file: file, path: relative) }
        if relative == "." || relative.isEmpty { return self }
        return H5Place(file: file, path: path == "/" ? "/" + relative : path + "/" + relative)
    }
}

/// Opens the library and silences its automatic error printing, once per process: errors reach the
/// user as `H5Error`s, not as HDF5's multi-line stack dumps on stderr.
let libraryInitialized: Bool = vita_h5_initialize() >= 0

func ensureLibrary(file: String) throws {
    if !libraryInitialized {
        throw H5Error(file: file, path: "/", message: "the HDF5 library could not be initialised")
    }
}
