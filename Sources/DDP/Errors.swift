import Foundation
import MPIShim

/// An MPI call that returned an error code, with MPI's own text for it.
public struct MPIError: Error, CustomStringConvertible, LocalizedError {
    /// The MPI function that failed, e.g. `MPI_Allreduce`.
    public let call: String
    public let code: Int32
    public let reason: String

    public init(call: String, code: Int32) {
        self.call = call
        self.code = code
        reason = Self.errorString(code)
    }

    public var description: String { "\(call) failed: \(reason) (MPI error code \(code))" }
    public var errorDescription: String? { description }

    static func errorString(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 512)
        vita_mpi_error_string(code, &text, Int32(text.count))
        return String(cString: text)
    }
}

/// A distributed-training setting that cannot work, with what to do about it.
public struct DDPError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
