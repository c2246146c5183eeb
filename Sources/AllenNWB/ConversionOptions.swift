import ImageFiles
import TrainingSet

/// The choices of `v1t-dist convert`.
public struct ConversionOptions {
    /// Responses and behaviour average [onset + windowStart, onset + windowEnd) seconds. The default
    /// 0...0.5 s is what the Allen's own analyses and the original V1T adaptation use: calcium lags and
    /// outlasts the 0.25 s image.
    public var windowStart = 0.0
    public var windowEnd = 0.5
    public var imageHeight = 72
    public var imageWidth = 128
    public var aspect: AspectMode = .pad
    /// Fractions of the natural images held out (all repeats of an image share a tier).
    public var validationFraction = 0.1
    public var testFraction = 0.1
    public var seed: UInt64 = 0
    /// Whether to use the eye tracking (pupil size, its derivative, pupil centre) when the file has it.
    public var usePupil = true
    /// How far (seconds) a behaviour value may be interpolated or carried from a finite sample.
    public var maxGap = 2.0
    /// Imaging frames read at a time from the traces.
    public var blockFrames = 2048
    /// Refuse a session with a cell without usable signal, instead of dropping that cell by id.
    public var strictCells = false
    /// Natural-movie frames become trials too (docs/allen.md, "Movie trials", justifies the defaults):
    /// every `movieFrameStep`-th frame, its response averaged over `movieWindowStart...movieWindowEnd`
    /// seconds after the frame's onset; tiers by segments of `movieSegmentFrames` frames with a gap
    /// of `movieGapFrames` between tiers; each trial's image the mean of `movieFrameRun` frames from
    /// its frame (`MovieFrameRun`: at most the gap, clipped at the movie's last frame).
    public var includeMovies = true
    public var movieWindowStart = 0.1
    public var movieWindowEnd = 0.5
    public var movieFrameStep = 10
    public var movieSegmentFrames = TierSplit.defaultMovieSegmentFrames
    public var movieGapFrames = TierSplit.defaultMovieGapFrames
    public var movieFrameRun = 1

    public init() {}
}

/// What a conversion kept, dropped and filled in, for the person running it.
public struct ConversionReport: Equatable {
    public var experimentID: String
    public var sessionType: String
    public var trialsInFile: Int
    public var trialsKept: Int
    /// Reason -> number of trials dropped for it.
    public var dropped: [String: Int]
    /// Behaviour variable -> how many kept trials got an interpolated or nearest-sample value.
    public var filled: [String: [SampleQuality: Int]]
    /// Neurons kept.
    public var neurons: Int
    /// Cells left out for having no usable signal (`CellSignalChecks`).
    public var droppedCells: [DroppedCell]
    public var notes: [String]

    /// A few lines for the terminal.
    public var summary: String {
        var lines = ["\(experimentID) (\(sessionType)): \(trialsKept) of \(trialsInFile) trials, \(neurons) neurons"]
        for (reason, count) in dropped.sorted(by: { $0.key < $1.key }) where count > 0 {
            lines.append("  dropped \(count) trials: \(reason)")
        }
        if !droppedCells.isEmpty {
            lines.append("  dropped \(droppedCells.count) cells without usable signal: "
                + droppedCells.map { "\($0.cellSpecimenId) (\($0.reason))" }.joined(separator: ", "))
        }
        for (variable, counts) in filled.sorted(by: { $0.key < $1.key }) {
            let parts = [SampleQuality.interpolated, .nearest].compactMap { quality -> String? in
                guard let count = counts[quality], count > 0 else { return nil }
                return "\(count) \(quality == .interpolated ? "interpolated across NaN" : "from the nearest sample")"
            }
            if !parts.isEmpty { lines.append("  \(variable): \(parts.joined(separator: ", "))") }
        }
        lines += notes.map { "  note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
