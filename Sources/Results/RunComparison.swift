import Foundation
import Training
import TrainingSet

/// Several runs side by side on their held-out test images: one row per run and recording, the
/// scores of `evaluation.json` and, when `receptive-fields` has been run on it, the median distance
/// of the mapped receptive-field centres from the true ones (simulated recordings).
public struct RunComparison {
    public struct Row: Equatable {
        public var run: String
        public var recording: String
        public var core: String
        public var test: TierScores
        public var receptiveFieldError: Double?
    }

    public let rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Reads each run's config.json and evaluation.json (and receptive-fields/receptive_fields.json
    /// when present); a run without an evaluation is named.
    public init(runs: [String]) throws {
        var rows: [Row] = []
        for path in runs {
            let run = RunDirectory(path)
            guard FileManager.default.fileExists(atPath: run.evaluation.path) else {
                throw RunError("\(run.evaluation.path) is missing: train the run to the end or score it with `v1t-dist evaluate \(path)`")
            }
            let report = try run.readJSON(EvaluationReport.self, from: run.evaluation)
            let configuration = try run.loadConfiguration()
            let fields = run.url.appendingPathComponent("receptive-fields/receptive_fields.json")
            let decoder = JSONDecoder()
            // As `ReceptiveFieldReport` writes non-finite numbers (an unfitted strength is inf).
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let error = (try? decoder.decode(ReceptiveFieldReport.Summary.self, from: Data(contentsOf: fields)))?.medianCenterError
            for recording in report.recordings {
                // The headline test: the natural-scene test images, whatever else the run was scored on.
                guard let test = recording.tiers.first(where: {
                    $0.tier == "test" && ($0.stimulus ?? StimulusKind.naturalScenes.name) == StimulusKind.naturalScenes.name
                }) else { continue }
                rows.append(Row(run: run.url.lastPathComponent, recording: recording.name,
                                core: configuration.model.core.kind.rawValue, test: test, receptiveFieldError: error))
            }
        }
        self.rows = rows
    }

    /// The fixed-width table; "beats mean" says whether the test Poisson loss is below the baseline.
    public var table: String {
        func cell(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : String(repeating: " ", count: width - text.count) + text
        }
        func number(_ value: Double?, _ format: String = "%.3f") -> String { value.map { String(format: format, $0) } ?? "-" }
        let header = ["run", "core", "single-trial", "to-average", "FEVE", "Poisson", "mean-baseline", "beats mean", "CCnorm", "truth", "RF error"]
        let widths = [24, 10, 13, 11, 7, 9, 14, 11, 7, 7, 9]
        var lines = [zip(header, widths).map { cell($0, $1) }.joined()]
        for row in rows {
            let t = row.test
            let values = [row.run, row.core, number(t.singleTrialCorrelation), number(t.correlationToAverage), number(t.feve),
                          number(t.poissonLoss, "%.2f"), number(t.baselinePoissonLoss, "%.2f"),
                          t.poissonLoss < t.baselinePoissonLoss ? "yes" : "NO", number(t.normalizedCorrelation),
                          number(t.groundTruthCorrelation), number(row.receptiveFieldError)]
            lines.append(zip(values, widths).map { cell($0, $1) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
