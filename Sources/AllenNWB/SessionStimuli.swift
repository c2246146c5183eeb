import Foundation
import ImageFiles
import TrainingSet

/// Every trial a session offers before any is dropped: each natural-scene presentation, and every
/// `movieFrameStep`-th frame of each natural movie in each of its repeats; each with the index of
/// its image in one stack (scenes, the gray image, then the kept movie frames, each stored once so
/// that a frame's repeats share it, as the mean of `movieFrameRun` frames from it) and the window
/// its response averages.
struct SessionStimuli {
    struct Candidate {
        var kind: Int32
        /// The Allen scene (-1 blank) or the movie frame.
        var stimulusFrame: Int32
        var image: Int32
        var onset: Double
        /// Seconds on the session clock.
        var window: (start: Double, end: Double)
    }

    var kinds: [StimulusKind] = []
    var candidates: [Candidate] = []
    var images: ImageStack
    var movieSettings: MovieTrialSettings?
    var notes: [String] = []

    init(file: AllenNWBFile, sessionType: String, times: [Double], options: ConversionOptions) throws {
        let movies = options.includeMovies ? try file.naturalMovies() : []
        let hasScenes = try file.guarded(AllenNWBLayout.naturalScenes) { try file.file.exists(AllenNWBLayout.naturalScenes) }
        // Every B session shows natural scenes: a B file without them is incomplete, not a movie session.
        if !hasScenes && sessionType == "three_session_B" {
            throw AllenNWBError(file: file.path, field: AllenNWBLayout.naturalScenes,
                                problem: "session three_session_B has no natural scenes, which every three_session_B file holds",
                                remedy: AllenNWBError.redownload)
        }
        if !hasScenes && movies.isEmpty {
            if !options.includeMovies, try !file.naturalMovies().isEmpty {
                throw AllenNWBError(file: file.path, field: AllenNWBLayout.naturalScenes,
                                    problem: "session \(sessionType) has no natural scenes, and --no-movies leaves out its natural movies",
                                    remedy: "Convert it without --no-movies, or convert the three_session_B session of this experiment container")
            }
            try file.requireNaturalScenes(sessionType: sessionType)
        }
        let resizedHeight = options.imageHeight, resizedWidth = options.imageWidth
        var pixels: [UInt8] = []
        func resizer(_ height: Int, _ width: Int) -> ImageResizer {
            ImageResizer(sourceHeight: height, sourceWidth: width, targetHeight: resizedHeight, targetWidth: resizedWidth,
                         mode: options.aspect, fill: AllenNWBLayout.stimulusGray)
        }

        if hasScenes {
            let templates = try file.templateShape()
            let presentations = try file.naturalSceneTrials(templateCount: templates.count)
            let scenes = resizer(templates.height, templates.width)
            for index in 0..<templates.count { pixels += scenes.resize(try file.template(index)) }
            pixels += [UInt8](repeating: AllenNWBLayout.stimulusGray, count: resizedHeight * resizedWidth)
            let onsets = presentations.map { $0.onset ?? times[$0.startFrame] }
            try Self.checkOnsets(onsets, of: AllenNWBLayout.naturalScenes, fromTable: presentations.first?.onset != nil, file: file, times: times)
            kinds.append(.naturalScenes)
            candidates += zip(presentations, onsets).map { trial, onset in
                Candidate(kind: 0, stimulusFrame: trial.image, image: trial.isBlank ? Int32(templates.count) : trial.image,
                          onset: onset, window: (onset + options.windowStart, onset + options.windowEnd))
            }
        }

        for name in movies {
            let template = try file.movieTemplateShape(name)
            let table = try file.moviePresentations(name, templateFrames: template.count)
            try Self.checkOnsets(table.presentations.map { $0.onset ?? times[$0.startFrame] }, of: AllenNWBLayout.presentation(of: name),
                                 fromTable: table.presentations.first?.onset != nil, file: file, times: times)
            notes += table.notes
            let kept = table.presentations.filter { $0.frame % options.movieFrameStep == 0 }
            guard !kept.isEmpty else { notes.append("\(name): no presentations"); continue }
            let frames = Set(kept.map(\.frame)).sorted()
            let first = pixels.count / (resizedHeight * resizedWidth)
            var imageOfFrame = [Int: Int32]()
            let movie = resizer(template.height, template.width)
            let run = MovieFrameRun(length: options.movieFrameRun)
            var shortened = 0
            for (position, frame) in frames.enumerated() {
                let averaged = run.frames(from: frame, templateFrames: template.count)
                if averaged.count < run.length { shortened += 1 }
                // Averaged in float and rounded once, by the resizer.
                pixels += movie.resize(try file.movieFrameMean(name, averaged))
                imageOfFrame[frame] = Int32(first + position)
            }
            if shortened > 0 {
                notes.append("\(name): \(shortened) frame images average fewer than \(run.length) frames (--movie-frame-run stops at the movie's last frame, \(template.count - 1))")
            }
            let kind = Int32(kinds.count)
            kinds.append(StimulusKind(name: name))
            candidates += kept.map { shown in
                let onset = shown.onset ?? times[shown.startFrame]
                return Candidate(kind: kind, stimulusFrame: Int32(shown.frame), image: imageOfFrame[shown.frame]!, onset: onset,
                                 window: (onset + options.movieWindowStart, onset + options.movieWindowEnd))
            }
        }
        if kinds.contains(where: \.isMovie) {
            movieSettings = MovieTrialSettings(responseWindowStart: options.movieWindowStart, responseWindowEnd: options.movieWindowEnd,
                                               frameStep: options.movieFrameStep, frameRun: options.movieFrameRun)
        }
        images = ImageStack(count: pixels.count / (resizedHeight * resizedWidth), height: resizedHeight, width: resizedWidth, pixels: pixels)
    }

    /// Onsets (in presentation order) must increase and lie inside the imaging (`TimestampChecks`).
    private static func checkOnsets(_ onsets: [Double], of group: String, fromTable: Bool, file: AllenNWBFile, times: [Double]) throws {
        let field = group + (fromTable ? "/timestamps" : "/frame_duration")
        try TimestampChecks.requireIncreasing(onsets, file: file.path, field: field, unit: "trial")
        try TimestampChecks.requireOnsetsInRecording(onsets, frameTimes: times, file: file.path, field: field)
    }
}
