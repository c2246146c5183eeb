import XCTest
@testable import V1TModel

/// The model, the Poisson loss and AdamW together can fit data: a tiny V1T memorises the responses
/// of a few images.
final class V1TFitTests: XCTestCase {
    func testTinyModelMemorisesAFewTrials() throws {
        let model = try V1T(configuration: V1TTests.tinyConfiguration(behaviourMode: 2, shifter: false, mice: 1), seed: 11)
        let optimiser = AdamW(layout: model.layout, settings: .init(coreLearningRate: 0.01, readoutLearningRate: 0.01))
        let batch = 6, neurons = model.configuration.mice[0].neurons
        let stack = V1TTests.images(count: batch)
        var random = CounterRandom(key: 99)
        let targets = (0..<(batch * neurons)).map { _ in 0.2 + 3 * random.nextUniform() }
        let behaviour = (0..<(batch * 3)).map { _ in random.nextNormal() }
        let pupil = [Float](repeating: 0, count: batch * 2)
        // The Poisson loss is smallest where predictions equal targets; what remains above that floor
        // is what the model has not fitted.
        let floor = targets.reduce(0.0) { total, y in
            let shifted = Double(y) + PoissonLoss.epsilon
            return total + shifted - shifted * log(shifted)
        }
        var gradient = [Float](repeating: 0, count: batch * neurons)
        func step() -> Double {
            model.parameters.zeroGradients()
            let predictions = stack.withUnsafeBufferPointer {
                model.forward(mouse: 0, images: $0.baseAddress!, imageCount: batch, imageIndices: Array(0..<batch),
                              behaviour: behaviour, pupilCenter: pupil, context: .evaluation(batch: batch))
            }
            let loss = gradient.withUnsafeMutableBufferPointer {
                PoissonLoss.evaluate(predictions: predictions, targets: targets, count: batch * neurons, scale: 1, gradient: $0.baseAddress!)
            }
            gradient.withUnsafeBufferPointer { model.backward($0.baseAddress!) }
            optimiser.update(model.parameters)
            return loss - floor
        }
        let initialExcess = step()
        var excess = initialExcess
        for _ in 0..<400 { excess = step() }
        XCTAssertGreaterThan(initialExcess, 1)
        XCTAssertLessThan(excess, 0.05 * initialExcess, "excess Poisson loss only fell from \(initialExcess) to \(excess)")
    }
}
