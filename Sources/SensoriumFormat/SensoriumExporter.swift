import Foundation
import NumPyFormat
import TrainingSet

/// Writes a training-set `Recording` as a Sensorium 2022 static mouse folder, so the original Python
/// V1T (and other Sensorium tools) can train on exactly the same trials.
///
/// Images are written per trial as (1, H, W) float32 in 0...255; `frame_image_id` holds the recording's
/// stimulus frame (-1 for Allen blank sweeps); `animal_ids` repeats the experiment id (0 if it is not
/// a number). Statistics are over the training tier, as in the training set, except that a standard
/// deviation of 0 in images, behaviour or pupil centre (e.g. a variable the session did not measure)
/// is written as 1: the original divides them by it.
public enum SensoriumExporter {
    /// Writes the folder through a temporary sibling renamed at the end; refuses an existing non-empty
    /// folder. Returns notes for the person running it.
    @discardableResult
    public static func write(_ recording: Recording, to folder: URL) throws -> [String] {
        let files = FileManager.default
        if let existing = try? files.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw SensoriumError(path: folder.path, problem: "exists and is not empty",
                                 remedy: "Choose a new --out folder or remove this one")
        }
        let staging = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).partial-\(getpid())")
        try? files.removeItem(at: staging)
        do {
            let notes = try writeContents(recording, into: staging)
            try? files.removeItem(at: folder)  // an empty folder
            try files.moveItem(at: staging, to: folder)
            return notes
        } catch {
            try? files.removeItem(at: staging)
            throw error
        }
    }

    private static func writeContents(_ recording: Recording, into folder: URL) throws -> [String] {
        let files = FileManager.default
        for kind in SensoriumLayout.perTrial {
            try files.createDirectory(at: folder.appendingPathComponent("data/\(kind)"), withIntermediateDirectories: true)
        }
        try files.createDirectory(at: folder.appendingPathComponent("meta/neurons"), withIntermediateDirectories: true)
        try files.createDirectory(at: folder.appendingPathComponent("meta/trials"), withIntermediateDirectories: true)

        let trials = recording.trials, images = recording.images
        for trial in 0..<trials.count {
            let pixels = images.image(Int(trials.imageIndex[trial])).map { Float($0) }
            try NpyFile.write(NpyArray(pixels, shape: [1, images.height, images.width]),
                              to: SensoriumLayout.trialFile(folder, "images", trial))
            try NpyFile.write(NpyArray(Array(trials.responses.row(trial))), to: SensoriumLayout.trialFile(folder, "responses", trial))
            try NpyFile.write(NpyArray(Array(trials.behaviour.row(trial))), to: SensoriumLayout.trialFile(folder, "behavior", trial))
            try NpyFile.write(NpyArray(Array(trials.pupilCenter.row(trial))), to: SensoriumLayout.trialFile(folder, "pupil_center", trial))
        }

        let neurons = recording.neurons
        let animal = Int64(recording.metadata.experimentID) ?? 0
        try NpyFile.write(NpyArray(neurons.ids), to: SensoriumLayout.neuronFile(folder, "unit_ids.npy"))
        try NpyFile.write(NpyArray([Int64](repeating: animal, count: neurons.count)),
                          to: SensoriumLayout.neuronFile(folder, "animal_ids.npy"))
        try NpyFile.write(NpyArray(neurons.positions.values, shape: [neurons.count, 3]),
                          to: SensoriumLayout.neuronFile(folder, "cell_motor_coordinates.npy"))
        if let areas = neurons.areas {
            try NpyFile.write(NpyArray(unicode: areas), to: SensoriumLayout.neuronFile(folder, "area.npy"))
        }
        try NpyFile.write(NpyArray(unicode: trials.tiers.map(\.description)), to: SensoriumLayout.trialMetaFile(folder, "tiers.npy"))
        try NpyFile.write(NpyArray((0..<trials.count).map { Int64($0) }), to: SensoriumLayout.trialMetaFile(folder, "trial_idx.npy"))
        try NpyFile.write(NpyArray(trials.stimulusFrame.map { Int64($0) }),
                          to: SensoriumLayout.trialMetaFile(folder, "frame_image_id.npy"))

        var notes: [String] = []
        let statistics = Statistics.compute(for: recording)
        for (kind, summary, names) in [("images", statistics.images, ["image"]),
                                       ("responses", statistics.responses, neurons.ids.map { "neuron \($0)" }),
                                       ("behavior", statistics.behaviour, BehaviourVariable.allCases.map(\.description)),
                                       ("pupil_center", statistics.pupilCenter, ["pupil x", "pupil y"])] {
            // Responses keep their 0: the original V1T floors small response stds itself.
            var std = summary.std
            let constant = kind == "responses" ? [] : std.indices.filter { std[$0] == 0 }
            for channel in constant { std[channel] = 1 }
            if !constant.isEmpty {
                notes.append("std of \(constant.map { names[$0] }.joined(separator: ", ")) is 0 (constant); written as 1")
            }
            for (name, values) in [("mean", summary.mean), ("std", std), ("min", summary.min), ("max", summary.max),
                                   ("median", summary.median)] {
                let url = SensoriumLayout.statisticFile(folder, kind, name)
                try files.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try NpyFile.write(NpyArray(values), to: url)
            }
        }
        return notes
    }
}
