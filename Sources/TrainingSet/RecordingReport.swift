import Foundation
import Metrics

/// What `v1t-dist inspect` prints about a recording: its make-up, which behaviour is real, response
/// statistics, the noise ceiling and, for simulated recordings, how close the ground truth gets.
public struct RecordingReport: Sendable {
    /// Per-neuron oracle correlation (leave-one-out over repeats) on all natural-image trials.
    public let oracle: [Double]
    /// The same on the test tier only: the ceiling next to which test scores should be read.
    public let testOracle: [Double]
    /// Per-neuron single-trial correlation of the noiseless ground truth with the responses: what a
    /// perfect model of the simulation would score (simulated recordings only).
    public let groundTruthCorrelation: [Double]?
    /// CCnorm of the ground truth on all natural-image trials (≈ 1 when the ceiling estimate is right).
    public let groundTruthNormalizedCorrelation: [Double]?
    private let lines: [String]

    public init(recording: Recording, path: String) {
        let trials = recording.trials
        let natural = (0..<trials.count).filter { !trials.isBlank($0) }
        let test = natural.filter { trials.tiers[$0] == .test }
        let neurons = recording.neurons.count
        func rows(_ matrix: Matrix<Float>, _ picked: [Int]) -> [Float] { matrix.rows(picked).values }
        func images(_ picked: [Int]) -> [Int] { picked.map { Int(trials.imageIndex[$0]) } }

        // A container's neurons count only on the trials of sessions that recorded them.
        func recorded(_ picked: [Int]) -> RecordedNeurons {
            RecordedNeurons(recording.recordsEveryNeuronOnEveryTrial ? nil : picked.flatMap { trial in
                (0..<neurons).map { recording.isRecorded(trial: trial, neuron: $0) }
            }, trials: picked.count, neurons: neurons)
        }
        let (onNatural, onTest) = (recorded(natural), recorded(test))
        func oracles(_ picked: [Int], _ mask: RecordedNeurons) -> [Double] {
            let targets = rows(trials.responses, picked)
            return mask.perNeuron(predictions: targets, targets: targets, imageIDs: images(picked)) { _, y, n, ids in
                [oracleCorrelation(targets: y, neurons: n, imageIDs: ids)]
            }[0]
        }
        oracle = oracles(natural, onNatural)
        testOracle = oracles(test, onTest)
        if let truth = recording.groundTruth {
            let scores = onNatural.perNeuron(predictions: rows(truth.noiselessResponses, natural), targets: rows(trials.responses, natural),
                                             imageIDs: images(natural)) { p, y, n, ids in
                [singleTrialCorrelation(predictions: p, targets: y, neurons: n),
                 normalizedCorrelation(predictions: p, targets: y, neurons: n, imageIDs: ids).normalized]
            }
            groundTruthCorrelation = scores[0]
            groundTruthNormalizedCorrelation = scores[1]
        } else {
            groundTruthCorrelation = nil
            groundTruthNormalizedCorrelation = nil
        }

        var lines = [String]()
        let m = recording.metadata
        lines.append("file: \(path)")
        lines.append("source: \(m.source.rawValue), experiment \(m.experimentID), session \(m.sessionType), cre line \(m.creLine), area \(m.area)")
        lines.append("written by \(m.toolVersion), format version \(m.formatVersion)")
        lines.append("responses: \(m.responseKind.rawValue), window \(format(m.responseWindowStart))-\(format(m.responseWindowEnd)) s after onset, imaging at \(String(format: "%.2f", m.frameRate)) Hz")
        let blanks = trials.count - natural.count
        let naturalImages = Set(natural.map { trials.imageIndex[$0] }).count
        lines.append("images: \(recording.images.count) stored (\(recording.images.height) x \(recording.images.width)), \(naturalImages) natural images shown")
        let perTier = Tier.allCases.map { tier -> String in
            let count = trials.tiers.filter { $0 == tier }.count
            let imageCount = Set(natural.filter { trials.tiers[$0] == tier }.map { trials.imageIndex[$0] }).count
            return "\(tier) \(count) (\(imageCount) images)"
        }
        lines.append("trials: \(trials.count): " + perTier.joined(separator: ", ") + "; \(blanks) blank (gray) trials, all in train")
        lines.append("neurons: \(neurons)")
        lines.append(stimulusLine(recording))
        lines.append("sessions: " + recording.sessions.map {
            "\($0.experimentID) (\($0.sessionType), \($0.recorded.filter { $0 }.count) of \(neurons) neurons)"
        }.joined(separator: ", "))
        let behaviour = BehaviourVariable.allCases.map { "\($0) \(trials.behaviourAvailable[$0.rawValue] ? "recorded" : "absent (zeros)")" }
        lines.append("behaviour: " + behaviour.joined(separator: ", ") + "; pupil centre \(trials.pupilCenterAvailable ? "recorded" : "absent (zeros)")")
        let stats = recording.statistics.responses
        lines.append("responses (training tier), over neurons:")
        lines.append("  each neuron's mean: \(spread(stats.mean.map(Double.init)))")
        lines.append("  each neuron's std: \(spread(stats.std.map(Double.init)))")
        lines.append("  range over all neurons: \(format(Double(stats.min.min() ?? .nan)))...\(format(Double(stats.max.max() ?? .nan)))")
        lines.append("noise ceiling (oracle: each trial vs. the mean of the other repeats, per neuron):")
        let naturalOracle = onNatural.recordedOnly(oracle), testOracleRecorded = onTest.recordedOnly(testOracle)
        lines.append("  all natural-image trials: \(spread(naturalOracle)), \(naturalOracle.filter(\.isNaN).count) constant neurons")
        lines.append("  test tier: \(spread(testOracleRecorded))"
            + (testOracleRecorded.count < neurons ? " (the \(testOracleRecorded.count) neurons recorded on test trials)" : ""))
        if let truth = groundTruthCorrelation, let normalized = groundTruthNormalizedCorrelation, let gt = recording.groundTruth {
            lines.append("ground truth (simulated):")
            lines.append("  noiseless responses vs. responses, single trial: \(spread(onNatural.recordedOnly(truth))) (about the best any model can score)")
            lines.append("  CCnorm of the noiseless responses: \(spread(onNatural.recordedOnly(normalized))) (≈ 1: the ceiling estimate is sound)")
            let sizes = gt.receptiveFieldSizes.map(Double.init)
            let xs = gt.receptiveFieldCenters.column(0).map(Double.init), ys = gt.receptiveFieldCenters.column(1).map(Double.init)
            lines.append("  receptive fields: centres x \(format(xs.min() ?? .nan))...\(format(xs.max() ?? .nan)), y \(format(ys.min() ?? .nan))...\(format(ys.max() ?? .nan)) of the image; size (σ / width) \(spread(sizes))")
        }
        self.lines = lines
    }

    public var text: String { lines.joined(separator: "\n") }
}

/// "stimuli: natural_scenes 5950 trials, natural_movie_one 2250 trials; movies: frame step 4, ...".
private func stimulusLine(_ recording: Recording) -> String {
    let trials = recording.trials
    var counts = [Int](repeating: 0, count: trials.stimulusKinds.count)
    for kind in trials.stimulusKindIndex { counts[Int(kind)] += 1 }
    var line = "stimuli: " + trials.stimulusKinds.indices.map { "\(trials.stimulusKinds[$0].name) \(counts[$0]) trials" }
        .joined(separator: ", ")
    if let movie = recording.metadata.movieTrials {
        line += "; movies: frame step \(movie.frameStep)" + (movie.frameRun > 1 ? ", images the mean of \(movie.frameRun) frames" : "")
            + ", response \(format(movie.responseWindowStart))-\(format(movie.responseWindowEnd)) s after the frame"
    }
    return line
}

/// "mean 0.412 ± 0.105 (median 0.420, 10-90 % 0.270...0.540)", NaN counted as 0 in the mean as Sensorium does.
private func spread(_ values: [Double]) -> String {
    guard !values.isEmpty else { return "n/a" }
    let cleaned = values.map { $0.isNaN ? 0 : $0 }
    let mean = meanCountingNaNAsZero(values)
    let std = (cleaned.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cleaned.count)).squareRoot()
    let sorted = cleaned.sorted()
    func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1) + 0.5))] }
    return "mean \(format(mean)) ± \(format(std)) (median \(format(quantile(0.5))), 10-90 % \(format(quantile(0.1)))...\(format(quantile(0.9))))"
}

private func format(_ value: Double) -> String {
    value.isFinite ? String(format: "%.3f", value) : "\(value)"
}
