import ArgumentParser
import Training

/// What a person watching a run sees besides the epoch lines: a progress line within each epoch,
/// and TensorBoard event files in the run directory.
struct ReportingOptions: ParsableArguments {
    @Option(name: [.customLong("progress-minutes")],
            help: "When output goes to a file (not a terminal), write a progress line every this many minutes; 0: none. On a terminal the line is rewritten in place.")
    var progressMinutes: Double = 5

    @Flag(inversion: .prefixedNo, help: "Write TensorBoard event files into the run directory (view with: tensorboard --logdir runs/).")
    var tensorboard = true

    func validate() throws {
        guard progressMinutes >= 0, progressMinutes.isFinite else {
            throw ValidationError("--progress-minutes must be 0 (no progress lines) or a positive number of minutes, got \(progressMinutes)")
        }
    }

    var progressMode: ProgressLine.Mode { ProgressLine.automatic(minutes: progressMinutes) }

    /// Rank 0's observers of a training run.
    func observers(run: RunDirectory, verbose: Int, log: RunLog) throws -> [TrainingObserver] {
        var observers: [TrainingObserver] = []
        if verbose >= 1 { observers.append(TrainingProgress(ProgressLine(mode: progressMode))) }
        if tensorboard {
            let events = try TensorBoardLog(run: run)
            log.detail("TensorBoard events in \(events.url.path)")
            observers.append(events)
        }
        return observers
    }
}
