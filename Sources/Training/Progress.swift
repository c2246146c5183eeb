import Foundation

/// A progress line a person can follow during long work (an epoch, an evaluation, a conversion, a
/// download): on a terminal it is rewritten in place at most twice a second; when the output goes
/// to a file (a batch job's log) a full line is written every `interval` seconds instead, so the log
/// stays readable and still shows that the job is alive.
public final class ProgressLine {
    public enum Mode: Equatable {
        case terminal
        case every(seconds: Double)
        case off
    }

    public let mode: Mode
    private let write: (String) -> Void
    private var lastShown = -Double.infinity
    private var showing = false

    /// - write: where the text goes (standard output by default); gets "\r" and erase codes on a terminal.
    public init(mode: Mode, write: @escaping (String) -> Void = ProgressLine.standardOutput) {
        self.mode = mode
        self.write = write
    }

    /// A terminal when standard output is one, else a line every `minutes` minutes (0: off). Under
    /// mpirun the ranks write through a pseudo-terminal even when the job's output goes to a file,
    /// so there it is always lines.
    public static func automatic(minutes: Double, environment: [String: String] = ProcessInfo.processInfo.environment) -> Mode {
        let underMPI = environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMI_SIZE"] != nil
        if isatty(STDOUT_FILENO) == 1 && !underMPI { return .terminal }
        return minutes > 0 ? .every(seconds: 60 * minutes) : .off
    }

    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Shows `text` if it is time to (`text` is only built then).
    public func update(_ text: @autoclosure () -> String, now: Double = ProcessInfo.processInfo.systemUptime) {
        switch mode {
        case .off:
            return
        case .terminal:
            guard now - lastShown >= 0.5 else { return }
            write("\r\u{1B}[K" + text())
            showing = true
        case .every(let seconds):
            if lastShown == -Double.infinity { lastShown = now }  // the first line after one interval
            guard now - lastShown >= seconds else { return }
            write(text() + "\n")
        }
        lastShown = now
    }

    /// Erases the terminal line (before other output); nothing in a file.
    public func clear() {
        guard mode == .terminal, showing else { return }
        write("\r\u{1B}[K")
        showing = false
    }

    /// "3h05m", "4m07s", "12s".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(max(seconds, 0).rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}

/// Where training stands after a step, for progress lines.
public struct StepProgress {
    public var epoch: Int
    public var epochs: Int
    /// Steps done in this epoch, and how many it has.
    public var step: Int
    public var stepsPerEpoch: Int
    /// Steps and trials this process timed in this epoch (after a mid-epoch resume, fewer than `step`).
    public var stepsTimed: Int
    public var trialsTimed: Double
    public var secondsInEpoch: Double
    public var schedule: PlateauSchedule

    public var samplesPerSecond: Double { trialsTimed / max(secondsInEpoch, 1e-9) }
    public var secondsPerStep: Double { secondsInEpoch / Double(max(stepsTimed, 1)) }
    public var epochSecondsLeft: Double { Double(stepsPerEpoch - step) * secondsPerStep }

    /// The rest of the run, from the step time: at least until the schedule could stop early (if
    /// validation never improves again), at most until the last epoch. Validation time is not counted.
    public var runSecondsLeft: (earliest: Double, latest: Double) {
        let epochSeconds = Double(stepsPerEpoch) * secondsPerStep
        let laterEpochs = Double(epochs - epoch)
        let earliestLater = min(laterEpochs, Double(schedule.epochsUntilEarlyStop(after: epoch)))
        return (epochSecondsLeft + earliestLater * epochSeconds, epochSecondsLeft + laterEpochs * epochSeconds)
    }

    public var line: String {
        let run = runSecondsLeft
        let runText = run.earliest < run.latest
            ? "run \(ProgressLine.duration(run.earliest))-\(ProgressLine.duration(run.latest)) left (early stop - all epochs)"
            : "run \(ProgressLine.duration(run.latest)) left"
        return String(format: "epoch %d/%d  step %d/%d  %.1f samples/s  epoch %@ left  %@",
                      epoch, epochs, step, stepsPerEpoch, samplesPerSecond, ProgressLine.duration(epochSecondsLeft), runText)
    }
}

extension PlateauSchedule {
    /// Epochs after `epoch` until the schedule stops if the validation value never improves again:
    /// the rest of the current patience, then `patience + 1` epochs for each reduction still allowed
    /// and for the final one.
    public func epochsUntilEarlyStop(after epoch: Int) -> Int {
        let waitingForMinimum = max(minimumEpochs - epoch, 0)
        return waitingForMinimum + (patience + 1 - staleEpochs) + (maxReductions - reductions) * (patience + 1)
    }
}

/// Something told about training as it goes (rank 0's progress line and TensorBoard file).
public protocol TrainingObserver: AnyObject {
    func stepFinished(_ progress: StepProgress)
    func epochFinished(_ metrics: EpochMetrics, validation: ValidationScores)
}

/// The validation scores of an epoch, per recording and per neuron.
public struct ValidationScores {
    public var recordings: [String]
    public var correlations: [Double]
    public var perNeuron: [[Double]]
}

/// Training progress on a `ProgressLine`.
public final class TrainingProgress: TrainingObserver {
    let line: ProgressLine

    public init(_ line: ProgressLine) { self.line = line }

    public func stepFinished(_ progress: StepProgress) {
        // The epoch's own line follows the last step.
        if progress.step == progress.stepsPerEpoch { line.clear() } else { line.update(progress.line) }
    }

    public func epochFinished(_ metrics: EpochMetrics, validation: ValidationScores) {}
}
