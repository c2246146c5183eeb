import Foundation
import NumPyFormat
import TrainingSet

/// Reads a Sensorium 2022 / Franke 2022 static mouse folder into a training-set `Recording`.
///
/// Images are stored once (identical images, e.g. repeated test images, share one entry); two-channel
/// (Franke 2022 colour) images become gray by averaging the channels, as the original V1T's
/// `--gray_scale` does. `final_test` trials are left out: their responses were withheld from the public
/// data. A behaviour variable or the pupil centre that is zero in every trial is marked unavailable.
public enum SensoriumImporter {
    public struct Report: Equatable {
        public var trialsInFolder: Int
        public var trialsKept: Int
        public var distinctImages: Int
        public var neurons: Int
        public var notes: [String]

        public var summary: String {
            (["\(trialsKept) of \(trialsInFolder) trials, \(distinctImages) distinct images, \(neurons) neurons"]
                + notes.map { "  note: \($0)" }).joined(separator: "\n")
        }
    }

    public static func load(_ folder: URL) throws -> (Recording, Report) {
        let trialCount = try countTrials(folder)
        let tierNames = try read(SensoriumLayout.trialMetaFile(folder, "tiers.npy")).strings()
        try expect(tierNames.count == trialCount, SensoriumLayout.trialMetaFile(folder, "tiers.npy"),
                   "lists \(tierNames.count) tiers for \(trialCount) trials")
        let imageIDFile = SensoriumLayout.imageIDFiles.map { SensoriumLayout.trialMetaFile(folder, $0) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        let imageIDs = try imageIDFile.map { try read($0).integers() }
        if let imageIDFile, let imageIDs {
            try expect(imageIDs.count == trialCount, imageIDFile, "lists \(imageIDs.count) image ids for \(trialCount) trials")
        }
        let unitIDs = try read(SensoriumLayout.neuronFile(folder, "unit_ids.npy")).integers()
        let coordinatesFile = SensoriumLayout.neuronFile(folder, "cell_motor_coordinates.npy")
        let coordinates = try read(coordinatesFile)
        try expect(coordinates.shape == [unitIDs.count, 3], coordinatesFile,
                   "has shape \(coordinates.shape) for \(unitIDs.count) neurons; expected (\(unitIDs.count), 3)")
        let areaFile = SensoriumLayout.neuronFile(folder, "area.npy")
        let areas = FileManager.default.fileExists(atPath: areaFile.path) ? try read(areaFile).strings() : nil

        let hasBehaviour = FileManager.default.fileExists(atPath: SensoriumLayout.trialFile(folder, "behavior", 0).path)
        let hasPupil = FileManager.default.fileExists(atPath: SensoriumLayout.trialFile(folder, "pupil_center", 0).path)
        var notes: [String] = []
        var pixels: [UInt8] = [], imageOfPixels: [[UInt8]: Int32] = [:], shape: (height: Int, width: Int)?
        var imageIndex: [Int32] = [], stimulusFrame: [Int32] = [], tiers: [Tier] = []
        var responses: [Float] = [], behaviour: [Float] = [], pupil: [Float] = []
        var droppedFinalTest = 0, averagedChannels = false
        for trial in 0..<trialCount {
            let tier: Tier
            switch tierNames[trial] {
            case "train": tier = .train
            case "validation": tier = .validation
            case "test": tier = .test
            case "final_test": droppedFinalTest += 1; continue
            default:
                throw SensoriumError(path: SensoriumLayout.trialMetaFile(folder, "tiers.npy").path,
                                     problem: "trial \(trial) has tier '\(tierNames[trial])'",
                                     remedy: "Tiers must be train, validation, test or final_test")
            }
            let (image, size, channels) = try grayImage(SensoriumLayout.trialFile(folder, "images", trial))
            averagedChannels = averagedChannels || channels > 1
            if let shape, shape != size {
                throw SensoriumError(path: SensoriumLayout.trialFile(folder, "images", trial).path,
                                     problem: "is \(size.height) x \(size.width) but earlier images are \(shape.height) x \(shape.width)",
                                     remedy: "All images of a recording must have one size")
            }
            shape = size
            let index: Int32
            if let known = imageOfPixels[image] {
                index = known
            } else {
                index = Int32(imageOfPixels.count)
                imageOfPixels[image] = index
                pixels += image
            }
            imageIndex.append(index)
            stimulusFrame.append(imageIDs.map { Int32(truncatingIfNeeded: $0[trial]) } ?? index)
            tiers.append(tier)
            responses += try vector(folder, "responses", trial, count: unitIDs.count)
            behaviour += hasBehaviour ? try vector(folder, "behavior", trial, count: 3) : [0, 0, 0]
            pupil += hasPupil ? try vector(folder, "pupil_center", trial, count: 2) : [0, 0]
        }
        guard let shape, !imageIndex.isEmpty else {
            throw SensoriumError(path: folder.path, problem: "has no train, validation or test trial",
                                 remedy: "Give a Sensorium mouse folder with labelled trials")
        }
        if droppedFinalTest > 0 { notes.append("left out \(droppedFinalTest) final_test trials (responses withheld in the public data)") }
        if averagedChannels { notes.append("colour images made gray by averaging their channels") }

        let trials = imageIndex.count
        let behaviourMatrix = Matrix(rows: trials, columns: 3, values: behaviour)
        let available = (0..<3).map { column in behaviourMatrix.column(column).contains { $0 != 0 } }
        for variable in BehaviourVariable.allCases where !available[variable.rawValue] {
            notes.append("\(variable) is zero in every trial: marked unavailable")
        }
        let pupilAvailable = pupil.contains { $0 != 0 }
        if !pupilAvailable { notes.append("pupil centre is zero in every trial: marked unavailable") }

        let metadata = RecordingMetadata(
            source: .sensorium, experimentID: folder.lastPathComponent, sessionType: "sensorium-static",
            creLine: "unknown", area: areas.map(mostCommon) ?? "unknown", responseKind: .events,
            responseWindowStart: 0.05, responseWindowEnd: 0.55, frameRate: 8)
        let recording = Recording(
            metadata: metadata,
            images: ImageStack(count: imageOfPixels.count, height: shape.height, width: shape.width, pixels: pixels),
            trials: Trials(imageIndex: imageIndex, stimulusFrame: stimulusFrame,
                           responses: Matrix(rows: trials, columns: unitIDs.count, values: responses),
                           behaviour: behaviourMatrix, behaviourAvailable: available,
                           pupilCenter: Matrix(rows: trials, columns: 2, values: pupil), pupilCenterAvailable: pupilAvailable,
                           tiers: tiers),
            neurons: Neurons(ids: unitIDs, positions: Matrix(rows: unitIDs.count, columns: 3, values: try coordinates.floats()),
                             areas: areas))
        let report = Report(trialsInFolder: trialCount, trialsKept: trials, distinctImages: imageOfPixels.count,
                            neurons: unitIDs.count, notes: notes)
        return (recording, report)
    }

    /// The number of `data/images/<i>.npy` files, checking they are numbered 0..<count.
    static func countTrials(_ folder: URL) throws -> Int {
        let images = folder.appendingPathComponent("data/images")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: images.path) else {
            throw SensoriumError(path: images.path, problem: "is missing",
                                 remedy: "Give a Sensorium 2022 mouse folder (the one holding data/ and meta/)")
        }
        let numbers = Set(names.compactMap { $0.hasSuffix(".npy") ? Int($0.dropLast(4)) : nil })
        if let missing = (0..<numbers.count).first(where: { !numbers.contains($0) }) {
            throw SensoriumError(path: SensoriumLayout.trialFile(folder, "images", missing).path, problem: "is missing",
                                 remedy: "Trials must be numbered 0..<count without gaps")
        }
        return numbers.count
    }

    /// One image as gray uint8 pixels, its size, and how many channels were averaged.
    static func grayImage(_ url: URL) throws -> ([UInt8], (height: Int, width: Int), channels: Int) {
        let array = try read(url)
        let shape = array.shape
        let channels = shape.count == 3 ? shape[0] : 1
        guard shape.count == 2 || shape.count == 3, let height = shape.dropLast().last, let width = shape.last else {
            throw SensoriumError(path: url.path, problem: "has shape \(shape); expected (channels, height, width)",
                                 remedy: "Give a Sensorium static dataset")
        }
        let values = try array.floats()
        let plane = height * width
        var gray = [UInt8](repeating: 0, count: plane)
        for pixel in 0..<plane {
            var sum: Float = 0
            for channel in 0..<channels { sum += values[channel * plane + pixel] }
            let value = sum / Float(channels)
            guard value >= -0.5, value <= 255.5 else {
                throw SensoriumError(path: url.path, problem: "holds \(value), outside the 0...255 of raw pixel values",
                                     remedy: "Give the original (not standardised) images")
            }
            gray[pixel] = UInt8(max(0, min(255, value.rounded())))
        }
        return (gray, (height, width), channels)
    }

    static func vector(_ folder: URL, _ kind: String, _ trial: Int, count: Int) throws -> [Float] {
        let url = SensoriumLayout.trialFile(folder, kind, trial)
        let values = try read(url).floats()
        try expect(values.count == count, url, "holds \(values.count) values; expected \(count)")
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SensoriumError(path: url.path, problem: "value \(bad) is \(values[bad])", remedy: "Repair or drop this trial")
        }
        return values
    }

    static func read(_ url: URL) throws -> NpyArray {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SensoriumError(path: url.path, problem: "is missing", remedy: "Give a complete Sensorium 2022 mouse folder")
        }
        return try NpyFile.read(url)
    }

    private static func expect(_ condition: Bool, _ url: URL, _ problem: String) throws {
        if !condition { throw SensoriumError(path: url.path, problem: problem, remedy: "Give a consistent Sensorium folder") }
    }

    private static func mostCommon(_ values: [String]) -> String {
        Dictionary(grouping: values, by: { $0 }).max { $0.value.count < $1.value.count }?.key ?? "unknown"
    }
}
