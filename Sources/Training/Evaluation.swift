import DDP
import Foundation
import Metrics
import TrainingSet
import V1TModel

/// The scores the field reports, for one recording and one tier, from the model's predictions of
/// standardised responses (Sensorium definitions; see docs/evaluation.md).
public struct TierScores: Codable, Equatable {
    public var tier: String
    /// The stimulus kind scored (`natural_scenes`, `natural_movie_one`, ...); nil in files written
    /// before movies were converted (natural scenes).
    public var stimulus: String? = nil
    public var trials: Int
    public var images: Int
    /// Mean over neurons of the correlation across single trials (NaN neurons count as 0).
    public var singleTrialCorrelation: Double
    /// Mean over neurons of the correlation of repeat-averaged prediction and response across images.
    public var correlationToAverage: Double
    /// Mean FEVE over neurons with FEV >= 0.15 (nil when none reach it), and how many those are.
    public var feve: Double?
    public var feveNeurons: Int
    /// The repeat-based noise ceiling: each trial against the mean of the other repeats of its image.
    public var oracleCorrelation: Double
    /// Mean normalised correlation (CCnorm) over neurons with measurable signal.
    public var normalizedCorrelation: Double?
    /// Poisson loss per trial of the model, and of predicting each neuron's training mean: the
    /// model must beat this baseline on held-out images to have learnt anything about them.
    public var poissonLoss: Double
    public var baselinePoissonLoss: Double
    /// Simulated recordings only: correlation of the predictions with the noiseless responses, and
    /// the best a model can reach on single trials (noiseless responses against the recorded ones).
    public var groundTruthCorrelation: Double?
    public var groundTruthCeiling: Double?
}

/// Per-neuron numbers behind `TierScores`, for the CSV and the plots.
public struct NeuronScores: Equatable {
    public var singleTrial: [Double]
    public var toAverage: [Double]
    public var fev: [Double]
    public var feve: [Double]
    public var oracle: [Double]
    public var normalized: [Double]
}

public struct RecordingEvaluation: Codable, Equatable {
    public var name: String
    public var neurons: Int
    public var tiers: [TierScores]
}

public struct EvaluationReport: Codable, Equatable {
    public var run: String
    public var bestEpoch: Int?
    public var recordings: [RecordingEvaluation]

    public init(run: String, bestEpoch: Int?, recordings: [RecordingEvaluation]) {
        self.run = run
        self.bestEpoch = bestEpoch
        self.recordings = recordings
    }

    /// A short fixed-width table for the terminal.
    public var table: String {
        func cell(_ text: String, _ width: Int) -> String {
            text.count >= width ? String(text.prefix(width)) : String(repeating: " ", count: width - text.count) + text
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }
        func loss(_ value: Double) -> String { String(format: "%.2f", value) }
        let header = ["recording", "tier", "stimuli", "trials", "single-trial", "to-average", "FEVE", "oracle", "CCnorm", "truth", "Poisson", "mean-baseline"]
        let widths = [22, 11, 20, 7, 13, 11, 7, 7, 7, 7, 9, 14]
        var lines = [zip(header, widths).map { cell($0, $1) }.joined()]
        for recording in recordings {
            for scores in recording.tiers {
                let row = [recording.name, scores.tier, scores.stimulus ?? StimulusKind.naturalScenes.name, String(scores.trials), number(scores.singleTrialCorrelation),
                           number(scores.correlationToAverage), number(scores.feve), number(scores.oracleCorrelation),
                           number(scores.normalizedCorrelation), number(scores.groundTruthCorrelation),
                           loss(scores.poissonLoss), loss(scores.baselinePoissonLoss)]
                lines.append(zip(row, widths).map { cell($0, $1) }.joined())
            }
        }
        return (lines + verdicts).joined(separator: "\n")
    }

    /// One plain sentence per recording on its held-out test images (validation when there is no
    /// test tier; natural scenes when it has them, the headline test): does the model predict them
    /// better than each neuron's training mean?
    public var verdicts: [String] {
        recordings.compactMap { recording in
            let scenesFirst = recording.tiers.sorted { ($0.stimulus ?? StimulusKind.naturalScenes.name) == StimulusKind.naturalScenes.name
                && ($1.stimulus ?? StimulusKind.naturalScenes.name) != StimulusKind.naturalScenes.name }
            guard let scores = scenesFirst.first(where: { $0.tier == Tier.test.description })
                    ?? scenesFirst.first(where: { $0.tier == Tier.validation.description }) else { return nil }
            let comparison = String(format: "Poisson loss %.3f vs %.3f", scores.poissonLoss, scores.baselinePoissonLoss)
            let feve = scores.feve.map { String(format: ", FEVE %.3f", $0) } ?? ""
            if scores.poissonLoss < scores.baselinePoissonLoss {
                let gain = 100 * (scores.baselinePoissonLoss - scores.poissonLoss) / scores.baselinePoissonLoss
                return String(format: "%@: on held-out %@ %@ the model beats predicting each neuron's training mean (%@, %.1f%% lower%@)",
                              recording.name, scores.tier, scores.heldOutWhat, comparison, gain, feve)
            }
            return "\(recording.name): WARNING: on held-out \(scores.tier) \(scores.heldOutWhat) the model does NOT beat predicting each neuron's "
                + "training mean (\(comparison)\(feve)): it has not learnt to predict new images. See docs/recipe.md"
        }
    }
}

/// Scores a model on the validation and test tiers of every recording, with predictions sharded
/// across ranks (`DistributedPrediction`), so the numbers equal a single process's.
public struct Evaluator {
    public let model: V1T
    public let mice: [MouseData]
    public let world: Communicator
    public let microBatchSize: Int
    /// Where rank 0 shows how far the evaluation is (nil: nowhere).
    public var progress: ProgressLine?

    public init(model: V1T, mice: [MouseData], world: Communicator, microBatchSize: Int) {
        self.model = model
        self.mice = mice
        self.world = world
        self.microBatchSize = microBatchSize
    }

    /// Scores and per-neuron numbers for each recording, tier (in `tiers` order) and stimulus kind
    /// (natural scenes first): the natural-scene test images lead, movie frames follow apart.
    public func evaluate(tiers: [Tier] = [.test, .validation]) throws -> [(recording: RecordingEvaluation, perNeuron: [NeuronScores], predictions: [[Float]])] {
        var predictor = DistributedPrediction(model: model, world: world, microBatchSize: microBatchSize)
        if let progress, world.isRoot {
            let total = mice.reduce(0) { sum, data in sum + tiers.reduce(0) { $0 + predictor.localTrialCount(data.trials(in: $1).count) } }
            var done = 0
            let started = ProcessInfo.processInfo.systemUptime
            predictor.onMicroBatch = { trials in
                done += trials
                let seconds = ProcessInfo.processInfo.systemUptime - started, rate = Double(done) / max(seconds, 1e-9)
                progress.update(String(format: "evaluate: %d/%d trials (this rank's share)  %.1f trials/s  %@ left",
                                       done, total, rate, ProgressLine.duration(Double(total - done) / max(rate, 1e-9))))
            }
        }
        defer { progress?.clear() }
        return try mice.enumerated().map { mouse, data in
            var scores: [TierScores] = [], neurons: [NeuronScores] = [], predictionsPerTier: [[Float]] = []
            for tier in tiers {
                for (kind, trials) in Self.byStimulusKind(data.trials(in: tier), of: data.recording.trials) {
                    let predictions = try predictor.predict(mouse: mouse, data: data, trials: trials)
                    var (tierScores, perNeuron) = Self.score(tier: tier, trials: trials, predictions: predictions, data: data)
                    tierScores.stimulus = kind.name
                    scores.append(tierScores)
                    neurons.append(perNeuron)
                    predictionsPerTier.append(predictions)
                }
            }
            return (RecordingEvaluation(name: data.name, neurons: data.neurons, tiers: scores), neurons, predictionsPerTier)
        }
    }

    /// `trials` grouped by stimulus kind, natural scenes first, then the kinds in the file's order.
    static func byStimulusKind(_ trials: [Int], of all: Trials) -> [(StimulusKind, [Int])] {
        var groups = [[Int]](repeating: [], count: all.stimulusKinds.count)
        for trial in trials { groups[Int(all.stimulusKindIndex[trial])].append(trial) }
        return all.stimulusKinds.indices.filter { !groups[$0].isEmpty }
            .sorted { (all.stimulusKinds[$0].isMovie ? 1 : 0, $0) < (all.stimulusKinds[$1].isMovie ? 1 : 0, $1) }
            .map { (all.stimulusKinds[$0], groups[$0]) }
    }

    static func score(tier: Tier, trials: [Int], predictions: [Float], data: MouseData) -> (TierScores, NeuronScores) {
        var batch = Batch()
        data.gather(trials, into: &batch)
        let targets = batch.responses, n = data.neurons
        let imageIDs = batch.imageIndices
        // Every per-neuron metric sees only the trials each neuron was recorded on (all of them in a single session).
        let recorded = RecordedNeurons(batch.recorded, trials: trials.count, neurons: n)
        let metrics = recorded.perNeuron(predictions: predictions, targets: targets, imageIDs: imageIDs) { p, y, n, ids in
            let variance = explainableVariance(predictions: p, targets: y, neurons: n, imageIDs: ids)
            let normalized = normalizedCorrelation(predictions: p, targets: y, neurons: n, imageIDs: ids)
            return [singleTrialCorrelation(predictions: p, targets: y, neurons: n),
                    correlationToAverage(predictions: p, targets: y, neurons: n, imageIDs: ids),
                    variance.fev, variance.feve, oracleCorrelation(targets: y, neurons: n, imageIDs: ids), normalized.normalized]
        }
        let (singleTrial, toAverage, oracle, normalized) = (metrics[0], metrics[1], metrics[4], metrics[5])
        let variance = ExplainableVariance(fev: metrics[2], feve: metrics[3])
        let finiteNormalized = normalized.filter(\.isFinite)

        var groundTruth: Double?, ceiling: Double?
        if let truth = data.recording.groundTruth {
            let noiseless = truth.noiselessResponses.rows(trials).values
            let raw = data.recording.trials.responses.rows(trials).values
            let truthMetrics = recorded.perNeuron(predictions: predictions, targets: noiseless, imageIDs: imageIDs) { p, y, n, _ in
                [singleTrialCorrelation(predictions: p, targets: y, neurons: n)]
            }
            let ceilingMetrics = recorded.perNeuron(predictions: noiseless, targets: raw, imageIDs: imageIDs) { p, y, n, _ in
                [singleTrialCorrelation(predictions: p, targets: y, neurons: n)]
            }
            groundTruth = recorded.meanOverRecorded(truthMetrics[0])
            ceiling = recorded.meanOverRecorded(ceilingMetrics[0])
        }
        let meanTrain = trainingMeans(data)
        let baseline = (0..<trials.count).flatMap { _ in meanTrain }
        let feve = variance.meanFEVE()
        let scores = TierScores(
            tier: tier.description, trials: trials.count, images: Set(imageIDs).count,
            singleTrialCorrelation: recorded.meanOverRecorded(singleTrial),
            correlationToAverage: recorded.meanOverRecorded(toAverage),
            feve: feve.isFinite ? feve : nil, feveNeurons: variance.neuronCount(),
            oracleCorrelation: recorded.meanOverRecorded(oracle),
            normalizedCorrelation: finiteNormalized.isEmpty ? nil : finiteNormalized.reduce(0, +) / Double(finiteNormalized.count),
            poissonLoss: poissonPerTrial(predictions, targets, batch: batch),
            baselinePoissonLoss: poissonPerTrial(baseline, targets, batch: batch),
            groundTruthCorrelation: groundTruth, groundTruthCeiling: ceiling)
        let perNeuron = NeuronScores(singleTrial: singleTrial, toAverage: toAverage, fev: variance.fev, feve: variance.feve,
                                     oracle: oracle, normalized: normalized)
        return (scores, perNeuron)
    }

    /// Each neuron's mean standardised response over the training trials it was recorded on.
    private static func trainingMeans(_ data: MouseData) -> [Float] {
        var sums = [Double](repeating: 0, count: data.neurons), counts = [Double](repeating: 0, count: data.neurons)
        for trial in data.trainTrials {
            for n in 0..<data.neurons where data.recorded?[trial * data.neurons + n] ?? true {
                sums[n] += Double(data.responses[trial * data.neurons + n])
                counts[n] += 1
            }
        }
        return zip(sums, counts).map { Float($0 / max($1, 1)) }
    }

    /// The Poisson loss over the recorded entries, per trial.
    private static func poissonPerTrial(_ predictions: [Float], _ targets: [Float], batch: Batch) -> Double {
        predictions.withUnsafeBufferPointer { p in
            targets.withUnsafeBufferPointer { y in
                batch.withRecorded {
                    PoissonLoss.evaluate(predictions: p.baseAddress!, targets: y.baseAddress!, count: p.count, scale: 1,
                                         gradient: nil, recorded: $0)
                }
            }
        } / Double(max(batch.count, 1))
    }
}

extension RunDirectory {
    public var perNeuronScores: URL { url.appendingPathComponent("evaluation_neurons.csv") }

    /// Writes evaluation.json and evaluation_neurons.csv (one row per recording, tier and neuron).
    public func saveEvaluation(_ report: EvaluationReport, perNeuron: [[NeuronScores]], mice: [MouseData]) throws {
        try writeJSON(report, to: evaluation)
        var csv = "recording,tier,neuron,neuron_id,single_trial_correlation,correlation_to_average,fev,feve,oracle,normalized_correlation,stimulus\n"
        for (recording, (scores, data)) in zip(report.recordings, zip(perNeuron, mice)) {
            for (tierScores, neurons) in zip(recording.tiers, scores) {
                for n in 0..<data.neurons {
                    let fields = [neurons.singleTrial[n], neurons.toAverage[n], neurons.fev[n], neurons.feve[n], neurons.oracle[n], neurons.normalized[n]]
                    csv += "\(recording.name),\(tierScores.tier),\(n),\(data.recording.neurons.ids[n]),"
                        + fields.map { $0.isFinite ? String($0) : "" }.joined(separator: ",")
                        + ",\(tierScores.stimulus ?? StimulusKind.naturalScenes.name)\n"
                }
            }
        }
        try Self.writeAtomically(Data(csv.utf8), to: perNeuronScores)
    }
}

extension TierScores {
    /// "images" for natural scenes, "natural_movie_one frames" for a movie, in the verdict.
    var heldOutWhat: String {
        guard let stimulus, StimulusKind(name: stimulus).isMovie else { return "images" }
        return "\(stimulus) frames"
    }
}
