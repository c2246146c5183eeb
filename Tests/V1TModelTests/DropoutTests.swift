import XCTest
@testable import V1TModel

/// Dropout and DropPath: rates, scaling, keyed masks, inactive evaluation and gradients.
final class DropoutTests: XCTestCase {
    func testDropoutZeroesAtTheRateAndRescalesSurvivors() {
        let layer = Dropout(name: "test.dropout", rate: 0.25)
        let count = 4 * 10_000
        var y = [Float](repeating: 2, count: count)
        layer.forward(&y, count: count, context: trainingContext(batch: 4))
        let zeros = y.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / Double(count), 0.25, accuracy: 0.01)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-6 })
    }

    func testDropoutIsIdentityInEvaluation() {
        let layer = Dropout(name: "test.dropout", rate: 0.5)
        let x = randomInput(12)
        var y = x
        layer.forward(&y, count: 12, context: nil)
        XCTAssertEqual(y, x)
        layer.forward(&y, count: 12, context: .evaluation(batch: 3))
        XCTAssertEqual(y, x)
    }

    func testMasksFollowTrialsNotBatchPositions() {
        let layer = Dropout(name: "test.dropout", rate: 0.5)
        func dropped(_ layer: Dropout, count: Int, _ context: PassContext) -> [Float] {
            var y = [Float](repeating: 1, count: count)
            layer.forward(&y, count: count, context: context)
            return y
        }
        let together = dropped(layer, count: 3 * 64, PassContext(training: true, seed: 1, step: 4, trialIndices: [7, 8, 9]))
        let alone = dropped(layer, count: 64, PassContext(training: true, seed: 1, step: 4, trialIndices: [8]))
        XCTAssertEqual(Array(together[64..<128]), alone)
        XCTAssertNotEqual(Array(together[0..<64]), Array(together[64..<128]))
        let otherLayer = Dropout(name: "test.other_dropout", rate: 0.5)
        let other = dropped(otherLayer, count: 64, PassContext(training: true, seed: 1, step: 4, trialIndices: [8]))
        XCTAssertNotEqual(alone, other, "two layers must draw from different streams")
        let nextStep = dropped(layer, count: 64, PassContext(training: true, seed: 1, step: 5, trialIndices: [8]))
        XCTAssertNotEqual(alone, nextStep)
    }

    func testDropoutGradientUsesTheSameMask() {
        let store = ParameterStore(layout: ParameterLayout(), seed: 1)
        let layer = Dropout(name: "test.dropout", rate: 0.3)
        var x = randomInput(2 * 20)
        let context = trainingContext(batch: 2)
        let y = FloatBuffer(capacity: 40), dx = FloatBuffer(capacity: 40)
        x.withUnsafeMutableBufferPointer { input in
            checkLayerGradients("dropout", store: store, input: input.baseAddress!, inputCount: 40, outputCount: 40,
                                forward: {
                                    layer.forward(mutableCopy(input.baseAddress!, count: 40, in: y), count: 40, context: context)
                                    return UnsafePointer(y.pointer)
                                },
                                backward: {
                                    layer.backward(mutableCopy($0, count: 40, in: dx))
                                    return UnsafePointer(dx.pointer)
                                })
        }
    }

    func testDropPathDropsWholeSamplesAtTheRate() {
        let layer = DropPath(name: "test.drop_path", rate: 0.2)
        let batch = 5_000, perSample = 3
        let x = [Float](repeating: 1, count: batch * perSample)
        var y = x
        layer.forward(&y, count: batch * perSample, context: trainingContext(batch: batch))
        var dropped = 0
        for b in 0..<batch {
            let sample = y[(b * perSample)..<((b + 1) * perSample)]
            XCTAssertTrue(sample.allSatisfy { $0 == sample.first! }, "sample \(b) is not scaled as a whole")
            if sample.first! == 0 { dropped += 1 } else { XCTAssertEqual(sample.first!, 1 / 0.8, accuracy: 1e-6) }
        }
        XCTAssertEqual(Double(dropped) / Double(batch), 0.2, accuracy: 0.02)
        var unchanged = Array(x[0..<6])
        layer.forward(&unchanged, count: 6, context: nil)
        XCTAssertEqual(unchanged, Array(x[0..<6]), "inactive in evaluation")
    }

    func testDropPathGradient() {
        let store = ParameterStore(layout: ParameterLayout(), seed: 1)
        let layer = DropPath(name: "test.drop_path", rate: 0.5)
        var x = randomInput(8 * 3)
        let context = trainingContext(batch: 8)
        let y = FloatBuffer(capacity: 24), dx = FloatBuffer(capacity: 24)
        x.withUnsafeMutableBufferPointer { input in
            checkLayerGradients("drop path", store: store, input: input.baseAddress!, inputCount: 24, outputCount: 24,
                                forward: {
                                    layer.forward(mutableCopy(input.baseAddress!, count: 24, in: y), count: 24, context: context)
                                    return UnsafePointer(y.pointer)
                                },
                                backward: {
                                    layer.backward(mutableCopy($0, count: 24, in: dx))
                                    return UnsafePointer(dx.pointer)
                                })
        }
    }

    /// The vectorised generators behind every dropout mask: the rate holds, and successive draws in
    /// one lane and neighbouring lanes in one draw are independent (pairs dropped together at rate²).
    func testDropDecisionsAreIndependentAtTheRate() {
        var random = CounterRandom(key: 99)
        var decisions = DropDecisions(rate: 0.25, random: &random)
        let draws = 20_000
        var dropped = 0, sameLane = 0, neighbours = 0
        var previous = decisions.next()
        for _ in 0..<draws {
            let mask = decisions.next()
            for lane in 0..<16 {
                if mask[lane] { dropped += 1 }
                if mask[lane] && previous[lane] { sameLane += 1 }
                if lane > 0 && mask[lane] && mask[lane - 1] { neighbours += 1 }
            }
            previous = mask
        }
        XCTAssertEqual(Double(dropped) / Double(16 * draws), 0.25, accuracy: 0.005)
        XCTAssertEqual(Double(sameLane) / Double(16 * draws), 0.0625, accuracy: 0.003)
        XCTAssertEqual(Double(neighbours) / Double(15 * draws), 0.0625, accuracy: 0.003)
    }
}
