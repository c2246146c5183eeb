import XCTest
@testable import V1TModel

final class MLPTests: XCTestCase {
    func testForwardIsLayerNormExpandGELUContract() {
        var layout = ParameterLayout()
        let mlp = MLP(layout: &layout, name: "mlp", width: 3, hiddenWidth: 2, dropout: 0.5)
        let store = ParameterStore(layout: layout, seed: 1)
        randomiseParameters(store)
        let x: [Float] = [0.3, -1.2, 2.0]
        let y = written(3) { mlp.forward(x, rows: 1, params: store.values.baseAddress!, context: nil, into: $0) }

        let v = { (slice: ParameterSlice) in store.values(of: slice).map(Double.init) }
        let mean = (0.3 - 1.2 + 2.0) / 3.0
        let centred = x.map { Double($0) - mean }
        let rstd = 1 / (centred.map { $0 * $0 }.reduce(0, +) / 3 + 1e-5).squareRoot()
        let (lnW, lnB) = (v(mlp.norm.weight), v(mlp.norm.bias))
        let normalised = (0..<3).map { centred[$0] * rstd * lnW[$0] + lnB[$0] }
        let (w1, b1, w2, b2) = (v(mlp.expand.weight), v(mlp.expand.bias!), v(mlp.contract.weight), v(mlp.contract.bias!))
        let hidden = (0..<2).map { h -> Double in
            let z = b1[h] + (0..<3).reduce(0.0) { $0 + normalised[$1] * w1[h * 3 + $1] }
            return 0.5 * z * (1 + erf(z / 2.0.squareRoot()))
        }
        for o in 0..<3 {
            let expected = b2[o] + hidden[0] * w2[o * 2] + hidden[1] * w2[o * 2 + 1]
            XCTAssertEqual(Double(y[o]), expected, accuracy: 1e-5)
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for training in [false, true] {
            var layout = ParameterLayout()
            let mlp = MLP(layout: &layout, name: "mlp", width: 5, hiddenWidth: 9, dropout: 0.3)
            let store = ParameterStore(layout: layout, seed: 2)
            randomiseParameters(store)
            var x = randomInput(2 * 4 * 5)
            let context = training ? trainingContext(batch: 2) : nil
            let y = FloatBuffer(capacity: 40), dy = FloatBuffer(), dx = FloatBuffer(capacity: 40)
            x.withUnsafeMutableBufferPointer { input in
                checkLayerGradients("MLP training=\(training)", store: store, input: input.baseAddress!, inputCount: 40, outputCount: 40,
                                    forward: {
                                        mlp.forward(input.baseAddress!, rows: 8, params: store.values.baseAddress!, context: context, into: y.pointer)
                                        return UnsafePointer(y.pointer)
                                    },
                                    backward: {
                                        mlp.backward(mutableCopy($0, count: 40, in: dy), params: store.values.baseAddress!,
                                                     grads: store.gradients.baseAddress!, addingInto: dx.zeroed(40))
                                        return UnsafePointer(dx.pointer)
                                    })
            }
        }
    }
}
