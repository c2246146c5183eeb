import Foundation
import H5

/// Read access to one Allen Brain Observatory ophys NWB 1 file (one experiment), piece by piece, so a
/// converter never holds the whole file: traces come in blocks of frames, templates one image at a time.
///
/// Every failure is an `AllenNWBError` naming the file and the HDF5 path: a file that is not HDF5 or
/// is truncated, a file that lacks what every Allen ophys file has, or values that make no sense.
public final class AllenNWBFile {
    public let path: String
    let file: H5File
    /// (cells, frames) of the dF/F traces.
    public let traceShape: (cells: Int, frames: Int)

    public init(path: String) throws {
        self.path = path
        do {
            file = try H5File.open(path)
        } catch let error as H5Error {
            let notHDF5 = error.message.contains("not an HDF5 file") || error.message.contains("no such file")
            throw AllenNWBError(file: path, problem: "cannot be opened: \(error.message)",
                                remedy: notHDF5 ? AllenNWBError.notAllen : AllenNWBError.redownload)
        }
        let traces: H5Dataset
        do {
            traces = try Self.requireDataset(file, path, AllenNWBLayout.dffData, what: "the dF/F traces")
        } catch let error as H5Error {
            throw AllenNWBError(file: path, field: error.path, problem: "cannot be read: \(error.message)",
                                remedy: AllenNWBError.redownload)
        }
        let shape = traces.shape
        guard shape.count == 2 else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.dffData,
                                problem: "has shape \(shape); Allen dF/F is (cells, frames)", remedy: AllenNWBError.notAllen)
        }
        // dF/F is a fraction; integers would be raw counts or a scaled copy whose scale no file states.
        guard case .float = traces.elementType else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.dffData,
                                problem: "is stored as \(traces.elementType); dF/F is a fraction stored as floating point, and an integer copy has no stated scale",
                                remedy: AllenNWBError.notAllen)
        }
        traceShape = (shape[0], shape[1])
    }

    // MARK: - Metadata and stimuli

    /// Names of the stimuli presented in this session (the `/stimulus/presentation` groups, without
    /// their `_stimulus` suffix).
    public func stimulusNames() throws -> [String] {
        guard try guarded(AllenNWBLayout.presentation, { try file.exists(AllenNWBLayout.presentation) }) else { return [] }
        return try guarded(AllenNWBLayout.presentation) { try file.memberNames(AllenNWBLayout.presentation) }
            .map { $0.hasSuffix("_stimulus") ? String($0.dropLast(9)) : $0 }
    }

    /// Refuses a session without natural scenes, naming its session type and the stimuli it has.
    public func requireNaturalScenes(sessionType: String) throws {
        guard try !guarded(AllenNWBLayout.naturalScenes, { try file.exists(AllenNWBLayout.naturalScenes) }) else { return }
        let stimuli = try stimulusNames()
        throw AllenNWBError(
            file: path, field: AllenNWBLayout.naturalScenes,
            problem: "session \(sessionType) has no natural scenes; its stimuli are "
                + (stimuli.isEmpty ? "none" : stimuli.joined(separator: ", ")),
            remedy: "Natural scenes exist only in three_session_B experiments: convert the B session of this "
                + "experiment container instead")
    }

    public func metadata() throws -> AllenSessionMetadata {
        let fileStem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let experiment = try optionalString(AllenNWBLayout.experimentID) ?? fileStem
        let fov = try requiredString(AllenNWBLayout.fieldOfView, what: "the field of view, for neuron positions")
        let numbers = Self.numbers(in: fov)
        guard numbers.count >= 4, numbers[2] > 0, numbers[3] > 0 else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.fieldOfView,
                                problem: "'\(fov)' is not like '400x400 microns (512 x 512 pixels)'",
                                remedy: AllenNWBError.notAllen)
        }
        let depthText = try requiredString(AllenNWBLayout.imagingDepth, what: "the imaging depth, for neuron positions")
        guard let depth = Self.numbers(in: depthText).first else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.imagingDepth,
                                problem: "'\(depthText)' is not like '175 microns'", remedy: AllenNWBError.notAllen)
        }
        let genotype = try optionalString(AllenNWBLayout.genotype) ?? "unknown"
        return AllenSessionMetadata(
            experimentID: experiment,
            sessionType: try optionalString(AllenNWBLayout.sessionType) ?? "unknown",
            area: try optionalString(AllenNWBLayout.location) ?? optionalString(AllenNWBLayout.targetedStructure) ?? "unknown",
            genotype: genotype,
            micrometresPerPixel: (x: numbers[0] / numbers[2], y: numbers[1] / numbers[3]),
            imagingDepth: depth,
            containerID: try optionalString(AllenNWBLayout.containerID),
            subjectID: try optionalString(AllenNWBLayout.subjectID))
    }

    // MARK: - Traces

    /// Timestamps (seconds) of the imaging frames, the clock of dF/F and of the events.
    public func frameTimestamps() throws -> [Double] {
        let times: [Double] = try guarded(AllenNWBLayout.dffTimestamps) {
            try Self.requireDataset(file, path, AllenNWBLayout.dffTimestamps, what: "the frame times").read()
        }
        guard times.count == traceShape.frames else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.dffTimestamps,
                                problem: "has \(times.count) times for \(traceShape.frames) frames of dF/F",
                                remedy: AllenNWBError.redownload)
        }
        try TimestampChecks.requireIncreasing(times, file: path, field: AllenNWBLayout.dffTimestamps, unit: "frame")
        return times
    }

    /// dF/F of every cell over `frames`: (cells, frames.count), row-major.
    public func dff(frames: Range<Int>) throws -> [Float] {
        try guarded(AllenNWBLayout.dffData) {
            try file.dataset(AllenNWBLayout.dffData).read(columns: frames)
        }
    }

    public func cellSpecimenIDs() throws -> [Int64] {
        let ids: [Int64] = try guarded(AllenNWBLayout.cellSpecimenIDs) {
            try Self.requireDataset(file, path, AllenNWBLayout.cellSpecimenIDs, what: "the cell ids").read()
        }
        guard ids.count == traceShape.cells else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.cellSpecimenIDs,
                                problem: "lists \(ids.count) cells but dF/F has \(traceShape.cells)",
                                remedy: AllenNWBError.redownload)
        }
        return ids
    }

    // MARK: - Behaviour

    /// Running speed (cm/s) on its own clock, which may start after the imaging and hold NaN.
    public func runningSpeed() throws -> TimeSeries? {
        try timeSeries(AllenNWBLayout.runningSpeed, columns: 1)
    }

    /// Pupil size (pixels) and pupil position, or nil parts when the session had no eye tracking.
    public func eyeTracking() throws -> EyeTracking {
        let spherical = try timeSeries(AllenNWBLayout.pupilLocationSpherical, columns: 2)
        let position = try spherical ?? timeSeries(AllenNWBLayout.pupilLocation, columns: 2)
        return EyeTracking(pupilSize: try timeSeries(AllenNWBLayout.pupilSize, columns: 1),
                           pupilCenter: position,
                           pupilCenterUnit: spherical != nil ? "degrees (pupil_location_spherical)" : "cm on the monitor (pupil_location)")
    }

    /// The group's `data` and `timestamps`, or nil when the group is absent.
    private func timeSeries(_ group: String, columns: Int) throws -> TimeSeries? {
        guard try guarded(group, { try file.exists(group + "/data") }) else { return nil }
        return try guarded(group) {
            let data = try file.dataset(group + "/data")
            let times: [Double] = try Self.requireDataset(file, path, group + "/timestamps", what: "the sample times").read()
            // AllenSDK notes that pipeline 0.9 stored running speed as (N, 1).
            let width = data.shape.count == 2 ? data.shape[1] : 1
            guard width == columns, data.shape.first == times.count else {
                throw AllenNWBError(file: path, field: group + "/data",
                                    problem: "has shape \(data.shape) for \(times.count) timestamps; expected (\(times.count)\(columns == 1 ? "" : ", \(columns)"))",
                                    remedy: AllenNWBError.redownload)
            }
            try TimestampChecks.requireIncreasing(times, file: path, field: group + "/timestamps", unit: "sample")
            return TimeSeries(times: times, values: try data.read(as: Double.self), columns: columns)
        }
    }

    // MARK: - Natural scenes

    /// The natural-scene presentations in file order.
    public func naturalSceneTrials(templateCount: Int) throws -> [NaturalSceneTrial] {
        let group = AllenNWBLayout.naturalScenes
        return try guarded(group) {
            let images: [Double] = try Self.requireDataset(file, path, group + "/data", what: "the image of each trial").read()
            let frames = try Self.requireDataset(file, path, group + "/frame_duration", what: "the frames of each trial")
            guard frames.shape == [images.count, 2] else {
                throw AllenNWBError(file: path, field: group + "/frame_duration",
                                    problem: "has shape \(frames.shape) for \(images.count) trials; expected (\(images.count), 2)",
                                    remedy: AllenNWBError.redownload)
            }
            let bounds: [Double] = try frames.read()
            let onsets: [Double]? = try file.exists(group + "/timestamps") ? try file.read(group + "/timestamps") : nil
            if let onsets, onsets.count != images.count {
                throw AllenNWBError(file: path, field: group + "/timestamps",
                                    problem: "has \(onsets.count) onsets for \(images.count) trials", remedy: AllenNWBError.redownload)
            }
            return try images.indices.map { trial in
                let image = images[trial], start = Int(bounds[2 * trial]), end = Int(bounds[2 * trial + 1])
                guard image == image.rounded(), image >= -1, image < Double(templateCount) else {
                    throw AllenNWBError(file: path, field: group + "/data",
                                        problem: "trial \(trial) shows image \(image); images are -1 (blank) to \(templateCount - 1)",
                                        remedy: AllenNWBError.redownload)
                }
                guard start >= 0, start < end, start < traceShape.frames else {
                    throw AllenNWBError(file: path, field: group + "/frame_duration",
                                        problem: "trial \(trial) spans frames \(start)..<\(end) of \(traceShape.frames)",
                                        remedy: AllenNWBError.redownload)
                }
                return NaturalSceneTrial(image: Int32(image), startFrame: start, endFrame: end, onset: onsets?[trial])
            }
        }
    }

    /// (count, height, width) of the natural-scene templates.
    public func templateShape() throws -> (count: Int, height: Int, width: Int) {
        let shape = try guarded(AllenNWBLayout.naturalScenesTemplates) {
            try Self.requireDataset(file, path, AllenNWBLayout.naturalScenesTemplates, what: "the natural-scene images").shape
        }
        guard shape.count == 3, !shape.contains(0) else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.naturalScenesTemplates,
                                problem: "has shape \(shape); expected (images, height, width), none of them 0", remedy: AllenNWBError.notAllen)
        }
        let type = try guarded(AllenNWBLayout.naturalScenesTemplates) { try file.dataset(AllenNWBLayout.naturalScenesTemplates).elementType }
        guard type.isNumeric else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.naturalScenesTemplates,
                                problem: "is stored as \(type); images are numbers (uint8, or float32 holding 0...255)", remedy: AllenNWBError.notAllen)
        }
        return (shape[0], shape[1], shape[2])
    }

    /// One template image, row-major, in the file's 0...255 units; refused if any pixel is outside them.
    public func template(_ index: Int) throws -> [Float] {
        let pixels: [Float] = try guarded(AllenNWBLayout.naturalScenesTemplates) {
            try file.dataset(AllenNWBLayout.naturalScenesTemplates).read(rows: index..<(index + 1))
        }
        if let bad = pixels.firstIndex(where: { !($0 >= 0 && $0 <= 255) }) {
            throw AllenNWBError(file: path, field: AllenNWBLayout.naturalScenesTemplates,
                                problem: "image \(index) has pixel \(bad) = \(pixels[bad]); pixels are gray levels 0...255",
                                remedy: AllenNWBError.redownload)
        }
        return pixels
    }

    // MARK: - Cell positions

    /// Centroid (x = column, y = row, in pixels of the imaging field) of every cell's ROI mask, in
    /// trace-row order (`roi_list[i]` is the ROI of row `i`, as AllenSDK's `get_roi_mask` reads it).
    public func roiCentroids() throws -> [(x: Double, y: Double)] {
        try guarded(AllenNWBLayout.roiList) {
            let names = try Self.requireDataset(file, path, AllenNWBLayout.roiList, what: "the ROI names").readStrings()
            guard names.count == traceShape.cells else {
                throw AllenNWBError(file: path, field: AllenNWBLayout.roiList,
                                    problem: "names \(names.count) ROIs for \(traceShape.cells) cells", remedy: AllenNWBError.redownload)
            }
            return try names.map { name in
                let maskPath = AllenNWBLayout.segmentationPlane + "/" + name + "/img_mask"
                let dataset = try Self.requireDataset(file, path, maskPath, what: "the ROI mask")
                guard dataset.shape.count == 2 else {
                    throw AllenNWBError(file: path, field: maskPath, problem: "has shape \(dataset.shape); expected 2-D",
                                        remedy: AllenNWBError.notAllen)
                }
                let mask: [UInt8] = try dataset.read()
                let width = dataset.shape[1]
                var sumX = 0.0, sumY = 0.0, count = 0.0
                for (index, value) in mask.enumerated() where value != 0 {
                    sumX += Double(index % width); sumY += Double(index / width); count += 1
                }
                guard count > 0 else {
                    throw AllenNWBError(file: path, field: maskPath, problem: "is empty", remedy: AllenNWBError.redownload)
                }
                return (sumX / count, sumY / count)
            }
        }
    }

    // MARK: - Helpers

    static func requireDataset(_ file: H5File, _ path: String, _ field: String, what: String) throws -> H5Dataset {
        guard try file.exists(field) else {
            throw AllenNWBError(file: path, field: field, problem: "is missing (\(what)): this is not a complete Allen ophys NWB file",
                                remedy: AllenNWBError.notAllen)
        }
        return try file.dataset(field)
    }

    private func requiredString(_ field: String, what: String) throws -> String {
        guard let value = try optionalString(field) else {
            throw AllenNWBError(file: path, field: field, problem: "is missing (\(what))", remedy: AllenNWBError.notAllen)
        }
        return value
    }

    private func optionalString(_ field: String) throws -> String? {
        try guarded(field) { try file.exists(field) ? try file.readString(field) : nil }
    }

    /// Runs an HDF5 read, turning a library failure (a truncated file shows up here) into an
    /// `AllenNWBError` for this file.
    func guarded<T>(_ field: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as H5Error {
            throw AllenNWBError(file: path, field: error.path == "/" ? field : error.path,
                                problem: "cannot be read: \(error.message)", remedy: AllenNWBError.redownload)
        }
    }

    /// The decimal numbers in `text`, in order ("400x400 microns (512 x 512 pixels)" -> 400, 400, 512, 512).
    static func numbers(in text: String) -> [Double] {
        text.split(whereSeparator: { !($0.isNumber || $0 == ".") }).compactMap { Double($0) }
    }
}
