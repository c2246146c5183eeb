import Foundation
import XCTest
@testable import V1TModel

/// GELU and Tanh: values against reference numbers and gradients against finite differences.
final class ActivationTests: XCTestCase {
    func testGELUValuesAreTheExactErfForm() {
        let x: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3]
        let y = written(x.count) { GELU.forward(x, into: $0, count: x.count) }
        // x Φ(x) with Φ from tables: Φ(0.5) = 0.691462461, Φ(1) = 0.841344746, Φ(3) = 0.998650102.
        let expected: [Double] = [-3 * (1 - 0.998650102), -(1 - 0.841344746), -0.5 * (1 - 0.691462461), 0,
                                  0.5 * 0.691462461, 0.841344746, 3 * 0.998650102]
        for i in 0..<x.count { XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-6, "GELU(\(x[i]))") }
        // The tanh approximation gives -0.003637 here, so this tells the two forms apart.
        XCTAssertEqual(Double(y[0]), -0.004049694, accuracy: 1e-6)
    }

    /// The vectorised Φ against erf in Double over the range that matters, with a count that leaves
    /// a partial vector at the end; the backward factor Φ + x φ likewise.
    func testGELUMatchesErfAcrossTheRange() {
        let x = (0..<1001).map { Float(-8 + 16 * Double($0) / 1000) }
        let y = written(x.count) { GELU.forward(x, into: $0, count: x.count) }
        let slope = written(x.count) { GELU.backward([Float](repeating: 1, count: x.count), input: x, into: $0, count: x.count) }
        for i in x.indices {
            let v = Double(x[i])
            let cdf = 0.5 * (1 + erf(v / 2.0.squareRoot())), pdf = exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(y[i]), v * cdf, accuracy: 4e-7 * max(1, abs(v)), "GELU(\(v))")
            XCTAssertEqual(Double(slope[i]), cdf + v * pdf, accuracy: 1e-6 * max(1, abs(v)), "GELU'(\(v))")
        }
    }

    func testGELUAndTanhGradientsMatchFiniteDifferences() {
        let store = ParameterStore(layout: ParameterLayout(), seed: 1)
        var x = randomInput(30, std: 2)
        let y = FloatBuffer(capacity: 30), dx = FloatBuffer(capacity: 30)
        x.withUnsafeMutableBufferPointer { input in
            let x = input.baseAddress!
            checkLayerGradients("GELU", store: store, input: x, inputCount: 30, outputCount: 30, epsilon: 1e-3,
                                forward: { GELU.forward(x, into: y.pointer, count: 30); return UnsafePointer(y.pointer) },
                                backward: { GELU.backward($0, input: x, into: dx.pointer, count: 30); return UnsafePointer(dx.pointer) })
            checkLayerGradients("tanh", store: store, input: x, inputCount: 30, outputCount: 30, epsilon: 1e-3,
                                forward: { Tanh.forward(x, into: y.pointer, count: 30); return UnsafePointer(y.pointer) },
                                backward: { Tanh.backward($0, output: y.pointer, into: dx.pointer, count: 30); return UnsafePointer(dx.pointer) })
        }
    }

    func testTanhValues() {
        let y = written(3) { Tanh.forward([-2, 0, 0.5], into: $0, count: 3) }
        XCTAssertEqual(Double(y[0]), -0.964027580, accuracy: 1e-6)
        XCTAssertEqual(y[1], 0)
        XCTAssertEqual(Double(y[2]), 0.462117157, accuracy: 1e-6)
    }
}
