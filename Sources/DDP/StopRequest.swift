import Foundation
import StopSignalShim

/// A signal that asked the job to stop, and the exit status that reports it.
public struct StopSignal: Equatable, CustomStringConvertible {
    public let number: Int32

    public init(_ number: Int32) { self.number = number }

    /// `SIGTERM`, `SIGINT`, `SIGUSR1`, `SIGUSR2`, or `signal N`.
    public var name: String {
        vita_stop_signal_name(number).map { String(cString: $0) } ?? "signal \(number)"
    }

    /// 128 + the signal number, as a shell reports a process ended by that signal: 143 for SIGTERM,
    /// 130 for SIGINT, 138 for SIGUSR1, 140 for SIGUSR2. Not 0, so that a scheduler, a retry loop
    /// or a batch script can tell "stopped early, resume me" from "training finished".
    public var exitStatus: Int32 { 128 + number }

    public var description: String { name }
}

/// Stopping a training job cleanly when a scheduler pre-empts it or a person presses Ctrl-C.
///
/// The handlers only record the signal. Every rank then asks `shouldStop` at the same point of
/// every step; it is a collective, so all ranks agree to stop after the *same* step even when the
/// signal reached them at different moments, or reached only some of them:
///
///     try StopRequest.install(world: world)
///     for step in ... {
///         ... forward, backward, allreduce, optimiser step ...
///         if try StopRequest.shouldStop(world: world) {
///             if world.isRoot { try checkpoint.write(...) }
///             StopRequest.exit(world: world, summary: "checkpoint of step \(step) written to ...")
///         }
///     }
///
/// Which signals, and what launchers do with them, is in docs/distributed.md ("Pre-emption").
public enum StopRequest {
    /// SIGTERM: what `kill`, schedulers and (after a delay) mpirun send. SIGINT: Ctrl-C.
    /// SIGUSR1, SIGUSR2: what mpirun forwards to every rank at once without killing anything, and
    /// what some schedulers send as an early warning.
    public static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGUSR1, SIGUSR2]

    /// The signal every rank agreed to stop for, once `shouldStop` has returned true; nil before.
    public private(set) static var agreedSignal: StopSignal?

    /// Installs the handlers on this rank; rank 0 announces the first signal on stderr. Call it on
    /// every rank, once, after `Communicator.world()` (MPI_Init), before the first step.
    public static func install(world: Communicator) throws {
        try install(programName: world.programName, announce: world.isRoot)
    }

    /// Installs the handlers for `handledSignals`. The first signal is recorded (and announced on
    /// stderr when `announce`); later ones are ignored, except a second SIGINT, which ends the
    /// process at once by SIGINT, without a checkpoint: the person at the keyboard wants out.
    public static func install(programName: String, announce: Bool) throws {
        let code = handledSignals.withUnsafeBufferPointer { signals in
            vita_stop_install(programName, signals.baseAddress, Int32(signals.count), announce ? 1 : 0)
        }
        guard code == 0 else {
            let reason = code == EALREADY ? "they are already installed" : String(cString: strerror(code))
            throw DDPError("cannot install the handlers for \(handledSignals.map { StopSignal($0).name }.joined(separator: ", ")): \(reason)")
        }
    }

    /// The first stop signal this process received, or nil. Local: other ranks may not have had
    /// one yet, so act on `shouldStop`, never on this.
    public static var receivedSignal: StopSignal? {
        let number = vita_stop_signal()
        return number == 0 ? nil : StopSignal(number)
    }

    /// True once this process has received a stop signal (local; see `receivedSignal`).
    public static var stopRequested: Bool { receivedSignal != nil }

    /// Collective: true on every rank if any rank has received a stop signal, false on every rank
    /// otherwise. Every rank must call it at the same point of every step (one allreduce of one
    /// number). When it returns true, `agreedSignal` is the largest signal number received by any
    /// rank, the same on all ranks, so all of them exit with the same status.
    public static func shouldStop(world: Communicator) throws -> Bool {
        let largest = try world.allreduceMax(Double(vita_stop_signal()))
        guard largest > 0 else { return false }
        agreedSignal = StopSignal(Int32(largest))
        return true
    }

    /// Ends the job after `shouldStop` agreed to stop, on every rank: waits until every rank gets
    /// here (so that no rank leaves, and no launcher starts killing ranks, while rank 0 is still
    /// writing the checkpoint), rank 0 prints `<program>: stopped by SIGTERM: <summary> (exit
    /// status 143)` to stderr, then MPI is finalised and the process exits with
    /// `agreedSignal.exitStatus`.
    public static func exit(world: Communicator, summary: String) -> Never {
        guard let signal = agreedSignal else {
            preconditionFailure("StopRequest.exit called before StopRequest.shouldStop returned true")
        }
        do {
            try world.barrier()
            if world.isRoot {
                FileHandle.standardError.write(Data("\(world.programName): stopped by \(signal): \(summary) (exit status \(signal.exitStatus))\n".utf8))
            }
            fflush(stdout)
            try world.finalize()
        } catch {
            world.abort(message: "while stopping for \(signal): \(Communicator.describe(error))")
        }
        Foundation.exit(signal.exitStatus)
    }

    /// Puts back the handlers `install` replaced and forgets a received signal: for tests, which
    /// must not leave their process deaf to Ctrl-C.
    static func uninstall() throws {
        let code = vita_stop_uninstall()
        agreedSignal = nil
        guard code == 0 else { throw DDPError("cannot restore the previous signal handlers: \(String(cString: strerror(code)))") }
    }
}
