import Foundation
import XCTest
@testable import V1TModel

final class FastExpTests: XCTestCase {
    /// The largest relative error against Foundation's exp in Double over [low, high], sampled densely.
    private func worstRelativeError(_ exponential: (SIMD16<Float>) -> SIMD16<Float>, from low: Double, to high: Double) -> Double {
        var worst = 0.0
        var x = low
        while x <= high {
            let lanes = SIMD16<Float>((0..<16).map { min(Float(high), Float(x) + Float($0) * 0.000_731) })
            let fast = exponential(lanes)
            for lane in 0..<16 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, abs(Double(fast[lane]) - exact) / exact)
            }
            x += 0.0137
        }
        return worst
    }

    func testMatchesFoundationExpAcrossTheFloatRange() {
        let worst = worstRelativeError(fastExp, from: -87, to: 88.5)
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

    func testNonPositiveVariantMatchesFoundationAndFlushes() {
        let worst = worstRelativeError(fastExpOfNonPositive, from: -87.3, to: 0)
        XCTAssertLessThan(worst, 1e-6, "worst relative error \(worst)")
        XCTAssertEqual(fastExpOfNonPositive(SIMD16<Float>(repeating: 0))[0], 1)
        XCTAssertEqual(fastExpOfNonPositive(SIMD16<Float>(repeating: -.infinity))[3], 0)
        XCTAssertEqual(fastExpOfNonPositive(SIMD16<Float>(repeating: -88))[0], 0, "below the smallest normal float flushes to zero")
        XCTAssertTrue(fastExpOfNonPositive(SIMD16<Float>(repeating: .nan))[0].isNaN)
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
