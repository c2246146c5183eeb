import XCTest
@testable import V1TModel

/// The row kernels in every C set this core runs (AVX2, and AVX-512 where it has it) against the portable Swift ones:
/// the same dropout decisions, the same probabilities and gradients up to float rounding.
final class AttentionRowKernelsTests: XCTestCase {
    /// Rows of 5 (a tail only), 8 and 24 (half a dropout draw at the end), 16 (whole vectors) and 37
    /// and 1654 (vectors and a tail) scores,
    /// three rows each, so the dropout stream runs across rows.
    func testKernelsInUseComputeWhatThePortableOnesDo() {
        for count in [5, 8, 16, 24, 37, 1654] {
            let rows = 3, floats = rows * count
            let scores = randomInput(floats, std: 4, seed: UInt64(count))
            let upstream = randomInput(floats, seed: UInt64(count + 1))
            for training in [false, true] {
                func run(kernels: VectorKernels) -> (probabilities: [Float], weights: [Float], next: [Bool], gradient: [Float], backwardWeights: [Float]) {
                    var probabilities = scores, weights = [Float](repeating: 7, count: floats)
                    var next: [Bool] = []
                    weights.withUnsafeMutableBufferPointer { weights in
                        var random = CounterRandom(key: 9)
                        var dropout = training
                            ? AttentionTiles.Dropout(keepScale: 1 / 0.7, decisions: DropDecisions(rate: 0.3, random: &random), weights: weights.baseAddress!)
                            : nil
                        AttentionRowKernels.softmax(&probabilities, rows: rows, count: count, dropout: &dropout, kernels: kernels)
                        // The stream continues where the rows left it.
                        if dropout != nil { next = (0..<16).map { dropout!.decisions.next()[$0] } }
                    }
                    var gradient = upstream, backwardWeights = [Float](repeating: 7, count: floats)
                    backwardWeights.withUnsafeMutableBufferPointer { backwardWeights in
                        AttentionRowKernels.softmaxBackward(&gradient, stored: probabilities, rows: rows, count: count,
                                                            weights: training ? backwardWeights.baseAddress! : nil, keepScale: 1 / 0.7,
                                                            kernels: kernels)
                    }
                    return (probabilities, training ? weights : [], next, gradient, training ? backwardWeights : [])
                }
                let portable = run(kernels: .portable)
                for kernels in VectorKernels.runnable where kernels != .portable {
                    let used = run(kernels: kernels)
                    let label = "\(count) scores, training=\(training), \(kernels)"
                    XCTAssertEqual(used.probabilities.map { $0 < 0 }, portable.probabilities.map { $0 < 0 }, "\(label): dropped entries")
                    XCTAssertEqual(used.next, portable.next, "\(label): the dropout stream after the rows")
                    assertClose(used.probabilities, portable.probabilities, 1e-6, "\(label): probabilities")
                    assertClose(used.weights, portable.weights, 1e-6, "\(label): mixing weights")
                    assertClose(used.gradient, portable.gradient, 1e-5, "\(label): score gradient")
                    assertClose(used.backwardWeights, portable.backwardWeights, 1e-6, "\(label): mixing weights in backward")
                    // Each row sums to 1 before dropout.
                    for r in 0..<rows {
                        let sum = used.probabilities[(r * count)..<((r + 1) * count)].reduce(0) { $0 + Double(abs($1)) }
                        XCTAssertEqual(sum, 1, accuracy: 1e-5, "\(label): row \(r)")
                    }
                }
            }
        }
    }

    /// |a - b| within `tolerance` of the largest magnitude, entry by entry.
    private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ label: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, label, line: line)
        let scale = max(a.map(abs).max() ?? 0, 1e-30)
        if let i = a.indices.first(where: { abs(a[$0] - b[$0]) > tolerance * scale }) {
            XCTFail("\(label): entry \(i) is \(a[i]), portable \(b[i])", line: line)
        }
    }
}
