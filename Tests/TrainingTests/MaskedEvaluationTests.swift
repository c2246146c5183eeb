import Metrics
import TrainingSet
import XCTest
@testable import Training

/// Scores of a recording whose neurons were not all recorded on every trial (an experiment
/// container): every metric must use each neuron's recorded trials and nothing else.
final class MaskedEvaluationTests: XCTestCase {
    static func recording() throws -> Recording {
        var options = SimulationOptions()
        options.neurons = 4
        options.images = 40
        options.repeats = 6
        options.imageHeight = 16
        options.imageWidth = 16
        options.seed = 11
        return try Simulator.simulate(options)
    }

    /// Neuron 0 unrecorded on the second half of the trials (another session), neuron 3 on every
    /// test trial, neurons 1 and 2 everywhere.
    static func mask(_ recording: Recording) -> [Bool] {
        let trials = recording.trials.count, tiers = recording.trials.tiers
        return (0..<(trials * 4)).map { index in
            let (trial, neuron) = (index / 4, index % 4)
            return !(neuron == 0 && trial >= trials / 2) && !(neuron == 3 && tiers[trial] == .test)
        }
    }

    func testMetricsIgnoreUnrecordedEntriesAndNeuronsTheTierNeverSaw() throws {
        let recording = try Self.recording()
        let mask = Self.mask(recording)
        let data = MouseData(recording: recording, name: "masked", recorded: mask)
        // Unrecorded entries hold anything at all: here a thousand times the response.
        var garbled = recording
        for index in mask.indices where !mask[index] { garbled.trials.responses.values[index] = 1000 * Float(index % 7) }
        let garbledData = MouseData(recording: garbled, name: "masked", recorded: mask)

        let trials = data.testTrials
        let predictions = (0..<(trials.count * 4)).map { Float(1 + ($0 * 37 % 11)) / 4 }
        let (scores, perNeuron) = Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: data)
        let (garbledScores, garbledPerNeuron) = Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: garbledData)
        XCTAssertEqual(scores, garbledScores)
        XCTAssertEqual(perNeuron.singleTrial.map(String.init(describing:)), garbledPerNeuron.singleTrial.map(String.init(describing:)))

        // Neuron 0 by hand over its recorded test trials; neuron 3 was never recorded on a test trial.
        var batch = Batch()
        data.gather(trials, into: &batch)
        let rows = trials.indices.filter { mask[trials[$0] * 4] }
        XCTAssertFalse(rows.isEmpty)
        XCTAssertLessThan(rows.count, trials.count)
        let byHand = singleTrialCorrelation(predictions: rows.map { predictions[$0 * 4] }, targets: rows.map { batch.responses[$0 * 4] },
                                            neurons: 1)[0]
        XCTAssertEqual(perNeuron.singleTrial[0], byHand, accuracy: 1e-12)
        let toAverage = correlationToAverage(predictions: rows.map { predictions[$0 * 4] }, targets: rows.map { batch.responses[$0 * 4] },
                                             neurons: 1, imageIDs: rows.map { batch.imageIndices[$0] })[0]
        XCTAssertEqual(perNeuron.toAverage[0], toAverage, accuracy: 1e-12)
        XCTAssertTrue(perNeuron.singleTrial[3].isNaN && perNeuron.fev[3].isNaN && perNeuron.oracle[3].isNaN)
        // The tier's mean leaves neuron 3 out instead of counting it as 0.
        let expectedMean = (0..<3).map { perNeuron.singleTrial[$0].isNaN ? 0 : perNeuron.singleTrial[$0] }.reduce(0, +) / 3
        XCTAssertEqual(scores.singleTrialCorrelation, expectedMean, accuracy: 1e-12)
    }

    func testAnAllTrueMaskChangesNothing() throws {
        let recording = try Self.recording()
        let plain = MouseData(recording: recording, name: "plain")
        let allTrue = MouseData(recording: recording, name: "plain", recorded: [Bool](repeating: true, count: recording.trials.count * 4))
        XCTAssertNil(allTrue.recorded)
        let trials = plain.testTrials
        let predictions = (0..<(trials.count * 4)).map { Float(1 + ($0 * 13 % 5)) / 3 }
        XCTAssertEqual(Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: plain).0,
                       Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: allTrue).0)
    }
}
