import Foundation
import XCTest
@testable import V1TModel

final class AttentionMapsTests: XCTestCase {
    /// The probabilities read back equal softmax(Q Kᵀ scale) recomputed in Double, and dropout's sign
    /// marks (training) do not leak into them.
    func testProbabilitiesOfASampleAreTheSoftmaxWithoutDropoutMarks() {
        let width = 4, heads = 2, tokens = 3, batch = 2
        var layout = ParameterLayout()
        let layer = Attention(layout: &layout, name: "attn", width: width, heads: heads, headWidth: .split, dropout: 0.5)
        let store = ParameterStore(layout: layout, seed: 1)
        randomiseParameters(store)
        let x = randomInput(batch * tokens * width, std: 1.5)
        let d = width / heads, inner = heads * d
        let value = { (slice: ParameterSlice) in store.values(of: slice).map(Double.init) }
        let lnWeight = value(layer.norm.weight), lnBias = value(layer.norm.bias), qkvWeight = value(layer.toQKV.weight)

        for training in [false, true] {
            var output = [Float](repeating: 0, count: batch * tokens * width)
            output.withUnsafeMutableBufferPointer {
                layer.forward(x, batch: batch, tokens: tokens, params: store.values.baseAddress!,
                              context: training ? trainingContext(batch: batch) : nil, into: $0.baseAddress!)
            }
            let sample = 1
            let read = layer.probabilities(ofSample: sample)
            XCTAssertEqual(read.count, heads * tokens * tokens)
            let qkv = (0..<tokens).map { t -> [Double] in
                let row = (0..<width).map { Double(x[(sample * tokens + t) * width + $0]) }
                let mean = row.reduce(0, +) / Double(width)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
                let normalised = (0..<width).map { (row[$0] - mean) / (variance + 1e-5).squareRoot() * lnWeight[$0] + lnBias[$0] }
                return (0..<(3 * inner)).map { o in (0..<width).reduce(0.0) { $0 + normalised[$1] * qkvWeight[o * width + $1] } }
            }
            for h in 0..<heads {
                for i in 0..<tokens {
                    let scores = (0..<tokens).map { j in
                        (0..<d).reduce(0.0) { $0 + qkv[i][h * d + $1] * qkv[j][inner + h * d + $1] } / Double(d).squareRoot()
                    }
                    let exps = scores.map { Foundation.exp($0 - scores.max()!) }
                    for j in 0..<tokens {
                        XCTAssertEqual(Double(read[(h * tokens + i) * tokens + j]), exps[j] / exps.reduce(0, +), accuracy: 1e-5,
                                       "training=\(training) head \(h) row \(i) column \(j)")
                    }
                }
            }
        }
    }

    /// Whole model: one tokens x tokens matrix per block and head, rows summing to 1, and a sample's
    /// matrices do not depend on the rest of the batch.
    func testModelExposesEveryBlockAndHeadPerSample() throws {
        var configuration = V1TTests.tinyConfiguration(behaviourMode: 0, shifter: false, mice: 1)
        var vit = try XCTUnwrap(configuration.core.vit)
        vit.blocks = 2
        configuration.core = .vit(vit)
        let model = try V1T(configuration: configuration, seed: 3)
        let stack = V1TTests.images(count: 3)
        func forward(_ indices: [Int]) {
            let behaviour = [Float](repeating: 0, count: 3 * indices.count), pupil = [Float](repeating: 0, count: 2 * indices.count)
            _ = stack.withUnsafeBufferPointer {
                model.forward(mouse: 0, images: $0.baseAddress!, imageCount: 3, imageIndices: indices, behaviour: behaviour,
                              pupilCenter: pupil, context: .evaluation(batch: indices.count))
            }
        }
        forward([0, 2])
        let maps = try XCTUnwrap(model.attentionProbabilities(sample: 1))
        let tokens = vit.tokens
        XCTAssertEqual(maps.tokens, tokens)
        XCTAssertEqual(maps.gridHeight * maps.gridWidth + 1, tokens)
        XCTAssertEqual(maps.blocks.count, 2)
        for block in maps.blocks {
            XCTAssertEqual(block.count, vit.heads)
            for head in block {
                XCTAssertEqual(head.count, tokens * tokens)
                for row in 0..<tokens {
                    XCTAssertEqual(head[(row * tokens)..<((row + 1) * tokens)].reduce(0, +), 1, accuracy: 1e-5)
                }
            }
        }
        forward([2])
        let alone = try XCTUnwrap(model.attentionProbabilities(sample: 0))
        for (a, b) in zip(maps.blocks.joined().joined(), alone.blocks.joined().joined()) {
            XCTAssertEqual(a, b, accuracy: 1e-6)
        }
    }
}
