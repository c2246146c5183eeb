import XCTest
@testable import V1TModel

final class ParameterStoreTests: XCTestCase {
    func testSlicesAreContiguousAndInitialisedDeterministically() {
        var layout = ParameterLayout()
        let w = layout.add("w", shape: [3, 4], group: .core, initializer: .truncatedNormal(std: 0.02))
        let b = layout.add("b", shape: [4], group: .readout, initializer: .constant(0.25))
        XCTAssertEqual(w.range, 0..<12)
        XCTAssertEqual(b.range, 12..<16)
        XCTAssertEqual(layout.count, 16)

        let first = ParameterStore(layout: layout, seed: 3)
        let again = ParameterStore(layout: layout, seed: 3)
        let other = ParameterStore(layout: layout, seed: 4)
        XCTAssertEqual(first.values(of: w), again.values(of: w))
        XCTAssertNotEqual(first.values(of: w), other.values(of: w))
        XCTAssertEqual(first.values(of: b), [0.25, 0.25, 0.25, 0.25])
        XCTAssertTrue(first.values(of: w).allSatisfy { abs($0) <= 0.04 })
        XCTAssertEqual(Array(first.gradients), Array(repeating: 0, count: 16))
    }

    func testSampleStreamsDependOnTrialNotPosition() {
        let a = PassContext(training: true, seed: 9, step: 2, trialIndices: [10, 11])
        let b = PassContext(training: true, seed: 9, step: 2, trialIndices: [11])
        var ra = a.random(sample: 1, purpose: 5)
        var rb = b.random(sample: 0, purpose: 5)
        XCTAssertEqual(ra.next(), rb.next())
        var rc = a.random(sample: 0, purpose: 5)
        var rd = a.random(sample: 1, purpose: 5)
        XCTAssertNotEqual(rc.next(), rd.next())
    }
}
