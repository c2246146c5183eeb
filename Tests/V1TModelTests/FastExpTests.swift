import Foundation
import XCTest
@testable import V1TModel

final class FastExpTests: XCTestCase {
    func testMatchesFoundationExpAcrossTheFloatRange() {
        var worst = 0.0
        var x = -87.0
        while x <= 88.5 {
            let lanes = SIMD16<Float>((0..<16).map { Float(x) + Float($0) * 0.000_731 })
            let fast = fastExp(lanes)
            for lane in 0..<16 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(fast[lane]) - exact) / exact)
            }
            x += 0.0137
        }
        XCTAssertLessThan(worst, 1e-6, "worst relative error \(worst)")
    }

    func testEdgeCases() {
        XCTAssertEqual(fastExp(Float(0)), 1)
        XCTAssertEqual(fastExp(-Float.infinity), 0)
        XCTAssertEqual(fastExp(Float(-200)), 0)
        XCTAssertEqual(fastExp(Float(100)), .infinity)
        XCTAssertEqual(fastExp(Float.infinity), .infinity)
        XCTAssertTrue(fastExp(Float.nan).isNaN)
        XCTAssertEqual(Double(fastExp(Float(88.7))), Foundation.exp(Double(Float(88.7))), accuracy: 1e-6 * Foundation.exp(88.7))
    }

    func testSoftmaxRowAgainstDouble() {
        // 37 = two vectors of 16 and a scalar tail of 5.
        for count in [1, 5, 16, 37] {
            var row = randomInput(count, std: 4, seed: UInt64(count))
            let original = row.map(Double.init)
            let maximum = original.max()!
            let exps = original.map { Foundation.exp($0 - maximum) }
            let total = exps.reduce(0, +)
            softmaxInPlace(&row, count: count)
            for i in 0..<count {
                XCTAssertEqual(Double(row[i]), exps[i] / total, accuracy: 1e-6, "count \(count) entry \(i)")
            }
        }
    }
}
