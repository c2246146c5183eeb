/// V1T's learning-rate schedule and early stopping (v1t/utils/scheduler.py), as a value that a
/// checkpoint can store: watch the validation single-trial correlation; when it has not improved
/// for `patience` epochs, go back to the best weights and multiply the learning rates by `factor`;
/// after `maxReductions` reductions without improvement, stop. An improvement resets both counts.
public struct PlateauSchedule: Codable, Equatable, Sendable {
    public var patience = 10
    public var factor: Float = 0.3
    public var maxReductions = 2
    /// Epochs before the schedule starts counting stale epochs.
    public var minimumEpochs = 0

    public private(set) var bestValue = -Double.infinity
    public private(set) var bestEpoch = 0
    public private(set) var staleEpochs = 0
    public private(set) var reductions = 0

    public init(patience: Int = 10, factor: Float = 0.3, maxReductions: Int = 2, minimumEpochs: Int = 0) {
        precondition(factor > 0 && factor < 1, "the reduction factor must lie in (0, 1)")
        self.patience = patience
        self.factor = factor
        self.maxReductions = maxReductions
        self.minimumEpochs = minimumEpochs
    }

    public enum Decision: Equatable, Sendable {
        /// A new best: save it as the best checkpoint.
        case improved
        case continueTraining
        /// Restore the best weights, then scale the learning rates by `factor`.
        case restoreBestAndReduce(factor: Float)
        case stop
    }

    /// Records the validation value of `epoch` (1-based) and says what to do. A NaN never improves.
    public mutating func record(_ value: Double, epoch: Int) -> Decision {
        if value > bestValue {
            bestValue = value
            bestEpoch = epoch
            staleEpochs = 0
            reductions = 0
            return .improved
        }
        guard epoch > minimumEpochs else { return .continueTraining }
        guard staleEpochs >= patience else {
            staleEpochs += 1
            return .continueTraining
        }
        if reductions >= maxReductions { return .stop }
        reductions += 1
        staleEpochs = 0
        return .restoreBestAndReduce(factor: factor)
    }
}
