import XCTest
@testable import V1TModel

final class TransformerBlockTests: XCTestCase {
    private func makeBlock(_ layout: inout ParameterLayout, behaviourInputs: Int, mice: Int, dropPath: Float) -> TransformerBlock {
        TransformerBlock(layout: &layout, name: "block", width: 6, heads: 2, headWidth: .split, mlpWidth: 10,
                         dropout: 0.2, dropPath: dropPath, behaviourInputs: behaviourInputs, behaviourMLPCount: mice, behaviourDropout: 0.1)
    }

    func testForwardIsResidualAttentionThenResidualMLP() {
        var layout = ParameterLayout()
        let block = makeBlock(&layout, behaviourInputs: 3, mice: 1, dropPath: 0.5)
        let store = ParameterStore(layout: layout, seed: 1)
        randomiseParameters(store)
        let params = store.values.baseAddress!
        let x = randomInput(2 * 4 * 6), behaviour = randomInput(2 * 3, seed: 3)
        let y = array(block.forward(x, batch: 2, tokens: 4, behaviour: behaviour, behaviourMLPIndex: 0, params: params, context: nil), 48)

        // The same computation from the sub-layers (in evaluation: no dropout, no drop path).
        let latent = array(block.behaviourMLPs[0].forward(behaviour, batch: 2, params: params, context: nil), 12)
        let shifted: [Float] = (0..<48).map { (i: Int) -> Float in x[i] + latent[(i / 24) * 6 + i % 6] }
        let attended = written(48) { block.attention.forward(shifted, batch: 2, tokens: 4, params: params, context: nil, into: $0) }
        let middle = (0..<48).map { shifted[$0] + attended[$0] }
        let transformed = written(48) { block.mlp.forward(middle, rows: 8, params: params, context: nil, into: $0) }
        for i in 0..<48 { XCTAssertEqual(y[i], middle[i] + transformed[i], accuracy: 1e-6) }
    }

    func testGradientsMatchFiniteDifferences() {
        for (behaviourInputs, mice, training) in [(0, 1, false), (3, 1, true), (5, 2, true)] {
            var layout = ParameterLayout()
            let block = makeBlock(&layout, behaviourInputs: behaviourInputs, mice: mice, dropPath: 0.3)
            let store = ParameterStore(layout: layout, seed: 2)
            randomiseParameters(store, std: 0.3)
            var x = randomInput(4 * 5 * 6)
            let behaviour = randomInput(4 * max(behaviourInputs, 1), seed: 5)
            let context = training ? trainingContext(batch: 4) : nil
            let mouse = mice - 1
            let gradient = FloatBuffer()
            x.withUnsafeMutableBufferPointer { input in
                checkLayerGradients("block behaviour=\(behaviourInputs) mice=\(mice) training=\(training)", store: store,
                                    input: input.baseAddress!, inputCount: 120, outputCount: 120,
                                    forward: { block.forward(input.baseAddress!, batch: 4, tokens: 5, behaviour: behaviour, behaviourMLPIndex: mouse,
                                                             params: store.values.baseAddress!, context: context) },
                                    backward: {
                                        let dx = mutableCopy($0, count: 120, in: gradient)
                                        block.backward(dx, params: store.values.baseAddress!, grads: store.gradients.baseAddress!)
                                        return UnsafePointer(dx)
                                    })
            }
            if mice == 2 {
                // Only the selected mouse's behaviour MLP may receive gradient.
                let unused = store.layout.slices.filter { $0.name.hasPrefix("block.behaviour.mouse0") }
                XCTAssertFalse(unused.isEmpty)
                for slice in unused { XCTAssertTrue(store.gradients[slice.range].allSatisfy { $0 == 0 }, slice.name) }
            }
        }
    }
}
