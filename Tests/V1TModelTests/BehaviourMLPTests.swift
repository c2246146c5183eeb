import Foundation
import XCTest
@testable import V1TModel

final class BehaviourMLPTests: XCTestCase {
    func testForwardIsTwoTanhLayersOfHalfThenFullWidth() {
        var layout = ParameterLayout()
        let mlp = BehaviourMLP(layout: &layout, name: "bmlp", inputs: 3, width: 5, dropout: 0)
        XCTAssertEqual(mlp.first.weight.shape, [2, 3], "hidden width is width / 2, rounded down as V1T's out_dim // 2")
        XCTAssertEqual(mlp.second.weight.shape, [5, 2])
        let store = ParameterStore(layout: layout, seed: 1)
        randomiseParameters(store)
        let behaviour: [Float] = [0.5, -1, 2]
        let y = array(mlp.forward(behaviour, batch: 1, params: store.values.baseAddress!, context: nil), 5)
        let v = { (slice: ParameterSlice) in store.values(of: slice).map(Double.init) }
        let (w1, b1, w2, b2) = (v(mlp.first.weight), v(mlp.first.bias!), v(mlp.second.weight), v(mlp.second.bias!))
        var hidden = [Double](repeating: 0, count: 2)
        for h in 0..<2 {
            var z = b1[h]
            for i in 0..<3 { z += Double(behaviour[i]) * w1[h * 3 + i] }
            hidden[h] = tanh(z)
        }
        for o in 0..<5 {
            let z: Double = b2[o] + hidden[0] * w2[o * 2] + hidden[1] * w2[o * 2 + 1]
            XCTAssertEqual(Double(y[o]), tanh(z), accuracy: 1e-6)
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for (inputs, training) in [(3, false), (5, true)] {
            var layout = ParameterLayout()
            let mlp = BehaviourMLP(layout: &layout, name: "bmlp", inputs: inputs, width: 8, dropout: 0.3)
            let store = ParameterStore(layout: layout, seed: 2)
            randomiseParameters(store)
            let behaviour = randomInput(3 * inputs)
            let context = training ? trainingContext(batch: 3) : nil
            checkLayerGradients("behaviour MLP inputs=\(inputs)", store: store, outputCount: 24,
                                forward: { mlp.forward(behaviour, batch: 3, params: store.values.baseAddress!, context: context) },
                                backward: {
                                    mlp.backward($0, params: store.values.baseAddress!, grads: store.gradients.baseAddress!)
                                    return nil
                                })
        }
    }
}
