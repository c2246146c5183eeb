import Foundation
import V1TModel

/// A finished run brought back: its configuration, its recordings and the model with the best
/// weights, for `evaluate`, `plot`, `predict` and the in-silico experiments.
public struct LoadedRun {
    public let run: RunDirectory
    public let configuration: TrainingConfiguration
    public let mice: [MouseData]
    public let model: V1T

    /// - data: training-set files to use instead of the configuration's (same recordings' neurons, same order).
    public init(_ run: RunDirectory, data: [String] = []) throws {
        self.run = run
        configuration = try run.loadConfiguration()
        let files = data.isEmpty ? try TrainingSetFiles.locate(configuration.dataFiles, run: run) : try TrainingSetFiles.resolve(data)
        mice = try TrainingSetFiles.load(files, limitTrainingTrials: nil, stimuli: try configuration.stimulusSelection())
        guard mice.count == configuration.model.mice.count else {
            throw RunError("the run was trained on \(configuration.model.mice.count) recording(s) but \(mice.count) were given")
        }
        for (data, mouse) in zip(mice, configuration.model.mice) where data.neurons != mouse.neurons {
            throw RunError("recording \(data.name) has \(data.neurons) neurons but the run's readout \(mouse.name) has \(mouse.neurons)")
        }
        model = try V1T(configuration: configuration.model, seed: configuration.seed)
        try run.loadBest(into: model)
    }
}
