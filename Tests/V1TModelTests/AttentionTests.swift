import Foundation
import XCTest
@testable import V1TModel

final class AttentionTests: XCTestCase {
    /// Three tokens through LayerNorm, per-head softmax(Q Kᵀ scale) V and the projection, all
    /// recomputed here in Double from the parameter values.
    func testForwardMatchesAHandComputationOnThreeTokens() {
        for headWidth in [Attention.HeadWidth.full, .split] {
            let width = 4, heads = 2, tokens = 3
            var layout = ParameterLayout()
            let layer = Attention(layout: &layout, name: "attn", width: width, heads: heads, headWidth: headWidth, dropout: 0.4)
            let store = ParameterStore(layout: layout, seed: 1)
            randomiseParameters(store)
            let x = randomInput(tokens * width, std: 1.5)
            let y = written(tokens * width) { layer.forward(x, batch: 1, tokens: tokens, params: store.values.baseAddress!, context: nil, into: $0) }

            let d = headWidth == .full ? width : width / heads, inner = heads * d
            XCTAssertEqual(layer.headWidth, d)
            let value = { (slice: ParameterSlice) in store.values(of: slice).map(Double.init) }
            let lnWeight = value(layer.norm.weight), lnBias = value(layer.norm.bias)
            let qkvWeight = value(layer.toQKV.weight), projWeight = value(layer.projection.weight)
            let projBias = value(layer.projection.bias!)
            XCTAssertNil(layer.toQKV.bias, "V1T's to_qkv has no bias")

            var normalised = [[Double]]()
            for t in 0..<tokens {
                let row = (0..<width).map { Double(x[t * width + $0]) }
                let mean = row.reduce(0, +) / Double(width)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
                normalised.append((0..<width).map { (row[$0] - mean) / (variance + 1e-5).squareRoot() * lnWeight[$0] + lnBias[$0] })
            }
            let qkv = normalised.map { n in (0..<(3 * inner)).map { o in (0..<width).reduce(0.0) { $0 + n[$1] * qkvWeight[o * width + $1] } } }
            var mixed = [[Double]](repeating: [Double](repeating: 0, count: inner), count: tokens)
            for h in 0..<heads {
                for i in 0..<tokens {
                    let scores = (0..<tokens).map { j in
                        (0..<d).reduce(0.0) { $0 + qkv[i][h * d + $1] * qkv[j][inner + h * d + $1] } / Double(d).squareRoot()
                    }
                    let exps = scores.map { Foundation.exp($0 - scores.max()!) }
                    let probabilities = exps.map { $0 / exps.reduce(0, +) }
                    for c in 0..<d {
                        mixed[i][h * d + c] = (0..<tokens).reduce(0.0) { $0 + probabilities[$1] * qkv[$1][2 * inner + h * d + c] }
                    }
                }
            }
            for t in 0..<tokens {
                for o in 0..<width {
                    let expected = projBias[o] + (0..<inner).reduce(0.0) { $0 + mixed[t][$1] * projWeight[o * inner + $1] }
                    XCTAssertEqual(Double(y[t * width + o]), expected, accuracy: 1e-5, "\(headWidth) token \(t) output \(o)")
                }
            }
        }
    }

    func testPublishedScaleIsEmbeddingWidthToTheMinusHalf() {
        var layout = ParameterLayout()
        let layer = Attention(layout: &layout, name: "attn", width: 155, heads: 4, headWidth: .full, dropout: 0)
        XCTAssertEqual(layer.scale, 1 / Float(155).squareRoot())
        XCTAssertEqual(layer.toQKV.weight.shape, [3 * 4 * 155, 155])
        XCTAssertEqual(layer.projection.weight.shape, [155, 4 * 155])
    }

    /// 19 tokens: softmax rows of one 16-lane vector plus a tail, and 361-entry probability maps;
    /// in one tile of query rows, and in tiles of 8, 8 and 3 rows.
    func testGradientsMatchFiniteDifferences() {
        let width = 6, heads = 2, tokens = 19, batch = 2, count = batch * tokens * width
        for (headWidth, queryBlockRows) in [(Attention.HeadWidth.full, tokens), (.split, tokens), (.full, 8), (.split, 8)] {
            for training in [false, true] {
                var layout = ParameterLayout()
                let layer = Attention(layout: &layout, name: "attn", width: width, heads: heads, headWidth: headWidth, dropout: 0.3,
                                      queryBlockRows: queryBlockRows)
                let store = ParameterStore(layout: layout, seed: 2)
                randomiseParameters(store)
                var x = randomInput(count)
                let context = training ? trainingContext(batch: batch) : nil
                let y = FloatBuffer(capacity: count), dy = FloatBuffer(), dx = FloatBuffer(capacity: count)
                x.withUnsafeMutableBufferPointer { input in
                    checkLayerGradients("attention \(headWidth) tiles of \(queryBlockRows) training=\(training)", store: store, input: input.baseAddress!,
                                        inputCount: count, outputCount: count, perSlice: 10,
                                        forward: {
                                            layer.forward(input.baseAddress!, batch: batch, tokens: tokens, params: store.values.baseAddress!,
                                                          context: context, into: y.pointer)
                                            return UnsafePointer(y.pointer)
                                        },
                                        backward: {
                                            layer.backward(mutableCopy($0, count: count, in: dy), params: store.values.baseAddress!,
                                                           grads: store.gradients.baseAddress!, addingInto: dx.zeroed(count))
                                            return UnsafePointer(dx.pointer)
                                        })
                }
            }
        }
    }

    /// Tiles of query rows compute what one tile over the whole score matrix does: the same
    /// probabilities and dropout marks bit for bit (the dropout stream runs row after row across
    /// tiles), the same outputs and gradients up to float rounding (dV and dK add tile by tile).
    func testTilesComputeWhatTheWholeScoreMatrixDoes() {
        let width = 6, heads = 2, tokens = 37, batch = 2, count = batch * tokens * width
        let x = randomInput(count)
        let dy = randomInput(count, seed: 12)
        struct Pass: Equatable {
            var output: [Float], probabilities: [Float], signs: [Bool], inputGradient: [Float], parameterGradient: [Float]
        }
        func pass(queryBlockRows: Int, training: Bool) -> Pass {
            var layout = ParameterLayout()
            let layer = Attention(layout: &layout, name: "attn", width: width, heads: heads, headWidth: .split, dropout: 0.3,
                                  queryBlockRows: queryBlockRows)
            let store = ParameterStore(layout: layout, seed: 2)
            randomiseParameters(store)
            let params = store.values.baseAddress!
            let output = written(count) {
                layer.forward(x, batch: batch, tokens: tokens, params: params, context: training ? trainingContext(batch: batch) : nil, into: $0)
            }
            let square = heads * tokens * tokens
            let stored = (0..<batch).flatMap { b in array(layer.probabilities.pointer + b * square, square) }
            var gradient = dy
            let inputGradient = written(count) { layer.backward(&gradient, params: params, grads: store.gradients.baseAddress!, addingInto: $0) }
            return Pass(output: output, probabilities: stored.map(abs), signs: stored.map { $0 < 0 }, inputGradient: inputGradient,
                        parameterGradient: Array(store.gradients))
        }
        func assertClose(_ a: [Float], _ b: [Float], _ label: String) {
            let scale = a.map(abs).max() ?? 1
            for i in a.indices where abs(a[i] - b[i]) > 1e-5 * scale {
                return XCTFail("\(label): entry \(i) is \(b[i]) in tiles, \(a[i]) whole")
            }
        }
        for training in [false, true] {
            let whole = pass(queryBlockRows: tokens, training: training)
            XCTAssertEqual(whole.signs.contains(true), training, "dropout marks some probabilities in training only")
            for rows in [1, 5, 16, 36] {
                let tiled = pass(queryBlockRows: rows, training: training)
                let label = "tiles of \(rows) rows, training=\(training)"
                XCTAssertEqual(tiled.probabilities, whole.probabilities, label)
                XCTAssertEqual(tiled.signs, whole.signs, label)
                assertClose(whole.output, tiled.output, "\(label) output")
                assertClose(whole.inputGradient, tiled.inputGradient, "\(label) input gradient")
                assertClose(whole.parameterGradient, tiled.parameterGradient, "\(label) parameter gradient")
            }
        }
    }

    func testTrainingDropsAttentionProbabilities() {
        var layout = ParameterLayout()
        let layer = Attention(layout: &layout, name: "attn", width: 4, heads: 1, headWidth: .full, dropout: 0.5)
        let store = ParameterStore(layout: layout, seed: 3)
        randomiseParameters(store)
        let x = randomInput(2 * 20 * 4)
        let params = store.values.baseAddress!
        func run(_ context: PassContext?) -> [Float] {
            written(160) { layer.forward(x, batch: 2, tokens: 20, params: params, context: context, into: $0) }
        }
        let evaluation = run(nil)
        let first = run(trainingContext(batch: 2))
        let again = run(trainingContext(batch: 2))
        let otherTrials = run(trainingContext(batch: 2, firstTrial: 500))
        XCTAssertNotEqual(first, evaluation)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, otherTrials)
    }

    func testActivationAccountingMatchesTheBuffers() {
        func allocated(batch: Int) -> Int {
            var layout = ParameterLayout()
            let layer = Attention(layout: &layout, name: "attn", width: 6, heads: 3, headWidth: .full, dropout: 0.2)
            let store = ParameterStore(layout: layout, seed: 4)
            let x = randomInput(batch * 7 * 6)
            var y = [Float](repeating: 0, count: batch * 7 * 6), dx = y
            x.withUnsafeBufferPointer { input in
                layer.forward(input.baseAddress!, batch: batch, tokens: 7, params: store.values.baseAddress!,
                              context: trainingContext(batch: batch), into: &y)
                layer.backward(&y, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, addingInto: &dx)
            }
            XCTAssertEqual(layer.activationFloats(tokens: 7) * batch, allocatedFloats(layer.buffers))
            return allocatedFloats(layer.buffers)
        }
        // Per sample: LayerNorm statistics and output, qkv, probabilities, head outputs (no input copy,
        // no gradients: those are in the workspace).
        XCTAssertEqual(allocated(batch: 3) - allocated(batch: 1), 2 * (7 * 2 + 7 * 6 + 7 * 54 + 3 * 7 * 7 + 7 * 18))
    }
}
