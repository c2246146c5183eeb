import Foundation
import ImageFiles
import NumPyFormat
import TrainingSet

/// Turns one Allen ophys NWB 1 file (a three_session_B experiment) into a training-set `Recording`:
/// one trial per natural-scene presentation, responses = mean dF/F (or events) over the response
/// window, behaviour and pupil centre over the same window, images resized once, tiers split by image.
public enum AllenConverter {
    /// - progress: told the fraction of response windows read so far (the long part for a big file).
    public static func convert(nwb path: String, events eventsPath: String? = nil, options: ConversionOptions = ConversionOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> (Recording, ConversionReport) {
        let file = try AllenNWBFile(path: path)
        let session = try file.metadata()
        try file.requireNaturalScenes(sessionType: session.sessionType)
        let templates = try file.templateShape()
        let presentations = try file.naturalSceneTrials(templateCount: templates.count)
        let times = try file.frameTimestamps()
        let cells = file.traceShape.cells

        // Response windows, in seconds and in imaging frames.
        let onsets = presentations.map { $0.onset ?? times[$0.startFrame] }
        let windows = onsets.map { (start: $0 + options.windowStart, end: $0 + options.windowEnd) }
        let frames = TraceWindows.frameRanges(timestamps: times, onsets: onsets,
                                              start: options.windowStart, end: options.windowEnd)
        let responses = try windowMeans(file, events: eventsPath, frames: frames, blockFrames: options.blockFrames, progress: progress)

        let behaviour = TrialBehaviour(running: try file.runningSpeed(),
                                       eye: options.usePupil ? try file.eyeTracking() : nil,
                                       windows: windows, maxGap: options.maxGap)

        // Which trials can be kept, and why the others cannot.
        var dropped: [String: Int] = [:]
        var kept: [Int] = []
        for trial in presentations.indices {
            if frames[trial].isEmpty {
                dropped["no imaging frame in the response window (window past the end of the recording?)", default: 0] += 1
            } else if responses[(trial * cells)..<((trial + 1) * cells)].contains(where: { !$0.isFinite }) {
                dropped["a cell has no finite \(eventsPath == nil ? "dF/F" : "event") value in the window", default: 0] += 1
            } else if !behaviour.isComplete(trial) {
                dropped["behaviour missing: no finite sample within \(options.maxGap) s", default: 0] += 1
            } else {
                kept.append(trial)
            }
        }
        guard !kept.isEmpty else {
            throw AllenNWBError(file: path, field: AllenNWBLayout.naturalScenes, problem: "no trial could be kept (\(dropped))",
                                remedy: "Check the response window (--window) and the file")
        }

        let images = try resizedImages(file, templates: templates, options: options)
        let grayIndex = Int32(templates.count)
        let imageIndex = kept.map { presentations[$0].isBlank ? grayIndex : presentations[$0].image }
        let stimulusFrame = kept.map { presentations[$0].image }
        let tiers = TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction,
                              seed: options.seed)
            .tiers(imageIndex: imageIndex, isBlank: stimulusFrame.map { $0 < 0 })
        let trials = Trials(
            imageIndex: imageIndex, stimulusFrame: stimulusFrame,
            responses: Matrix(rows: kept.count, columns: cells,
                              values: kept.flatMap { responses[($0 * cells)..<(($0 + 1) * cells)] }),
            behaviour: Matrix(rows: kept.count, columns: 3,
                              values: kept.flatMap { behaviour.behaviour[($0 * 3)..<($0 * 3 + 3)] }),
            behaviourAvailable: behaviour.behaviourAvailable,
            pupilCenter: Matrix(rows: kept.count, columns: 2,
                                values: kept.flatMap { behaviour.pupilCenter[($0 * 2)..<($0 * 2 + 2)] }),
            pupilCenterAvailable: behaviour.pupilCenterAvailable, tiers: tiers, onsetTimes: kept.map { onsets[$0] })

        let centroids = try file.roiCentroids()
        let positions = centroids.flatMap {
            [Float($0.x * session.micrometresPerPixel.x), Float($0.y * session.micrometresPerPixel.y), Float(session.imagingDepth)]
        }
        let neurons = Neurons(ids: try file.cellSpecimenIDs(), positions: Matrix(rows: cells, columns: 3, values: positions),
                              areas: [String](repeating: session.area, count: cells))
        let metadata = RecordingMetadata(
            source: .allenNWB, experimentID: session.experimentID, sessionType: session.sessionType,
            creLine: session.creLine, area: session.area, responseKind: eventsPath == nil ? .dff : .events,
            responseWindowStart: options.windowStart, responseWindowEnd: options.windowEnd,
            frameRate: frameRate(times))
        let recording = Recording(metadata: metadata, images: images, trials: trials, neurons: neurons)

        var filled: [String: [SampleQuality: Int]] = [:]
        for (name, qualities) in behaviour.quality {
            for trial in kept where qualities[trial] == .interpolated || qualities[trial] == .nearest {
                filled[name, default: [:]][qualities[trial], default: 0] += 1
            }
        }
        var notes = behaviour.notes
        if !options.usePupil { notes.append("eye tracking not used (--no-pupil)") }
        let report = ConversionReport(experimentID: session.experimentID, sessionType: session.sessionType,
                                      trialsInFile: presentations.count, trialsKept: kept.count, dropped: dropped,
                                      filled: filled, neurons: cells, notes: notes)
        return (recording, report)
    }

    /// (trials x cells) means of dF/F, or of the events file's `ev` when given, over each trial's frames.
    static func windowMeans(_ file: AllenNWBFile, events eventsPath: String?, frames: [Range<Int>],
                            blockFrames: Int, progress: (Double) -> Void = { _ in }) throws -> [Float] {
        let (cells, total) = file.traceShape
        let traces = TraceWindows(frames: frames, cells: cells, totalFrames: total,
                                  blockFrames: max(blockFrames, frames.map(\.count).max() ?? 1))
        guard let eventsPath else { return try traces.means(read: { try file.dff(frames: $0) }, progress: progress) }
        let events = try loadEvents(eventsPath, cells: cells, frames: total)
        return traces.means(read: { range in
            var block = [Float](repeating: 0, count: cells * range.count)
            for cell in 0..<cells {
                for (k, frame) in range.enumerated() { block[cell * range.count + k] = events[cell * total + frame] }
            }
            return block
        }, progress: progress)
    }

    /// Every template resized, then the gray image of the blank sweeps (index `templates.count`).
    static func resizedImages(_ file: AllenNWBFile, templates: (count: Int, height: Int, width: Int),
                              options: ConversionOptions) throws -> ImageStack {
        let resizer = ImageResizer(sourceHeight: templates.height, sourceWidth: templates.width,
                                   targetHeight: options.imageHeight, targetWidth: options.imageWidth, mode: options.aspect,
                                   fill: AllenNWBLayout.stimulusGray)
        var pixels: [UInt8] = []
        pixels.reserveCapacity((templates.count + 1) * options.imageHeight * options.imageWidth)
        for index in 0..<templates.count {
            pixels += resizer.resize(try file.template(index))
        }
        pixels += [UInt8](repeating: AllenNWBLayout.stimulusGray, count: options.imageHeight * options.imageWidth)
        return ImageStack(count: templates.count + 1, height: options.imageHeight, width: options.imageWidth, pixels: pixels)
    }

    /// The events file's `ev` (cells x frames), checked against the NWB's traces.
    static func loadEvents(_ path: String, cells: Int, frames: Int) throws -> [Float] {
        let array = try NpzArchive(contentsOf: URL(fileURLWithPath: path)).array(named: "ev")
        guard array.shape == [cells, frames] else {
            throw AllenNWBError(file: path, field: "ev", problem: "has shape \(array.shape) but the NWB file has \(cells) cells x \(frames) frames",
                                remedy: "Give the events file of the same experiment (ophys_experiment_events/<id>_events.npz)")
        }
        return try array.floats()
    }

    /// Imaging rate from the median frame interval (robust to the odd dropped frame).
    static func frameRate(_ times: [Double]) -> Double {
        guard times.count > 1 else { return 30 }
        let intervals = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        let median = intervals[intervals.count / 2]
        return median > 0 ? 1 / median : 30
    }
}
