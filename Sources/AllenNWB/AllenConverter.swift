import Foundation
import NumPyFormat
import TrainingSet

/// Turns one Allen ophys NWB 1 file (one session) into a training-set `Recording`: one trial per
/// natural-scene presentation and per kept natural-movie frame (`SessionStimuli`), responses = mean
/// dF/F (or events) over the response window, behaviour and pupil centre over the same window,
/// images resized once, tiers split by image (scenes) and by segment (movies).
public enum AllenConverter {
    /// - progress: told the fraction of response windows read so far (the long part for a big file).
    public static func convert(nwb path: String, events eventsPath: String? = nil, options: ConversionOptions = ConversionOptions(),
                               progress: (Double) -> Void = { _ in }) throws -> (Recording, ConversionReport) {
        let file = try AllenNWBFile(path: path)
        let session = try file.metadata()
        let times = try file.frameTimestamps()
        let ids = try file.cellSpecimenIDs()
        let stimuli = try SessionStimuli(file: file, sessionType: session.sessionType, times: times, options: options)
        let presentations = stimuli.candidates

        // Response windows, in seconds and in imaging frames.
        let windows = presentations.map(\.window)
        let frames = TraceWindows.frameRanges(timestamps: times, windows: windows)
        let everyCell = try windowMeans(file, events: eventsPath, frames: frames, blockFrames: options.blockFrames, progress: progress)

        // Cells without a usable signal are dropped by id (or, with strictCells, refused).
        let responseName = eventsPath == nil ? "dF/F" : "event"
        let signal = CellSignalChecks(means: everyCell, cells: file.traceShape.cells, ids: ids, responseName: responseName)
        if !signal.dropped.isEmpty && (options.strictCells || signal.kept.isEmpty) {
            let listed = signal.dropped.map { "\($0.cellSpecimenId) (\($0.reason))" }.joined(separator: ", ")
            throw AllenNWBError(
                file: eventsPath ?? path, field: eventsPath == nil ? AllenNWBLayout.dffData : "ev",
                problem: "\(signal.dropped.count) of \(file.traceShape.cells) cells have no usable signal: \(listed)",
                remedy: signal.kept.isEmpty ? AllenNWBError.redownload
                    : "Convert without --strict-cells to drop these cells by id (they are listed in manifest.json)")
        }
        let cells = signal.kept.count
        let responses = (0..<presentations.count).flatMap { trial in
            signal.kept.map { everyCell[trial * file.traceShape.cells + $0] }
        }

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
            throw AllenNWBError(file: path, field: AllenNWBLayout.presentation, problem: "no trial could be kept (\(dropped))",
                                remedy: remedyForNoTrial(dropped))
        }

        var trials = Trials(
            imageIndex: kept.map { presentations[$0].image }, stimulusFrame: kept.map { presentations[$0].stimulusFrame },
            responses: Matrix(rows: kept.count, columns: cells,
                              values: kept.flatMap { responses[($0 * cells)..<(($0 + 1) * cells)] }),
            behaviour: Matrix(rows: kept.count, columns: 3,
                              values: kept.flatMap { behaviour.behaviour[($0 * 3)..<($0 * 3 + 3)] }),
            behaviourAvailable: behaviour.behaviourAvailable,
            pupilCenter: Matrix(rows: kept.count, columns: 2,
                                values: kept.flatMap { behaviour.pupilCenter[($0 * 2)..<($0 * 2 + 2)] }),
            pupilCenterAvailable: behaviour.pupilCenterAvailable, tiers: [Tier](repeating: .train, count: kept.count),
            onsetTimes: kept.map { presentations[$0].onset }, stimulusKinds: stimuli.kinds,
            stimulusKindIndex: kept.map { presentations[$0].kind })
        let split = TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction,
                              seed: options.seed, movieSegmentFrames: options.movieSegmentFrames,
                              movieGapFrames: options.movieGapFrames).assign(trials)
        if split.kept.count < kept.count {
            dropped["movie frame in the gap between tiers (--movie-tiers)", default: 0] += kept.count - split.kept.count
        }
        trials = trials.subset(split.kept)
        trials.tiers = split.tiers

        let centroids = try file.roiCentroids()
        let positions = centroids.flatMap {
            [Float($0.x * session.micrometresPerPixel.x), Float($0.y * session.micrometresPerPixel.y), Float(session.imagingDepth)]
        }
        let neurons = Neurons(ids: signal.kept.map { ids[$0] },
                              positions: Matrix(rows: cells, columns: 3, values: signal.kept.flatMap { positions[($0 * 3)..<($0 * 3 + 3)] }),
                              areas: [String](repeating: session.area, count: cells))
        let metadata = RecordingMetadata(
            source: .allenNWB, experimentID: session.experimentID, sessionType: session.sessionType,
            creLine: session.creLine, area: session.area, responseKind: eventsPath == nil ? .dff : .events,
            responseWindowStart: options.windowStart, responseWindowEnd: options.windowEnd,
            frameRate: frameRate(times), movieTrials: stimuli.movieSettings)
        let recording = Recording(metadata: metadata, images: stimuli.images, trials: trials, neurons: neurons)

        var filled: [String: [SampleQuality: Int]] = [:]
        for (name, qualities) in behaviour.quality {
            for trial in split.kept.map({ kept[$0] }) where qualities[trial] == .interpolated || qualities[trial] == .nearest {
                filled[name, default: [:]][qualities[trial], default: 0] += 1
            }
        }
        var notes = behaviour.notes + stimuli.notes
        var perKind = [Int](repeating: 0, count: stimuli.kinds.count)
        for kind in trials.stimulusKindIndex { perKind[Int(kind)] += 1 }
        notes.append("trials kept per stimulus: " + zip(stimuli.kinds, perKind).map { "\($0.name) \($1)" }.joined(separator: ", ")
            + (stimuli.movieSettings.map { ", movies: every \($0.frameStep)th frame" + ($0.frameRun > 1 ? ", images the mean of \($0.frameRun) frames" : "") } ?? ""))
        if !options.usePupil { notes.append("eye tracking not used (--no-pupil)") }
        let report = ConversionReport(experimentID: session.experimentID, sessionType: session.sessionType,
                                      trialsInFile: presentations.count, trialsKept: trials.count, dropped: dropped,
                                      filled: filled, neurons: cells, droppedCells: signal.dropped, notes: notes)
        return (recording, report)
    }

    /// What could help when every trial was dropped: only the options that act on the reasons found.
    static func remedyForNoTrial(_ dropped: [String: Int]) -> String {
        var remedies: [String] = []
        if dropped.keys.contains(where: { $0.hasPrefix("no imaging frame") }) {
            remedies.append("check the response window (--window) against the frame times")
        }
        if dropped.keys.contains(where: { $0.hasPrefix("behaviour missing") }) {
            remedies.append("allow a longer --max-gap or leave the eye tracking out (--no-pupil)")
        }
        if dropped.keys.contains(where: { $0.hasPrefix("a cell has no finite") }) {
            remedies.append("the traces hold NaN in every window of some cell: fetch the file again")
        }
        let text = remedies.isEmpty ? "Check the file" : remedies.joined(separator: "; ")
        return text.prefix(1).uppercased() + text.dropFirst()
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

    /// The events file's `ev` (cells x frames), checked against the NWB's traces.
    static func loadEvents(_ path: String, cells: Int, frames: Int) throws -> [Float] {
        let array = try NpzArchive(contentsOf: URL(fileURLWithPath: path)).array(named: "ev")
        guard array.shape == [cells, frames] else {
            throw AllenNWBError(file: path, field: "ev", problem: "has shape \(array.shape) but the NWB file has \(cells) cells x \(frames) frames",
                                remedy: "Give the events file of the same experiment (ophys_experiment_events/<id>_events.npz)")
        }
        switch array.elements {
        case .float32, .float64: return try array.floats()
        default:
            // Events are deconvolved dF/F amplitudes; integers would be a scaled copy with no stated scale.
            throw AllenNWBError(file: path, field: "ev", problem: "is stored as \(array.descr); events are floating-point amplitudes",
                                remedy: "Give the events file of the same experiment (ophys_experiment_events/<id>_events.npz)")
        }
    }

    /// Imaging rate from the median frame interval (robust to the odd dropped frame).
    static func frameRate(_ times: [Double]) -> Double {
        guard times.count > 1 else { return 30 }
        let intervals = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        let median = intervals[intervals.count / 2]
        return median > 0 ? 1 / median : 30
    }
}
