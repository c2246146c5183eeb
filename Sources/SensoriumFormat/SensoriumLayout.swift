import Foundation

/// The folder layout of the Sensorium 2022 / Franke et al. 2022 static datasets, one mouse per folder,
/// as the original V1T's `data.py` loads it:
///
/// ```
/// data/images/<trial>.npy        (1, H, W) image (Franke 2022: (2, H, W), two colour channels)
/// data/responses/<trial>.npy     (neurons,)
/// data/behavior/<trial>.npy      (3,) pupil size, its derivative, running speed
/// data/pupil_center/<trial>.npy  (2,)
/// meta/neurons/unit_ids.npy, cell_motor_coordinates.npy (neurons, 3), animal_ids.npy
/// meta/trials/tiers.npy ('train' | 'validation' | 'test' | 'final_test'), trial_idx.npy,
///            frame_image_id.npy (Sensorium) or colorframeprojector_image_id.npy (Franke 2022)
/// meta/statistics/<images|responses|behavior|pupil_center>/all/<mean|std|min|max|median>.npy
/// ```
enum SensoriumLayout {
    static let perTrial = ["images", "responses", "behavior", "pupil_center"]
    static let statistics = ["mean", "std", "min", "max", "median"]
    static let imageIDFiles = ["frame_image_id.npy", "colorframeprojector_image_id.npy"]

    static func trialFile(_ folder: URL, _ kind: String, _ trial: Int) -> URL {
        folder.appendingPathComponent("data/\(kind)/\(trial).npy")
    }

    static func neuronFile(_ folder: URL, _ name: String) -> URL {
        folder.appendingPathComponent("meta/neurons/\(name)")
    }

    static func trialMetaFile(_ folder: URL, _ name: String) -> URL {
        folder.appendingPathComponent("meta/trials/\(name)")
    }

    static func statisticFile(_ folder: URL, _ kind: String, _ statistic: String) -> URL {
        folder.appendingPathComponent("meta/statistics/\(kind)/all/\(statistic).npy")
    }
}

/// A Sensorium folder that cannot be imported or written: the file (or folder), the problem, the remedy.
public struct SensoriumError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public let remedy: String

    public var description: String { "\(path): \(problem). \(remedy)" }
}
