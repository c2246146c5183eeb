import XCTest
@testable import V1TModel

/// Entries marked unrecorded (a container's neuron on a session that did not keep it) must act as
/// if they were never there: no loss, a zero gradient, and the other entries' gradients unchanged.
final class MaskedLossTests: XCTestCase {
    let (batch, neurons) = (6, 3)
    /// Neuron 1 is unrecorded on trials 0-2, neuron 2 on trial 5.
    var recorded: [Bool] {
        (0..<(batch * neurons)).map { index in
            let (trial, neuron) = (index / neurons, index % neurons)
            return !(neuron == 1 && trial < 3) && !(neuron == 2 && trial == 5)
        }
    }
    var predictions: [Float] { randomProjection(batch * neurons, seed: 21).map { 1.5 + $0 } }
    var targets: [Float] { randomProjection(batch * neurons, seed: 22).map { 1 + abs($0) } }

    func testPoissonSkipsUnrecordedEntries() {
        var gradient = [Float](repeating: 7, count: batch * neurons)
        let masked = PoissonLoss.evaluate(predictions: predictions, targets: targets, count: gradient.count, scale: 2,
                                          gradient: &gradient, recorded: recorded)
        // The loss of the recorded entries alone, one at a time.
        var kept = 0.0
        for index in recorded.indices where recorded[index] {
            var one: Float = 0
            kept += PoissonLoss.evaluate(predictions: [predictions[index]], targets: [targets[index]], count: 1, scale: 2, gradient: &one)
            XCTAssertEqual(gradient[index], one)
        }
        XCTAssertEqual(masked, kept, accuracy: 1e-9)
        for index in recorded.indices where !recorded[index] { XCTAssertEqual(gradient[index], 0) }
        // Whatever an unrecorded entry holds (here NaN) changes nothing.
        var poisoned = targets
        for index in recorded.indices where !recorded[index] { poisoned[index] = .nan }
        var again = [Float](repeating: 0, count: batch * neurons)
        XCTAssertEqual(PoissonLoss.evaluate(predictions: predictions, targets: poisoned, count: again.count, scale: 2,
                                            gradient: &again, recorded: recorded), masked)
        XCTAssertEqual(again, gradient)
    }

    /// Each neuron's correlation over only its recorded trials: the same as a one-neuron batch of those trials.
    func testCorrelationUsesEachNeuronsRecordedTrialsOnly() {
        var gradient = [Float](repeating: 7, count: batch * neurons)
        let masked = CorrelationLoss.evaluate(predictions: predictions, targets: targets, batch: batch, neurons: neurons,
                                              scale: 1.5, gradient: &gradient, recorded: recorded)
        var expected = 0.0
        for neuron in 0..<neurons {
            let rows = (0..<batch).filter { recorded[$0 * neurons + neuron] }
            var part = [Float](repeating: 0, count: rows.count)
            expected += CorrelationLoss.evaluate(predictions: rows.map { predictions[$0 * neurons + neuron] },
                                                 targets: rows.map { targets[$0 * neurons + neuron] }, batch: rows.count,
                                                 neurons: 1, scale: 1.5, gradient: &part)
            for (position, row) in rows.enumerated() { XCTAssertEqual(gradient[row * neurons + neuron], part[position], accuracy: 1e-7) }
        }
        XCTAssertEqual(masked, expected, accuracy: 1e-9)
        for index in recorded.indices where !recorded[index] { XCTAssertEqual(gradient[index], 0) }
    }

    /// A neuron unrecorded on every trial of the batch adds neither loss nor gradient.
    func testANeuronAbsentFromTheWholeBatchCountsAsAbsent() {
        let absent = (0..<(batch * neurons)).map { $0 % neurons != 0 }
        var gradient = [Float](repeating: 7, count: batch * neurons)
        let value = CorrelationLoss.evaluate(predictions: predictions, targets: targets, batch: batch, neurons: neurons,
                                             scale: 1, gradient: &gradient, recorded: absent)
        var twoNeurons = [Float](repeating: 0, count: batch * 2)
        let kept = (0..<(batch * 3)).filter { $0 % 3 != 0 }
        let keptPredictions: [Float] = kept.map { predictions[$0] }
        let keptTargets: [Float] = kept.map { targets[$0] }
        let without = CorrelationLoss.evaluate(predictions: keptPredictions, targets: keptTargets,
                                               batch: batch, neurons: 2, scale: 1, gradient: &twoNeurons)
        XCTAssertEqual(value, without, accuracy: 1e-9)
        XCTAssertTrue((0..<batch).allSatisfy { gradient[$0 * 3] == 0 })
    }
}

extension CorrelationLoss {
    /// One batch with a mask, through the statistics a distributed step uses.
    static func evaluate(predictions: [Float], targets: [Float], batch: Int, neurons: Int, scale: Double,
                         gradient: inout [Float], recorded: [Bool]) -> Double {
        var statistics = CorrelationStatistics(neurons: neurons)
        statistics.accumulate(predictions: predictions, targets: targets, batch: batch, recorded: recorded)
        Self.gradient(statistics, predictions: predictions, targets: targets, batch: batch, scale: scale, into: &gradient,
                      recorded: recorded)
        return value(statistics, scale: scale)
    }
}
