import XCTest
@testable import V1TModel

final class AdamWTests: XCTestCase {
    /// Two steps on two parameters in different groups, against the update rule written out in Double.
    func testMatchesTheAdamWRuleWithSeparateLearningRates() {
        var layout = ParameterLayout()
        let core = layout.add("core.w", shape: [1], group: .core, initializer: .constant(0.5))
        let readout = layout.add("readout.w", shape: [1], group: .readout, initializer: .constant(-1.0))
        let store = ParameterStore(layout: layout, seed: 0)
        let settings = AdamW.Settings(coreLearningRate: 0.01, readoutLearningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        let optimiser = AdamW(layout: layout, settings: settings)

        var expected: [Double] = [0.5, -1.0]
        var m: [Double] = [0, 0], v: [Double] = [0, 0]
        let lrs: [Double] = [0.01, 0.1]
        let gradients: [[Double]] = [[0.2, -0.4], [0.1, 0.3]]
        for (t, g) in gradients.enumerated() {
            store.gradients[core.offset] = Float(g[0])
            store.gradients[readout.offset] = Float(g[1])
            optimiser.update(store)
            for i in 0..<2 {
                expected[i] *= 1 - lrs[i] * 0.1
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i]
                let mHat = m[i] / (1 - pow(0.9, Double(t + 1)))
                let vHat = v[i] / (1 - pow(0.99, Double(t + 1)))
                expected[i] -= lrs[i] * mHat / (vHat.squareRoot() + 1e-8)
            }
        }
        XCTAssertEqual(Double(store.values[core.offset]), expected[0], accuracy: 1e-6)
        XCTAssertEqual(Double(store.values[readout.offset]), expected[1], accuracy: 1e-6)
        XCTAssertEqual(optimiser.step, 2)
    }

    func testScalingLearningRatesAffectsBothGroups() {
        var layout = ParameterLayout()
        _ = layout.add("w", shape: [1], group: .core, initializer: .zeros)
        let optimiser = AdamW(layout: layout, settings: .init(coreLearningRate: 1, readoutLearningRate: 2))
        optimiser.scaleLearningRates(by: 0.3)
        XCTAssertEqual(optimiser.settings.coreLearningRate, 0.3, accuracy: 1e-7)
        XCTAssertEqual(optimiser.settings.readoutLearningRate, 0.6, accuracy: 1e-7)
    }
}
