import Foundation
import TensorBoard

/// Rank 0's TensorBoard record of a run: an event file in the run directory with, per epoch, the
/// losses and their L1 penalties, the validation correlation (mean and per recording), the learning rates, the speed and
/// the allreduce share, and a histogram of each recording's per-neuron validation correlations.
/// `tensorboard --logdir runs/` shows every run below `runs/`. A resumed run adds a new file.
public final class TensorBoardLog: TrainingObserver {
    let file: EventFile

    public init(run: RunDirectory) throws {
        file = try EventFile(directory: run.url)
    }

    public var url: URL { file.url }

    public func stepFinished(_ progress: StepProgress) {}

    public func epochFinished(_ metrics: EpochMetrics, validation: ValidationScores) {
        var scalars: [(tag: String, value: Double)] = [
            ("loss/train", metrics.trainLoss),
            ("loss/validation", metrics.validationLoss),
            ("validation/correlation", metrics.validationCorrelation),
            ("learning_rate/core", metrics.coreLearningRate),
            ("learning_rate/readout", metrics.readoutLearningRate),
            ("speed/samples_per_second", metrics.samplesPerSecond),
            ("speed/epoch_seconds", metrics.seconds),
            ("speed/allreduce_share", metrics.allreduceShare),
        ]
        if let penalty = metrics.corePenalty { scalars.append(("loss/core_l1", penalty)) }
        if let penalty = metrics.readoutPenalty { scalars.append(("loss/readout_l1", penalty)) }
        if let cpuShare = metrics.cpuShare { scalars.append(("speed/cpu_share", cpuShare)) }
        for (name, correlation) in zip(validation.recordings, validation.correlations) {
            scalars.append(("validation/correlation/\(name)", correlation))
        }
        do {
            try file.scalars(scalars, step: metrics.epoch)
            for (name, perNeuron) in zip(validation.recordings, validation.perNeuron) {
                try file.histogram("validation/per_neuron_correlation/\(name)", values: perNeuron, step: metrics.epoch)
            }
        } catch {
            // Losing the TensorBoard record must not stop training: say so once per epoch.
            FileHandle.standardError.write(Data("warning: \(error)\n".utf8))
        }
    }
}
