import Foundation
import H5
import TrainingSet

extension AllenNWBLayout {
    /// The natural movies of the Brain Observatory: one (sessions A, B, C), two (C), three (A).
    public static let naturalMovies = ["natural_movie_one", "natural_movie_two", "natural_movie_three"]

    /// `/stimulus/presentation/<stimulus>_stimulus`: `data` (frame shown), `frame_duration`, `timestamps`.
    public static func presentation(of stimulus: String) -> String { presentation + "/" + stimulus + "_stimulus" }

    /// `/stimulus/templates/<stimulus>_image_stack/data`: (frames, 304, 608) uint8 for a movie.
    public static func template(of stimulus: String) -> String { "/stimulus/templates/\(stimulus)_image_stack/data" }
}

/// One frame of a natural movie on screen.
public struct MovieFramePresentation: Equatable {
    /// The template frame shown.
    public var frame: Int
    /// Imaging frames it was on screen, [start, end) (the file's `frame_duration`).
    public var startFrame: Int
    public var endFrame: Int
    /// Onset in seconds (the file's presentation `timestamps`), when the file has them.
    public var onset: Double?
}

/// A movie's presentations in time order, as AllenSDK's `get_stimulus_table(name)` gives them, and
/// what the reader had to do about the table (for the conversion report).
public struct MoviePresentations {
    public var name: String
    public var presentations: [MovieFramePresentation]
    /// Frames in the movie's template.
    public var templateFrames: Int
    public var notes: [String]
}

extension AllenNWBFile {
    /// The natural movies this session presented, in `AllenNWBLayout.naturalMovies` order.
    public func naturalMovies() throws -> [String] {
        try AllenNWBLayout.naturalMovies.filter { name in
            try guarded(AllenNWBLayout.presentation(of: name)) { try file.exists(AllenNWBLayout.presentation(of: name)) }
        }
    }

    /// (frames, height, width) of a movie's template.
    public func movieTemplateShape(_ name: String) throws -> (count: Int, height: Int, width: Int) {
        let path = AllenNWBLayout.template(of: name)
        let shape = try guarded(path) {
            try Self.requireDataset(file, self.path, path, what: "the frames of \(name), which the session presents").shape
        }
        guard shape.count == 3, shape[0] > 0 else {
            throw AllenNWBError(file: self.path, field: path, problem: "has shape \(shape); expected (frames, height, width)",
                                remedy: AllenNWBError.redownload)
        }
        return (shape[0], shape[1], shape[2])
    }

    /// The pixel-wise mean of the movie frames `frames` (a `MovieFrameRun`; one frame as it is), row-major, 0...255.
    public func movieFrameMean(_ name: String, _ frames: Range<Int>) throws -> [Float] {
        let stacked: [Float] = try guarded(AllenNWBLayout.template(of: name)) {
            try file.dataset(AllenNWBLayout.template(of: name)).read(rows: frames)
        }
        let size = stacked.count / frames.count
        return MovieFrameRun.mean((0..<frames.count).map { Array(stacked[($0 * size)..<(($0 + 1) * size)]) })
    }

    /// The presentations of `name`, sorted by start frame as AllenSDK sorts its stimulus table (a
    /// table out of time order is sorted and noted). A frame beyond the template (a truncated template
    /// or a damaged table) or a presentation outside the imaging is an error; frames shown fewer
    /// times than others (missing presentations) are kept and counted in the notes.
    public func moviePresentations(_ name: String, templateFrames: Int) throws -> MoviePresentations {
        let group = AllenNWBLayout.presentation(of: name)
        return try guarded(group) {
            let shown: [Double] = try Self.requireDataset(file, path, group + "/data", what: "the frame of each presentation").read()
            let durations = try Self.requireDataset(file, path, group + "/frame_duration", what: "the imaging frames of each presentation")
            guard durations.shape == [shown.count, 2] else {
                throw AllenNWBError(file: path, field: group + "/frame_duration",
                                    problem: "has shape \(durations.shape) for \(shown.count) presentations; expected (\(shown.count), 2)",
                                    remedy: AllenNWBError.redownload)
            }
            let bounds: [Double] = try durations.read()
            let onsets: [Double]? = try file.exists(group + "/timestamps") ? try file.read(group + "/timestamps") : nil
            if let onsets, onsets.count != shown.count {
                throw AllenNWBError(file: path, field: group + "/timestamps",
                                    problem: "has \(onsets.count) onsets for \(shown.count) presentations", remedy: AllenNWBError.redownload)
            }
            let presentations = try shown.indices.map { row -> MovieFramePresentation in
                let frame = shown[row], start = Int(bounds[2 * row]), end = Int(bounds[2 * row + 1])
                guard frame == frame.rounded(), frame >= 0 else {
                    throw AllenNWBError(file: path, field: group + "/data", problem: "presentation \(row) shows frame \(frame); movie frames are whole numbers from 0",
                                        remedy: AllenNWBError.redownload)
                }
                guard frame < Double(templateFrames) else {
                    throw AllenNWBError(file: path, field: group + "/data",
                                        problem: "presentation \(row) shows frame \(Int(frame)), but \(AllenNWBLayout.template(of: name)) holds \(templateFrames) frames (a truncated template or a damaged table)",
                                        remedy: AllenNWBError.redownload)
                }
                guard start >= 0, start < end, start < traceShape.frames else {
                    throw AllenNWBError(file: path, field: group + "/frame_duration",
                                        problem: "presentation \(row) spans frames \(start)..<\(end) of \(traceShape.frames)", remedy: AllenNWBError.redownload)
                }
                return MovieFramePresentation(frame: Int(frame), startFrame: start, endFrame: end, onset: onsets?[row])
            }
            var notes: [String] = []
            let sorted = presentations.indices.sorted {
                (presentations[$0].startFrame, presentations[$0].endFrame, $0) < (presentations[$1].startFrame, presentations[$1].endFrame, $1)
            }
            if sorted != Array(presentations.indices) {
                notes.append("\(name): the presentation table is out of time order; sorted by start frame as AllenSDK's get_stimulus_table does")
            }
            var showings = [Int: Int]()
            for presentation in presentations { showings[presentation.frame, default: 0] += 1 }
            if let most = showings.values.max() {
                let fewer = showings.values.filter { $0 < most }.count
                if fewer > 0 {
                    notes.append("\(name): \(fewer) frames shown fewer than \(most) times (missing presentations); their trials have fewer repeats")
                }
                let neverShown = templateFrames - showings.count
                if neverShown > 0 { notes.append("\(name): \(neverShown) of \(templateFrames) template frames never shown") }
            }
            return MoviePresentations(name: name, presentations: sorted.map { presentations[$0] }, templateFrames: templateFrames, notes: notes)
        }
    }
}
