import DDP
import Foundation
import Training

/// Prints on rank 0 only and keeps a copy in the run's log.txt.
struct RunLog {
    let run: RunDirectory
    let world: Communicator
    let verbose: Int

    func say(_ line: String) {
        guard world.isRoot else { return }
        if verbose >= 1 { print(line) }
        fflush(stdout)
        run.appendLine(line, to: run.log)
    }

    /// Set-up details: printed with --verbose 2, always logged.
    func detail(_ line: String) {
        guard world.isRoot else { return }
        if verbose >= 2 { print(line) }
        run.appendLine(line, to: run.log)
    }
}
