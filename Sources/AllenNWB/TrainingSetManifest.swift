import Foundation
import TrainingSet

/// `manifest.json` of a folder of training sets written by `convert`: which files it holds and what
/// is in each, so `train` can take the folder and a person can see it at a glance. Keys are snake_case:
///
/// ```json
/// {"format": "vita-training-set-folder", "version": 1,
///  "recordings": [{"file": "501559087.h5", "experiment_id": "501559087", "neurons": 174, "trials": 5950, ...}]}
/// ```
public struct TrainingSetManifest: Codable, Equatable {
    public static let fileName = "manifest.json"
    public static let formatName = "vita-training-set-folder"

    public var format = TrainingSetManifest.formatName
    public var version = 1
    public var recordings: [Entry] = []

    public struct Entry: Codable, Equatable {
        /// Path of the training-set file relative to the folder.
        public var file: String
        public var experimentId: String
        public var sessionType: String
        public var creLine: String
        public var area: String
        public var neurons: Int
        public var trials: Int
        /// Trials per tier: `train`, `validation`, `test`.
        public var tiers: [String: Int]
        public var images: Int
        public var imageHeight: Int
        public var imageWidth: Int
        public var responseKind: String
        public var responseWindowS: [Double]
        /// Behaviour variable (`pupil_size`, `pupil_size_derivative`, `running_speed`) -> measured.
        public var behaviourAvailable: [String: Bool]
        public var pupilCenterAvailable: Bool
        /// The file it was converted from.
        public var convertedFrom: String
        /// Cells of the file left out for having no usable signal, by `cell_specimen_id` (absent in
        /// manifests written before this was recorded).
        public var droppedCells: [DroppedCell]?
        public var droppedCellCount: Int?
        /// Trials of the file left out, by reason.
        public var droppedTrials: [String: Int]?

        public init(recording: Recording, file: String, convertedFrom: String) {
            self.file = file
            experimentId = recording.metadata.experimentID
            sessionType = recording.metadata.sessionType
            creLine = recording.metadata.creLine
            area = recording.metadata.area
            neurons = recording.neurons.count
            trials = recording.trials.count
            tiers = Dictionary(uniqueKeysWithValues: Tier.allCases.map { ($0.description, recording.trials.indices(in: $0).count) })
            images = recording.images.count
            imageHeight = recording.images.height
            imageWidth = recording.images.width
            responseKind = recording.metadata.responseKind.rawValue
            responseWindowS = [recording.metadata.responseWindowStart, recording.metadata.responseWindowEnd]
            behaviourAvailable = Dictionary(uniqueKeysWithValues: BehaviourVariable.allCases.map {
                ($0.description, recording.trials.behaviourAvailable[$0.rawValue])
            })
            pupilCenterAvailable = recording.trials.pupilCenterAvailable
            self.convertedFrom = convertedFrom
        }

        /// The entry of a conversion, with what it dropped.
        public init(recording: Recording, file: String, convertedFrom: String, report: ConversionReport) {
            self.init(recording: recording, file: file, convertedFrom: convertedFrom)
            droppedCells = report.droppedCells
            droppedCellCount = report.droppedCells.count
            droppedTrials = report.dropped
        }
    }

    public init(recordings: [Entry] = []) {
        self.recordings = recordings
    }

    /// Adds `entry`, replacing an earlier one for the same file.
    public mutating func upsert(_ entry: Entry) {
        recordings.removeAll { $0.file == entry.file }
        recordings.append(entry)
        recordings.sort { $0.file < $1.file }
    }

    /// The manifest of `folder`, or nil if it has none.
    public static func read(folder: URL) throws -> TrainingSetManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            let manifest = try decoder.decode(TrainingSetManifest.self, from: Data(contentsOf: url))
            guard manifest.format == formatName else {
                throw ManifestError(path: url.path, problem: "format is '\(manifest.format)', not '\(formatName)'")
            }
            return manifest
        } catch let error as ManifestError {
            throw error
        } catch {
            throw ManifestError(path: url.path, problem: "is not a readable manifest (\(error))")
        }
    }

    /// Writes `manifest.json` into `folder` through a temporary file and a rename.
    public func write(folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = folder.appendingPathComponent(Self.fileName)
        let temporary = folder.appendingPathComponent(".\(Self.fileName).\(getpid()).tmp")
        do {
            try encoder.encode(self).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw ManifestError(path: url.path, problem: "cannot be renamed into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error as? ManifestError ?? ManifestError(path: url.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }
}

public struct ManifestError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
