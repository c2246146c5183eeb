import Foundation

extension Communicator {
    /// Runs this rank's part of a distributed program: initialises MPI, runs `body`, finalises.
    ///
    /// If `body` throws on any rank, that rank prints `<program>: rank R of N failed: <message>`
    /// and aborts the whole job: the other ranks may be blocked in a collective waiting for it,
    /// and only MPI_Abort frees them. Use it as the outermost call of every MPI command:
    ///
    ///     try Communicator.run { world in try train(world) }
    public static func run<Result>(programName: String = "v1t-dist", _ body: (Communicator) throws -> Result) -> Result {
        let world: Communicator
        do {
            world = try Communicator.world()
        } catch {
            FileHandle.standardError.write(Data("\(programName): cannot start MPI: \(describe(error))\n".utf8))
            exit(1)
        }
        world.programName = programName
        do {
            let result = try body(world)
            try world.finalize()
            return result
        } catch {
            world.abort(message: describe(error))
        }
    }

    /// The text a person should read for `error` (`ErrorText`).
    static func describe(_ error: Error) -> String { ErrorText.describe(error) }
}
