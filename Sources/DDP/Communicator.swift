import Foundation
import MPIShim

/// All ranks of the job (MPI_COMM_WORLD): who this process is and the collectives data-parallel
/// training needs. Every collective must be called by every rank in the same order.
///
/// Started without `mpirun`, MPI initialises as a singleton: a job of one rank in which every
/// collective leaves the data as it is, so a 1-rank run needs no launcher.
/// MPI can be initialised once per process, so there is one `Communicator`: `world()`.
public final class Communicator {
    public let rank: Int
    public let size: Int
    /// Rank among the ranks on this node, and their number: they share the node's memory and cores.
    public let localRank: Int
    public let localSize: Int
    /// Names the program in failure messages (`v1t-dist: rank 1 of 2 failed: ...`).
    public var programName = "v1t-dist"

    public var isRoot: Bool { rank == 0 }

    private static var shared: Communicator?

    /// The world communicator; initialises MPI on first use.
    public static func world() throws -> Communicator {
        if let shared { return shared }
        precondition(vita_mpi_initialized() == 0, "MPI was initialised outside Communicator.world()")
        try check(vita_mpi_init(), "MPI_Init")
        let communicator = try Communicator()
        shared = communicator
        return communicator
    }

    private init() throws {
        var value: Int32 = 0
        try Self.check(vita_mpi_rank(&value), "MPI_Comm_rank")
        rank = Int(value)
        try Self.check(vita_mpi_size(&value), "MPI_Comm_size")
        size = Int(value)
        try Self.check(vita_mpi_local_rank(&value), "MPI_Comm_split_type")
        localRank = Int(value)
        try Self.check(vita_mpi_local_size(&value), "MPI_Comm_split_type")
        localSize = Int(value)
    }

    /// Ends MPI; no collective may follow. Calling it again does nothing.
    public func finalize() throws {
        guard vita_mpi_finalized() == 0 else { return }
        try Self.check(vita_mpi_finalize(), "MPI_Finalize")
    }

    /// Seconds since an arbitrary moment; differences time things.
    public var wallTime: Double { vita_mpi_wtime() }

    /// The name of the node this rank runs on.
    public var processorName: String {
        var text = [CChar](repeating: 0, count: 512)
        guard vita_mpi_processor_name(&text, Int32(text.count)) == 0 else { return "unknown" }
        return String(cString: text)
    }

    // MARK: Allreduce (in place: every rank ends with the elementwise result over all ranks)

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try Self.check(vita_mpi_allreduce_sum_float(buffer.baseAddress, buffer.count), "MPI_Allreduce(SUM, float)")
    }

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try Self.check(vita_mpi_allreduce_sum_double(buffer.baseAddress, buffer.count), "MPI_Allreduce(SUM, double)")
    }

    public func allreduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try Self.check(vita_mpi_allreduce_max_double(buffer.baseAddress, buffer.count), "MPI_Allreduce(MAX, double)")
    }

    public func allreduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    public func allreduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    public func allreduceMax(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceMax($0) }
    }

    /// The sum of `value` over all ranks (e.g. a loss summed over every rank's share).
    public func allreduceSum(_ value: Double) throws -> Double {
        var values = [value]
        try allreduceSum(&values)
        return values[0]
    }

    /// The largest `value` over all ranks (e.g. the slowest rank's step time).
    public func allreduceMax(_ value: Double) throws -> Double {
        var values = [value]
        try allreduceMax(&values)
        return values[0]
    }

    /// The smallest `value` over all ranks (e.g. a memory budget every rank can afford).
    public func allreduceMin(_ value: Double) throws -> Double {
        -(try allreduceMax(-value))
    }

    // MARK: Non-blocking sums (started now, complete at `waitForSums`)

    /// Starts summing `buffer` over all ranks in place and returns at once. The buffer must stay
    /// valid and untouched until `waitForSums()` returns; every rank must start the same sums, of
    /// the same lengths, in the same order.
    public func startSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard !buffer.isEmpty else { return }
        try Self.check(vita_mpi_iallreduce_sum_float(buffer.baseAddress, buffer.count), "MPI_Iallreduce(SUM, float)")
    }

    public func startSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        guard !buffer.isEmpty else { return }
        try Self.check(vita_mpi_iallreduce_sum_double(buffer.baseAddress, buffer.count), "MPI_Iallreduce(SUM, double)")
    }

    /// Lets MPI move the started sums on while this rank computes (Open MPI progresses them only
    /// inside MPI calls).
    public func progressSums() throws {
        try Self.check(vita_mpi_progress(), "MPI_Testall")
    }

    /// Waits until every started sum is complete.
    public func waitForSums() throws {
        try Self.check(vita_mpi_wait_pending(), "MPI_Waitall")
    }

    /// Started sums not yet waited for.
    public var pendingSums: Int { Int(vita_mpi_pending_count()) }

    // MARK: Broadcast (root's data reaches every rank)

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, from root: Int = 0) throws {
        try checkRoot(root)
        try Self.check(vita_mpi_broadcast_float(buffer.baseAddress, buffer.count, Int32(root)), "MPI_Bcast(float)")
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Double>, from root: Int = 0) throws {
        try checkRoot(root)
        try Self.check(vita_mpi_broadcast_double(buffer.baseAddress, buffer.count, Int32(root)), "MPI_Bcast(double)")
    }

    /// Returns `root`'s bytes on every rank. `root` must pass its data; the others' argument is
    /// ignored (pass nil). The length travels first, so only the root needs to know it.
    public func broadcast(_ data: Data?, from root: Int = 0) throws -> Data {
        try checkRoot(root)
        precondition(rank != root || data != nil, "the root of a broadcast must pass its data")
        var length = UInt64(rank == root ? data!.count : 0)
        try withUnsafeMutableBytes(of: &length) { bytes in
            try Self.check(vita_mpi_broadcast_bytes(bytes.baseAddress, bytes.count, Int32(root)), "MPI_Bcast(length)")
        }
        var received = rank == root ? data! : Data(count: Int(length))
        try received.withUnsafeMutableBytes { bytes in
            try Self.check(vita_mpi_broadcast_bytes(bytes.baseAddress, bytes.count, Int32(root)), "MPI_Bcast(bytes)")
        }
        return received
    }

    /// Returns `root`'s value on every rank (e.g. a configuration only rank 0 read), sent as JSON.
    /// `root` must pass its value; the others pass nil.
    public func broadcast<Value: Codable>(_ value: Value?, from root: Int = 0) throws -> Value {
        let encoded = rank == root ? try JSONEncoder().encode(value!) : nil
        let data = try broadcast(encoded, from: root)
        return try JSONDecoder().decode(Value.self, from: data)
    }

    // MARK: Synchronisation and failure

    public func barrier() throws {
        try Self.check(vita_mpi_barrier(), "MPI_Barrier")
    }

    /// Prints `<program>: rank R of N failed: <message>` to stderr and ends the whole job, so no
    /// other rank waits forever in a collective. A job of one rank just finalises and exits.
    public func abort(message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("\(programName): rank \(rank) of \(size) failed: \(message)\n".utf8))
        fflush(stdout)
        if size > 1 {
            _ = vita_mpi_abort(code)
        } else {
            try? finalize()
        }
        exit(code)
    }

    private func checkRoot(_ root: Int) throws {
        guard (0..<size).contains(root) else {
            throw DDPError("broadcast root \(root) is not a rank of this job of \(size)")
        }
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code == 0 else { throw MPIError(call: call, code: code) }
    }
}
