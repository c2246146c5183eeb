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

    /// Neuron 0 unrecorded on the second half of the trials, neuron 3 on every test trial, neurons 1
    /// and 2 everywhere: four sessions, (first or second half) x (test or not).
    static func masked(_ recording: Recording) -> Recording {
        var masked = recording
        let trials = recording.trials.count
        masked.trials.sessionIndex = (0..<trials).map { Int32(($0 >= trials / 2 ? 1 : 0) + (recording.trials.tiers[$0] == .test ? 2 : 0)) }
        masked.sessions = (0..<4).map { session in
            RecordedSession(experimentID: "session-\(session)", sessionType: "simulated",
                            recorded: (0..<4).map { !($0 == 0 && session % 2 == 1) && !($0 == 3 && session >= 2) })
        }
        for trial in 0..<trials {
            for neuron in 0..<4 where !masked.isRecorded(trial: trial, neuron: neuron) { masked.trials.responses[trial, neuron] = 0 }
        }
        masked.recomputeStatistics()
        return masked
    }

    func testMetricsIgnoreUnrecordedEntriesAndNeuronsTheTierNeverSaw() throws {
        let recording = Self.masked(try Self.recording())
        let data = MouseData(recording: recording, name: "masked")
        let mask = try XCTUnwrap(data.recorded)
        XCTAssertEqual(mask.count, recording.trials.count * 4)
        // Unrecorded entries hold anything at all: here up to 6,000 times a response.
        var garbled = recording
        for index in mask.indices where !mask[index] { garbled.trials.responses.values[index] = 1000 * Float(index % 7) }
        garbled.recomputeStatistics()
        let garbledData = MouseData(recording: garbled, name: "masked")
        XCTAssertEqual(garbled.statistics, recording.statistics)

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
        var twoSessions = recording
        twoSessions.trials.sessionIndex = (0..<recording.trials.count).map { Int32($0 % 2) }
        twoSessions.sessions = [recording.sessions[0], RecordedSession(experimentID: "other", sessionType: "simulated",
                                                                       recorded: [true, true, true, true])]
        let allTrue = MouseData(recording: twoSessions, name: "plain")
        XCTAssertNil(plain.recorded)
        XCTAssertNil(allTrue.recorded)
        let trials = plain.testTrials
        let predictions = (0..<(trials.count * 4)).map { Float(1 + ($0 * 13 % 5)) / 3 }
        XCTAssertEqual(Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: plain).0,
                       Evaluator.score(tier: .test, trials: trials, predictions: predictions, data: allTrue).0)
    }
}
