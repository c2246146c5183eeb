import ArgumentParser
import Foundation
import Training

/// Where `train` takes its configuration and training sets from: a fresh run (--data, narrowed by
/// V1T's --mouse_ids), a run to continue (--resume: its own config.json and files), or another
/// run's config.json to repeat (--config).
extension Train {
    struct SavedConfiguration {
        let configuration: TrainingConfiguration
        /// The run directory the configuration belongs to (its files may be relative to it).
        let run: RunDirectory
    }

    func savedConfiguration(run: RunDirectory, resuming: Bool) throws -> SavedConfiguration? {
        if resuming { return SavedConfiguration(configuration: try run.loadConfiguration(), run: run) }
        guard let config else { return nil }
        let source = RunDirectory(URL(fileURLWithPath: config).deletingLastPathComponent().path)
        return SavedConfiguration(configuration: try source.readJSON(TrainingConfiguration.self, from: URL(fileURLWithPath: config)), run: source)
    }

    /// The training-set files, absolute. A saved run's own files unless --data names others (which,
    /// with --resume, must be the same files).
    func dataFiles(saved: SavedConfiguration?) throws -> [String] {
        guard let saved else {
            let files = try TrainingSetFiles.resolve(data)
            guard !v1t.mouseIDs.isEmpty else { return files }
            let names = try TrainingSetFiles.load(files, limitTrainingTrials: nil).map(\.name)
            return try v1t.selectRecordings(files, names: names)
        }
        guard !data.isEmpty else { return try TrainingSetFiles.locate(saved.configuration.dataFiles, run: saved.run) }
        let files = try TrainingSetFiles.resolve(data)
        if resume {
            let recorded = try TrainingSetFiles.locate(saved.configuration.dataFiles, run: saved.run)
            guard recorded == files else {
                throw RunError("--resume: \(saved.run.url.path) was trained on \(recorded), not \(files); give the same --data or none")
            }
        }
        return files
    }
}
