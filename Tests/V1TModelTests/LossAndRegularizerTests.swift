import XCTest
@testable import V1TModel

final class LossTests: XCTestCase {
    func testPoissonLossByHand() {
        // (2 - 1·log 2) + (0.5 - 3·log 0.5) = 2.5 + 2·log 2, scaled by √(100/4) = 5.
        let scale = datasetScale(trainingSetSize: 100, batchSize: 4)
        XCTAssertEqual(scale, 5)
        var gradient: [Float] = [0, 0]
        let value = PoissonLoss.evaluate(predictions: [2, 0.5], targets: [1, 3], count: 2, scale: scale, gradient: &gradient)
        XCTAssertEqual(value, 5 * (2.5 + 2 * log(2.0)), accuracy: 1e-5)
        // scale · (1 - y/ŷ)
        XCTAssertEqual(gradient[0], 5 * 0.5, accuracy: 1e-5)
        XCTAssertEqual(gradient[1], 5 * -5, accuracy: 1e-4)
        // The epsilon keeps a zero prediction finite: ŷ = 0, y = 0 gives ε - ε·log ε.
        let zero = PoissonLoss.evaluate(predictions: [0], targets: [0], count: 1, scale: 1, gradient: nil)
        XCTAssertEqual(zero, PoissonLoss.epsilon * (1 - log(PoissonLoss.epsilon)), accuracy: 1e-12)
    }

    func testPoissonGradient() {
        let count = 12
        let predictions = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { predictions.deallocate() }
        predictions.initialize(from: randomProjection(count, seed: 1).map { 1.5 + $0 }, count: count)
        let targets = randomProjection(count, seed: 2).map { 2 + 2 * $0 }
        var gradient = [Float](repeating: 0, count: count)
        _ = PoissonLoss.evaluate(predictions: predictions, targets: targets, count: count, scale: 2, gradient: &gradient)
        assertGradientsMatch("Poisson", values: predictions, analytic: gradient, indices: Array(0..<count), epsilon: 1e-3) {
            PoissonLoss.evaluate(predictions: predictions, targets: targets, count: count, scale: 2, gradient: nil)
        }
    }

    /// V1T's formula written out: standardise each neuron's column by mean and population std (+ε),
    /// average the products, subtract the sum from N.
    private func referenceCorrelationLoss(_ p: [Float], _ y: [Float], batch: Int, neurons: Int, scale: Double) -> Double {
        var total = 0.0
        for j in 0..<neurons {
            let ys = (0..<batch).map { Double(y[$0 * neurons + j]) }, ps = (0..<batch).map { Double(p[$0 * neurons + j]) }
            func standardised(_ v: [Double]) -> [Double] {
                let mean = v.reduce(0, +) / Double(batch)
                let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(batch)).squareRoot()
                return v.map { ($0 - mean) / (std + CorrelationLoss.epsilon) }
            }
            total += zip(standardised(ys), standardised(ps)).map(*).reduce(0, +) / Double(batch)
        }
        return scale * (Double(neurons) - total)
    }

    func testCorrelationLossValueAndGradient() {
        let (batch, neurons) = (6, 4)
        let predictions = UnsafeMutablePointer<Float>.allocate(capacity: batch * neurons)
        defer { predictions.deallocate() }
        predictions.initialize(from: randomProjection(batch * neurons, seed: 5).map { 1 + $0 }, count: batch * neurons)
        let targets = randomProjection(batch * neurons, seed: 6).map { 1 + $0 }
        var gradient = [Float](repeating: 0, count: batch * neurons)
        let value = CorrelationLoss.evaluate(predictions: predictions, targets: targets, batch: batch, neurons: neurons,
                                             scale: 3, gradient: &gradient)
        let p = Array(UnsafeBufferPointer(start: predictions, count: batch * neurons))
        XCTAssertEqual(value, referenceCorrelationLoss(p, targets, batch: batch, neurons: neurons, scale: 3), accuracy: 1e-9)
        // A perfect linear prediction has correlation 1 on every neuron: loss 0.
        let perfect = targets.map { 2 * $0 + 1 }
        XCTAssertEqual(CorrelationLoss.evaluate(predictions: perfect, targets: targets, batch: batch, neurons: neurons,
                                                scale: 1, gradient: nil), 0, accuracy: 1e-5)
        assertGradientsMatch("correlation", values: predictions, analytic: gradient,
                             indices: Array(0..<(batch * neurons)), epsilon: 1e-3) {
            CorrelationLoss.evaluate(predictions: predictions, targets: targets, batch: batch, neurons: neurons, scale: 3, gradient: nil)
        }
    }

    /// Statistics summed over micro-batches (as an allreduce would) give the one-batch value and gradient.
    func testCorrelationFromGlobalSumsEqualsOneBatch() {
        let (batch, neurons) = (7, 3)
        let predictions = randomProjection(batch * neurons, seed: 8).map { 2 + $0 }
        let targets = randomProjection(batch * neurons, seed: 9).map { 2 + $0 }
        var whole = [Float](repeating: 0, count: batch * neurons)
        let value = CorrelationLoss.evaluate(predictions: predictions, targets: targets, batch: batch, neurons: neurons,
                                             scale: 1.5, gradient: &whole)

        let splits = [0..<3, 3..<4, 4..<7]
        var global = CorrelationStatistics(neurons: neurons)
        for rows in splits {
            var local = CorrelationStatistics(neurons: neurons)
            let range = (rows.lowerBound * neurons)..<(rows.upperBound * neurons)
            local.accumulate(predictions: Array(predictions[range]), targets: Array(targets[range]), batch: rows.count)
            global.add(local)
        }
        XCTAssertEqual((0..<neurons).map(global.count), Array(repeating: Double(batch), count: neurons))
        XCTAssertEqual(CorrelationLoss.value(global, scale: 1.5), value, accuracy: 1e-9)
        var pieces: [Float] = []
        for rows in splits {
            let range = (rows.lowerBound * neurons)..<(rows.upperBound * neurons)
            var part = [Float](repeating: 0, count: range.count)
            CorrelationLoss.gradient(global, predictions: Array(predictions[range]), targets: Array(targets[range]),
                                     batch: rows.count, scale: 1.5, into: &part)
            pieces += part
        }
        for i in whole.indices { XCTAssertEqual(pieces[i], whole[i], accuracy: 1e-6) }
    }

    func testConstantPredictionsGiveFiniteGradient() {
        var gradient: [Float] = [9, 9, 9]
        let value = CorrelationLoss.evaluate(predictions: [1, 1, 1], targets: [0, 1, 2], batch: 3, neurons: 1,
                                             scale: 1, gradient: &gradient)
        XCTAssertEqual(value, 1, accuracy: 1e-9)
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
        // Only the covariance term remains: moving ŷ_i along y_i - ȳ raises the correlation.
        XCTAssertLessThan(gradient[2], 0)
        XCTAssertGreaterThan(gradient[0], 0)
    }
}

final class RegularizerTests: XCTestCase {
    func testL1ValueAndGradientBySlice() {
        var layout = ParameterLayout()
        let core = layout.add("core.w", shape: [3], group: .core, initializer: .zeros)
        let coreBias = layout.add("core.b", shape: [1], group: .core, initializer: .zeros)
        let readout = Gaussian2DReadout(layout: &layout, name: "readout.a", neuronPositions: [(0, 0), (1, 2)],
                                        channels: 2, gridHeight: 2, gridWidth: 2)
        let store = ParameterStore(layout: layout, seed: 3)
        store.setValues([1, -2, 0], of: core)
        store.setValues([0.5], of: coreBias)
        store.setValues([0.25, -0.75, 1, 0], of: readout.features)

        let coreL1 = L1Regularizer.core(layout: layout)
        XCTAssertEqual(coreL1.scale, 0.5379)
        XCTAssertEqual(coreL1.slices.map(\.name), ["core.w", "core.b"])
        let values = UnsafePointer(store.values.baseAddress!), gradients = store.gradients.baseAddress!
        XCTAssertEqual(coreL1.apply(values: values, gradients: gradients, weight: 0.5), 0.5 * 0.5379 * 3.5, accuracy: 1e-6)
        XCTAssertEqual(store.values(of: core).indices.map { gradients[core.offset + $0] }, [0.5 * 0.5379, -0.5 * 0.5379, 0])
        XCTAssertEqual(gradients[coreBias.offset], 0.5 * 0.5379)

        let featureL1 = L1Regularizer.readoutFeatures([readout])
        XCTAssertEqual(featureL1.scale, 0.0076)
        XCTAssertEqual(L1Regularizer.slices(in: layout, group: .readout, nameSuffix: ".features"), [readout.features])
        XCTAssertEqual(featureL1.apply(values: values, gradients: gradients), 0.0076 * 2, accuracy: 1e-7)
        let featureGradient = (0..<4).map { gradients[readout.features.offset + $0] }
        XCTAssertEqual(featureGradient, [0.0076, -0.0076, 0.0076, 0])
        // Nothing else of the readout is penalised.
        XCTAssertEqual(readout.sigma.range.map { gradients[$0] }, Array(repeating: 0, count: readout.sigma.count))
        XCTAssertEqual(featureL1.apply(values: values, gradients: nil), 0.0076 * 2, accuracy: 1e-7)
    }
}
