import Foundation
import TrainingSet

/// Turns `--data` arguments (files, or folders of them as `convert` writes) into recordings.
public enum TrainingSetFiles {
    /// Each argument is a training-set file or a folder: a folder contributes the files its
    /// `manifest.json` lists (written by `convert`), or else every `*.h5` in it, sorted by name.
    public static func resolve(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw RunError("\(argument) does not exist: give a training-set file (v1t-dist simulate or convert makes one) or a folder of them")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            let folder = URL(fileURLWithPath: argument, isDirectory: true)
            if let listed = try manifestFiles(in: folder) {
                files += listed
            } else {
                let names = try FileManager.default.contentsOfDirectory(atPath: argument).filter { $0.hasSuffix(".h5") }.sorted()
                guard !names.isEmpty else { throw RunError("folder \(argument) holds no training-set (.h5) files") }
                files += names.map { folder.appendingPathComponent($0).path }
            }
        }
        // Absolute, so that a run directory's config.json finds them from any working directory.
        files = files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        guard Set(files).count == files.count else { throw RunError("the same training-set file is given twice in --data") }
        return files
    }

    /// The files a run recorded, found from wherever the run is opened: as recorded (absolute since
    /// run records exist), else, for older runs that stored paths as typed, relative to the folders
    /// that hold the run directory. Throws naming the file and the remedy when one is nowhere.
    public static func locate(_ recorded: [String], run: RunDirectory) throws -> [String] {
        try recorded.map { path in
            if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.fileExists(atPath: path) else {
                    throw RunError("\(path), which \(run.configuration.path) was trained on, is missing: give the run's training sets with --data (same recordings, same order)")
                }
                return URL(fileURLWithPath: path).standardizedFileURL.path
            }
            var folder = run.url.standardizedFileURL
            for _ in 0..<4 {
                folder = folder.deletingLastPathComponent()
                let candidate = folder.appendingPathComponent(path).standardizedFileURL.path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
            throw RunError("\(path), which \(run.configuration.path) was trained on, is neither in the working directory nor next to the run: give the run's training sets with --data (same recordings, same order)")
        }
    }

    /// The files named by a folder's manifest.json (`{"recordings": [{"file": "..."}, ...]}`), or nil without one.
    static func manifestFiles(in folder: URL) throws -> [String]? {
        let manifest = folder.appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifest.path) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let recordings = object["recordings"] as? [[String: Any]] else {
            throw RunError("\(manifest.path) is not a v1t-dist manifest (no \"recordings\" list); re-run convert or remove it")
        }
        return try recordings.map { entry in
            guard let file = entry["file"] as? String else { throw RunError("\(manifest.path): a recording has no \"file\"") }
            return file.hasPrefix("/") ? file : folder.appendingPathComponent(file).path
        }
    }

    /// Reads and prepares every file, keeping the trials of the stimuli `stimuli` names (refusing a
    /// file without any of them); names recordings by experiment id (made unique).
    /// - seed: draws the subset of `limitTrainingTrials` training trials.
    public static func load(_ files: [String], limitTrainingTrials: Int?, seed: UInt64 = 0, stimuli: StimulusSelection = .all) throws -> [MouseData] {
        var seen: [String: Int] = [:]
        return try files.map { file in
            var recording = try Recording.read(from: file)
            if !stimuli.isAll {
                do {
                    recording = recording.selectingTrials(try recording.trialIndices(selecting: stimuli))
                } catch var error as TrainingSetError {
                    error.file = file
                    throw error
                }
            }
            var name = recording.metadata.experimentID
            if let count = seen[name] { name += "-\(count + 1)" }
            seen[recording.metadata.experimentID, default: 0] += 1
            return MouseData(recording: recording, name: name, limitTrainingTrials: limitTrainingTrials, seed: seed)
        }
    }
}
