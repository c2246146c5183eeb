import XCTest
@testable import V1TModel

final class LayerNormTests: XCTestCase {
    func testForwardNormalisesEachRowThenScalesAndShifts() {
        var layout = ParameterLayout()
        let layer = LayerNorm(layout: &layout, name: "ln", width: 4)
        let store = ParameterStore(layout: layout, seed: 1)
        XCTAssertEqual(store.values(of: layer.weight), [1, 1, 1, 1])
        XCTAssertEqual(store.values(of: layer.bias), [0, 0, 0, 0])
        store.setValues([1, 2, 0.5, -1], of: layer.weight)
        store.setValues([0, 1, -1, 0.25], of: layer.bias)
        let x: [Float] = [1, 2, 3, 4, -3, 0, 0, 3]
        let statistics = FloatBuffer(capacity: 4)
        let y = written(8) { layer.forward(x, rows: 2, params: store.values.baseAddress!, into: $0, statistics: statistics.pointer) }
        // Row 1: mean 2.5, biased variance 1.25; row 2: mean 0, variance 4.5.
        let s1 = 1 / (1.25 + 1e-5).squareRoot(), s2 = 1 / (4.5 + 1e-5).squareRoot()
        let expected: [Double] = [-1.5 * s1, 1 + 2 * -0.5 * s1, -1 + 0.5 * 0.5 * s1, 0.25 - 1.5 * s1,
                                  -3 * s2, 1, -1, 0.25 - 3 * s2]
        for i in 0..<8 { XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-5, "entry \(i)") }
    }

    func testGradientsMatchFiniteDifferences() {
        var layout = ParameterLayout()
        let layer = LayerNorm(layout: &layout, name: "ln", width: 7)
        let store = ParameterStore(layout: layout, seed: 2)
        randomiseParameters(store)
        var x = randomInput(3 * 7, std: 2)
        let y = FloatBuffer(capacity: 21), statistics = FloatBuffer(capacity: 6), dx = FloatBuffer(capacity: 21)
        x.withUnsafeMutableBufferPointer { input in
            let x = input.baseAddress!
            checkLayerGradients("layer norm", store: store, input: x, inputCount: 21, outputCount: 21, perSlice: 7,
                                forward: {
                                    layer.forward(x, rows: 3, params: store.values.baseAddress!, into: y.pointer, statistics: statistics.pointer)
                                    return UnsafePointer(y.pointer)
                                },
                                backward: {
                                    layer.backward($0, input: x, statistics: statistics.pointer, rows: 3, params: store.values.baseAddress!,
                                                   grads: store.gradients.baseAddress!, addingInto: dx.zeroed(21))
                                    return UnsafePointer(dx.pointer)
                                })
        }
    }
}
