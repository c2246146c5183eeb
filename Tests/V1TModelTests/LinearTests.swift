import XCTest
@testable import V1TModel

final class LinearTests: XCTestCase {
    func testForwardComputesXWTransposePlusBias() {
        var layout = ParameterLayout()
        let layer = Linear(layout: &layout, name: "fc", inputs: 2, outputs: 3)
        let store = ParameterStore(layout: layout, seed: 1)
        // W [3, 2] in PyTorch's [out, in] layout.
        store.setValues([1, 2, 3, 4, 5, 6], of: layer.weight)
        store.setValues([0.5, -1, 2], of: layer.bias!)
        let x: [Float] = [1, -1, 2, 0.5]
        let y = written(6) { layer.forward(x, rows: 2, params: store.values.baseAddress!, into: $0) }
        let expected: [Float] = [-0.5, -2, 1, 3.5, 7, 15]  // rows x·W[o] + b[o] worked out by hand
        XCTAssertEqual(y, expected)
    }

    func testInitialisationIsTruncatedNormalWithZeroBias() {
        var layout = ParameterLayout()
        let layer = Linear(layout: &layout, name: "fc", inputs: 100, outputs: 50)
        let store = ParameterStore(layout: layout, seed: 2)
        let w = store.values(of: layer.weight).map(Double.init)
        let std = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02 * 0.88, accuracy: 0.002)  // a normal cut at 2 std keeps 0.88 of its std
        XCTAssertTrue(w.allSatisfy { abs($0) <= 0.04 })
        XCTAssertEqual(store.values(of: layer.bias!), Array(repeating: 0, count: 50))
    }

    func testGradientsMatchFiniteDifferences() {
        for hasBias in [true, false] {
            var layout = ParameterLayout()
            let layer = Linear(layout: &layout, name: "fc", inputs: 5, outputs: 4, bias: hasBias)
            let store = ParameterStore(layout: layout, seed: 3)
            randomiseParameters(store)
            var x = randomInput(3 * 5)
            let y = FloatBuffer(capacity: 12), dx = FloatBuffer(capacity: 15)
            x.withUnsafeMutableBufferPointer { input in
                let x = input.baseAddress!
                checkLayerGradients("linear bias=\(hasBias)", store: store, input: x, inputCount: 15, outputCount: 12,
                                    forward: {
                                        layer.forward(x, rows: 3, params: store.values.baseAddress!, into: y.pointer)
                                        return UnsafePointer(y.pointer)
                                    },
                                    backward: {
                                        layer.backward($0, input: x, rows: 3, params: store.values.baseAddress!, grads: store.gradients.baseAddress!,
                                                       inputGradient: dx.pointer)
                                        return UnsafePointer(dx.pointer)
                                    })
            }
        }
    }

    func testGradientsAccumulateAcrossMicroBatches() {
        var layout = ParameterLayout()
        let layer = Linear(layout: &layout, name: "fc", inputs: 3, outputs: 2)
        let store = ParameterStore(layout: layout, seed: 4)
        let x = randomInput(4 * 3), dy = randomInput(4 * 2, seed: 9)
        let params = store.values.baseAddress!, grads = store.gradients.baseAddress!
        layer.backward(dy, input: x, rows: 4, params: params, grads: grads, inputGradient: nil)
        let whole = Array(store.gradients)
        store.zeroGradients()
        for half in 0..<2 {
            layer.backward(Array(dy[(half * 4)..<(half * 4 + 4)]), input: Array(x[(half * 6)..<(half * 6 + 6)]), rows: 2,
                           params: params, grads: grads, inputGradient: nil)
        }
        for (a, b) in zip(whole, Array(store.gradients)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
