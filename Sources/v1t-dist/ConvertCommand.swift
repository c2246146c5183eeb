import AllenNWB
import ArgumentParser
import Foundation
import ImageFiles
import Training
import TrainingSet

extension AspectMode: ExpressibleByArgument {}

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn Allen Brain Observatory NWB files (sessions A, B, C) into training sets.",
        discussion: """
        One training set per experiment, OUT/<experiment id>.h5, plus OUT/manifest.json listing the folder \
        (give the folder to `train`). Files from an AllenSDK cache are read as they are.

        Each natural-scene presentation is a trial. Responses: mean dF/F (or, with events, mean deconvolved \
        events) of each cell over the frames whose timestamps fall in [onset + start, onset + end). \
        Behaviour over the same window: running speed, pupil size (mean), its derivative (change over the \
        window divided by its length) and the pupil centre; when a window holds no finite sample the value \
        is interpolated in time from the nearest finite samples (at most --max-gap seconds away), and a \
        trial without any is dropped: both are counted in the report. Images: area-averaged to \
        --image-size; blank sweeps show the stimulus gray (127). Tiers are split by image (--split), so \
        validation and test hold images never trained on.

        Natural movies (one: A, B, C; two: C; three: A) become trials too, unless --no-movies: every \
        --movie-frame-step-th frame of every repeat, its response averaged over --movie-window after the \
        frame's onset, the frame (or with --movie-frame-run K the mean of K frames from it) area-averaged to \
        --image-size like the scenes. Movie tiers are split by \
        contiguous segments with a gap (--movie-tiers), never frame by frame. Sessions A and C (no \
        natural scenes) give movie-only training sets. Details: docs/allen.md.

        Nothing is trusted: a file whose clocks are not finite and increasing, whose onsets fall outside \
        the imaging, or whose dF/F is not floating point is refused, naming the dataset. A cell without \
        usable signal (NaN or one value in every window) is dropped by cell_specimen_id and listed in \
        manifest.json (--strict-cells refuses instead). What is refused, repaired, accepted: docs/robustness.md.
        """
    )

    @Argument(help: ArgumentHelp("Allen ophys NWB files (e.g. CACHE/ophys_experiment_data/501559087.nwb).", valueName: "nwb"))
    var files: [String]

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: ArgumentHelp("Events file (.npz with `ev`) of each NWB file, in the same order; responses then average events.",
                               valueName: "file"))
    var events: [String] = []

    @Flag(help: "Use the events beside each NWB file in its AllenSDK cache (ophys_experiment_events/<id>_events.npz).")
    var eventsFromCache = false

    @Option(help: ArgumentHelp("Response window after image onset, seconds: start,end.", valueName: "start,end"))
    var window = "0,0.5"

    @Option(help: ArgumentHelp("Training image size, height x width (V1T: 36x64, 72x128 or 144x256).", valueName: "HxW"))
    var imageSize = "72x128"

    @Option(help: "How the 918x1174 images meet the image size's aspect: pad (default: whole image, undistorted, gray borders, as on the screen), squash (stretch) or crop (centre).")
    var aspect: AspectMode = .pad

    @Option(help: ArgumentHelp("Percent of the natural images for train, validation, test.", valueName: "train,validation,test"))
    var split = "80,10,10"

    @Option(help: "Seed of the split of images into tiers.")
    var seed: UInt64 = 0

    @Flag(help: "Ignore the eye tracking (pupil size, derivative, centre are then marked unavailable).")
    var noPupil = false

    @Option(help: "Longest time (seconds) a behaviour value may be interpolated or carried from a finite sample.")
    var maxGap: Double = 2

    @Flag(help: """
        The files are the sessions (three_session_A, B, C) of one experiment container: write one training set, \
        OUT/container_<id>.h5, whose neurons are the union of the sessions' cells (matched by cell_specimen_id), \
        each trial recording only its own session's cells. Files of different containers, mice, areas or depths are refused.
        """)
    var container = false

    @Flag(help: "Refuse a session with a cell without usable signal (NaN or constant in every window) instead of dropping that cell by id.")
    var strictCells = false

    @Option(name: [.customLong("progress-minutes")], help: "When output goes to a file, a progress line every this many minutes while a big file is read (0: none); on a terminal it is rewritten in place.")
    var progressMinutes: Double = 5

    @Flag(help: "Convert natural scenes only, leaving out the natural-movie frames.")
    var noMovies = false

    @Option(help: ArgumentHelp("Response window after each movie frame's onset, seconds: lag,end (measured default: docs/allen.md).", valueName: "start,end"))
    var movieWindow = "0.1,0.5"

    @Option(help: "Every n-th movie frame becomes a trial (neighbouring frames are near-duplicates).")
    var movieFrameStep = 10

    @Option(help: ArgumentHelp("Movie tiers: segment length and gap between tiers, in movie frames.", valueName: "segment,gap"))
    var movieTiers = "150,30"

    @Option(help: "A movie trial's image: the mean of this many consecutive frames from its frame (what the eye saw while the calcium response built up; clipped at the movie's last frame); 1: the frame alone. At most the --movie-tiers gap.")
    var movieFrameRun = 1

    func validate() throws {
        for file in files where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("no such file: \(file) (download it with `v1t-dist fetch <id> --cache DIR`)")
        }
        if !events.isEmpty && events.count != files.count {
            throw ValidationError("--events given \(events.count) times for \(files.count) NWB files; give one per NWB file, in order")
        }
        if !events.isEmpty && eventsFromCache {
            throw ValidationError("use either --events or --events-from-cache, not both")
        }
        guard progressMinutes >= 0 else { throw ValidationError("--progress-minutes must not be negative, got \(progressMinutes)") }
        _ = try options()
        try OutputFolder.requireUsable(out, option: "--out")
        try requireDistinctExperiments()
    }

    /// Two files of one experiment would both become OUT/<id>.h5, the second silently replacing the first.
    private func requireDistinctExperiments() throws {
        var fileOfExperiment: [String: String] = [:]
        for file in files {
            // A file that cannot be read is reported when it is converted, with the full diagnosis.
            guard let id = try? AllenNWBFile(path: file).metadata().experimentID else { continue }
            if let earlier = fileOfExperiment[id] {
                throw ValidationError("\(earlier) and \(file) are both experiment \(id) and would both be written to \(id).h5; give each experiment once")
            }
            fileOfExperiment[id] = file
        }
    }

    /// The options, parsed and checked; errors name the flag.
    func options() throws -> ConversionOptions {
        var options = ConversionOptions()
        let bounds = window.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard bounds.count == 2, let start = bounds[0], let end = bounds[1], start.isFinite, end > start else {
            throw ValidationError("--window '\(window)' must be start,end in seconds with end > start, e.g. 0,0.5")
        }
        (options.windowStart, options.windowEnd) = (start, end)
        let size = imageSize.lowercased().split(separator: "x").map { Int($0) }
        guard size.count == 2, let height = size[0], let width = size[1], height >= 4, width >= 4, height <= 1024, width <= 1024 else {
            throw ValidationError("--image-size '\(imageSize)' must be HEIGHTxWIDTH between 4 and 1024, e.g. 72x128")
        }
        (options.imageHeight, options.imageWidth) = (height, width)
        options.aspect = aspect
        let shares = split.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard shares.count == 3, let train = shares[0], let validation = shares[1], let test = shares[2],
              train > 0, validation >= 0, test >= 0, abs(train + validation + test - 100) < 1e-6 else {
            throw ValidationError("--split '\(split)' must be three percentages train,validation,test adding up to 100, train > 0, e.g. 80,10,10")
        }
        (options.validationFraction, options.testFraction) = (validation / 100, test / 100)
        options.seed = seed
        options.usePupil = !noPupil
        guard maxGap >= 0, maxGap.isFinite else { throw ValidationError("--max-gap must be a non-negative number of seconds") }
        options.maxGap = maxGap
        options.strictCells = strictCells
        options.includeMovies = !noMovies
        let movieBounds = movieWindow.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard movieBounds.count == 2, let lag = movieBounds[0], let end = movieBounds[1], lag.isFinite, lag >= 0, end > lag, end.isFinite else {
            throw ValidationError("--movie-window '\(movieWindow)' must be lag,end in seconds with 0 <= lag < end, e.g. 0.1,0.5")
        }
        (options.movieWindowStart, options.movieWindowEnd) = (lag, end)
        guard movieFrameStep >= 1 else { throw ValidationError("--movie-frame-step must be 1 or more") }
        options.movieFrameStep = movieFrameStep
        let tiers = movieTiers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard tiers.count == 2, let segment = tiers[0], let gap = tiers[1], segment >= 1, gap >= 0 else {
            throw ValidationError("--movie-tiers '\(movieTiers)' must be segment,gap in movie frames, segment >= 1, gap >= 0, e.g. 150,30")
        }
        (options.movieSegmentFrames, options.movieGapFrames) = (segment, gap)
        guard movieFrameRun >= 1 else { throw ValidationError("--movie-frame-run must be 1 or more (1: each movie trial's image is its frame alone)") }
        guard MovieFrameRun.fits(length: movieFrameRun, gapFrames: gap) else {
            throw ValidationError("--movie-frame-run \(movieFrameRun) is longer than the \(gap)-frame gap between movie tiers (--movie-tiers \(segment),\(gap)): "
                + "the run of a training frame could reach frames of a held-out segment. Use --movie-frame-run \(max(1, gap)) or less, "
                + "or widen the gap (--movie-tiers \(segment),\(movieFrameRun))")
        }
        options.movieFrameRun = movieFrameRun
        return options
    }

    func run() throws {
        let options = try options()
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var manifest = try TrainingSetManifest.read(folder: folder) ?? TrainingSetManifest()
        if container { return try convertContainer(options: options, folder: folder, manifest: &manifest) }
        for (index, file) in files.enumerated() {
            let started = Date()
            let eventsFile = try self.eventsFile(index)
            let line = ProgressLine(mode: ProgressLine.automatic(minutes: progressMinutes))
            let (recording, report) = try AllenConverter.convert(nwb: file, events: eventsFile, options: options) { fraction in
                let seconds = Date().timeIntervalSince(started)
                line.update(String(format: "convert %@: response windows %.0f%% read  %@ left", (file as NSString).lastPathComponent,
                                   100 * fraction, ProgressLine.duration(fraction > 0 ? seconds * (1 - fraction) / fraction : .infinity)))
            }
            line.clear()
            let name = "\(recording.metadata.experimentID).h5"
            try recording.write(to: folder.appendingPathComponent(name).path)
            manifest.upsert(.init(recording: recording, file: name, convertedFrom: file, report: report))
            try manifest.write(folder: folder)
            print(report.summary)
            print(String(format: "  wrote %@ in %.1f s (peak memory so far %.0f MB)",
                         folder.appendingPathComponent(name).path, Date().timeIntervalSince(started), peakMemoryMB()))
        }
        print("\(manifest.recordings.count) training sets listed in \(folder.appendingPathComponent(TrainingSetManifest.fileName).path)")
    }

    /// The events file of NWB file `index`, if responses are to average events.
    private func eventsFile(_ index: Int) throws -> String? {
        events.isEmpty ? (eventsFromCache ? try cachedEvents(beside: files[index]) : nil) : events[index]
    }

    /// --container: every session converted as usual, checked to be one container, merged, written once.
    private func convertContainer(options: ConversionOptions, folder: URL, manifest: inout TrainingSetManifest) throws {
        let started = Date()
        let (merged, reports) = try AllenConverter.convertContainer(nwb: files, events: try files.indices.map(eventsFile), options: options)
        reports.forEach { print($0.summary) }
        let name = "\(merged.metadata.experimentID).h5"
        try merged.write(to: folder.appendingPathComponent(name).path)
        var entry = TrainingSetManifest.Entry(recording: merged, file: name, convertedFrom: files.joined(separator: ","))
        // A cell dropped from one session may still be recorded by another: each drop names its session.
        entry.droppedCells = reports.flatMap { report in
            report.droppedCells.map { DroppedCell(cellSpecimenId: $0.cellSpecimenId, reason: "in \(report.experimentID) (\(report.sessionType)): \($0.reason)") }
        }
        entry.droppedCellCount = entry.droppedCells?.count
        manifest.upsert(entry)
        try manifest.write(folder: folder)
        let perSession = merged.sessions.map { "\($0.sessionType) \($0.recorded.filter { $0 }.count)" }.joined(separator: ", ")
        print("\(merged.metadata.experimentID): \(merged.neurons.count) neurons (the union; per session: \(perSession)), \(merged.trials.count) trials")
        print(String(format: "  wrote %@ in %.1f s (peak memory so far %.0f MB)",
                     folder.appendingPathComponent(name).path, Date().timeIntervalSince(started), peakMemoryMB()))
    }

    /// `<cache>/ophys_experiment_events/<id>_events.npz` for `<cache>/ophys_experiment_data/<id>.nwb`.
    private func cachedEvents(beside nwb: String) throws -> String {
        let url = URL(fileURLWithPath: nwb)
        let id = url.deletingPathExtension().lastPathComponent
        let events = url.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ophys_experiment_events/\(id)_events.npz")
        guard FileManager.default.fileExists(atPath: events.path) else {
            throw ValidationError("no events file \(events.path) for \(nwb); download it with `v1t-dist fetch \(id) --events --cache DIR`")
        }
        return events.path
    }
}

/// The process's peak resident memory (Linux reports `ru_maxrss` in kilobytes).
func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
