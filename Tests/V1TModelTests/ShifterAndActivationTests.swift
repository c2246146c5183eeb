import XCTest
@testable import V1TModel

final class ShifterTests: XCTestCase {
    private func makeShifter() -> (Shifter, ParameterStore) {
        var layout = ParameterLayout()
        let shifter = Shifter(layout: &layout, name: "shifter.m0")
        return (shifter, ParameterStore(layout: layout, seed: 21))
    }

    func testLayersAndInitialisation() {
        let (_, store) = makeShifter()
        let shapes = store.layout.slices.map { "\($0.name) \($0.shape)" }
        XCTAssertEqual(shapes, [
            "shifter.m0.hidden1.weight [5, 2]", "shifter.m0.hidden1.bias [5]",
            "shifter.m0.hidden2.weight [5, 5]", "shifter.m0.hidden2.bias [5]",
            "shifter.m0.output.weight [2, 5]", "shifter.m0.output.bias [2]",
        ])
        // PyTorch's default Linear init: U(-1/sqrt(in), 1/sqrt(in)).
        for slice in store.layout.slices {
            let fanIn = slice.name.hasPrefix("shifter.m0.hidden1") ? 2 : 5
            XCTAssertTrue(store.values(of: slice).allSatisfy { abs($0) <= 1 / Float(fanIn).squareRoot() }, slice.name)
        }
    }

    func testForwardMatchesDirectComputation() {
        let (shifter, store) = makeShifter()
        let pupil: [Float] = [0.4, -1.2, 2.0, 0.3]
        let out = shifter.forward(pupil, batch: 2, params: store.values.baseAddress!)
        func layer(_ x: [Double], _ name: String) -> [Double] {
            let w = store.values(of: store.layout.slice(named: "\(name).weight")!)
            let b = store.values(of: store.layout.slice(named: "\(name).bias")!)
            return b.indices.map { o in tanh(Double(b[o]) + x.indices.reduce(0.0) { $0 + Double(w[o * x.count + $1]) * x[$1] }) }
        }
        for s in 0..<2 {
            let h1 = layer([Double(pupil[2 * s]), Double(pupil[2 * s + 1])], "shifter.m0.hidden1")
            let expected = layer(layer(h1, "shifter.m0.hidden2"), "shifter.m0.output")
            XCTAssertEqual(Double(out[2 * s]), expected[0], accuracy: 1e-5)
            XCTAssertEqual(Double(out[2 * s + 1]), expected[1], accuracy: 1e-5)
        }
    }

    func testGradients() {
        let (shifter, store) = makeShifter()
        let batch = 4
        let pupil = UnsafeMutablePointer<Float>.allocate(capacity: batch * 2)
        defer { pupil.deallocate() }
        pupil.initialize(from: randomProjection(batch * 2, seed: 2).map { 2 * $0 }, count: batch * 2)
        let projection = randomProjection(batch * 2, seed: 3)
        let params = store.values.baseAddress!
        func loss() -> Double {
            let out = shifter.forward(pupil, batch: batch, params: params)
            return (0..<projection.count).reduce(0.0) { $0 + Double(out[$1]) * Double(projection[$1]) }
        }
        _ = loss()
        let dPupil = Array(UnsafeBufferPointer(start: shifter.backward(projection, params: params, grads: store.gradients.baseAddress!),
                                               count: batch * 2))
        let analytic = Array(store.gradients)
        assertGradientsMatch("shifter parameters", values: params, analytic: analytic,
                             indices: Array(0..<store.count), epsilon: 1e-3, loss: loss)
        assertGradientsMatch("pupil centre", values: pupil, analytic: dPupil,
                             indices: Array(0..<(batch * 2)), epsilon: 1e-3, loss: loss)
    }
}

final class ELUPlusOneTests: XCTestCase {
    func testValuesAndGradient() {
        let activation = ELUPlusOne(width: 3)
        let inputs: [Float] = [-2, 0, 0.5, -0.1, 3, -30]
        let out = activation.forward(inputs, batch: 2)
        let expected = inputs.map { $0 > 0 ? Double($0) + 1 : exp(Double($0)) }
        for i in inputs.indices { XCTAssertEqual(Double(out[i]), expected[i], accuracy: 1e-6) }

        let x = UnsafeMutablePointer<Float>.allocate(capacity: inputs.count)
        defer { x.deallocate() }
        x.initialize(from: [-2, -0.4, 0.5, -0.1, 3, 1.2], count: inputs.count)
        let projection = randomProjection(inputs.count, seed: 4)
        func loss() -> Double {
            let y = activation.forward(x, batch: 2)
            return (0..<inputs.count).reduce(0.0) { $0 + Double(y[$1]) * Double(projection[$1]) }
        }
        _ = loss()
        let dx = Array(UnsafeBufferPointer(start: activation.backward(projection), count: inputs.count))
        assertGradientsMatch("ELU + 1", values: x, analytic: dx, indices: Array(0..<inputs.count), epsilon: 1e-3, loss: loss)
    }
}
