import XCTest
@testable import V1TModel

final class TokenizerTests: XCTestCase {
    /// With an identity projection and zero class token and position embedding, each patch token
    /// is the unfolded patch itself, so its order can be read off directly.
    func testPatchesFollowTorchUnfoldOrder() {
        var layout = ParameterLayout()
        let tokenizer = Tokenizer(layout: &layout, name: "tok", channels: 2, height: 3, width: 4, patchSize: 2, stride: 1,
                                  embedding: 8, dropout: 0)
        XCTAssertEqual([tokenizer.gridHeight, tokenizer.gridWidth, tokenizer.tokens], [2, 3, 7])
        let store = ParameterStore(layout: layout, seed: 1)
        store.setValues((0..<64).map { $0 / 8 == $0 % 8 ? 1 : 0 }, of: tokenizer.projection.weight)
        store.setValues(Array(repeating: 0, count: 8), of: tokenizer.projection.bias!)
        store.setValues(Array(repeating: 0, count: 8), of: tokenizer.classToken)
        store.setValues(Array(repeating: 0, count: 56), of: tokenizer.positionEmbedding)
        // Pixel value 100 c + 10 y + x.
        let image: [Float] = (0..<24).map { (i: Int) -> Float in
            let channel = i / 12, row = i % 12 / 4, column = i % 4
            return Float(100 * channel + 10 * row + column)
        }
        let tokens = array(tokenizer.forward(image, batch: 1, params: store.values.baseAddress!, context: nil), 56)
        XCTAssertEqual(Array(tokens[0..<8]), Array(repeating: 0, count: 8), "class token first")
        // Patch 1 is (row 0, column 1); patch 5 is (row 1, column 2). Features: channel, kernel row, kernel column.
        XCTAssertEqual(Array(tokens[16..<24]), [1, 2, 11, 12, 101, 102, 111, 112])
        XCTAssertEqual(Array(tokens[48..<56]), [12, 13, 22, 23, 112, 113, 122, 123])
    }

    func testStrideAndTheTrueGrid() {
        var layout = ParameterLayout()
        let tokenizer = Tokenizer(layout: &layout, name: "tok", channels: 1, height: 36, width: 64, patchSize: 8, stride: 4,
                                  embedding: 4, dropout: 0)
        // V1T's find_shape would guess 10x12 from the 120 patches.
        XCTAssertEqual([tokenizer.gridHeight, tokenizer.gridWidth, tokenizer.patchCount], [8, 15, 120])
        XCTAssertEqual(layout.slice(named: "tok.position_embedding")!.shape, [121, 4])

        var small = ParameterLayout()
        let strided = Tokenizer(layout: &small, name: "tok", channels: 1, height: 5, width: 6, patchSize: 2, stride: 2,
                                embedding: 4, dropout: 0)
        let store = ParameterStore(layout: small, seed: 1)
        store.setValues((0..<16).map { $0 / 4 == $0 % 4 ? 1 : 0 }, of: strided.projection.weight)
        store.setValues(Array(repeating: 0, count: 4), of: strided.projection.bias!)
        store.setValues(Array(repeating: 0, count: 4), of: strided.classToken)
        store.setValues(Array(repeating: 0, count: 28), of: strided.positionEmbedding)
        XCTAssertEqual([strided.gridHeight, strided.gridWidth], [2, 3], "the last image row is not covered and is skipped")
        let image: [Float] = (0..<30).map { (i: Int) -> Float in Float(10 * (i / 6) + i % 6) }
        let tokens = array(strided.forward(image, batch: 1, params: store.values.baseAddress!, context: nil), 28)
        XCTAssertEqual(Array(tokens[24..<28]), [24, 25, 34, 35], "patch (1, 2) starts at pixel (2, 4)")
    }

    func testClassTokenAndPositionEmbeddingAreAdded() {
        var layout = ParameterLayout()
        let tokenizer = Tokenizer(layout: &layout, name: "tok", channels: 1, height: 2, width: 2, patchSize: 2, stride: 1,
                                  embedding: 3, dropout: 0)
        let store = ParameterStore(layout: layout, seed: 7)
        let image: [Float] = [1, 2, 3, 4]
        let tokens = array(tokenizer.forward(image, batch: 1, params: store.values.baseAddress!, context: nil), 6)
        let cls = store.values(of: tokenizer.classToken), position = store.values(of: tokenizer.positionEmbedding)
        let weight = store.values(of: tokenizer.projection.weight), bias = store.values(of: tokenizer.projection.bias!)
        for e in 0..<3 {
            XCTAssertEqual(tokens[e], cls[e] + position[e], accuracy: 1e-6)
            let projected = (0..<4).reduce(bias[e]) { $0 + weight[e * 4 + $1] * image[$1] }
            XCTAssertEqual(tokens[3 + e], projected + position[3 + e], accuracy: 1e-6)
        }
        // V1T leaves the patch projection at nn.Linear's default init, U(±1/√(C·P²)).
        let projection = ParameterStore(layout: layout, seed: 8)
        let bound: Float = 1 / 2
        for slice in [tokenizer.projection.weight, tokenizer.projection.bias!] {
            let values = projection.values(of: slice)
            XCTAssertTrue(values.allSatisfy { abs($0) <= bound } && values.contains { abs($0) > 0.1 }, slice.name)
        }
        // Class token and position embedding start as standard normals (torch.randn).
        var bigLayout = ParameterLayout()
        let big = Tokenizer(layout: &bigLayout, name: "tok", channels: 1, height: 36, width: 64, patchSize: 8, stride: 1,
                            embedding: 16, dropout: 0)
        let values = ParameterStore(layout: bigLayout, seed: 8).values(of: big.positionEmbedding).map(Double.init)
        let variance = values.map { $0 * $0 }.reduce(0, +) / Double(values.count)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testGradientsMatchFiniteDifferences() {
        for training in [false, true] {
            var layout = ParameterLayout()
            let tokenizer = Tokenizer(layout: &layout, name: "tok", channels: 2, height: 5, width: 6, patchSize: 3, stride: 2,
                                      embedding: 4, dropout: 0.3)
            let store = ParameterStore(layout: layout, seed: 2)
            let images = randomInput(2 * 2 * 5 * 6)
            let context = training ? trainingContext(batch: 2) : nil
            let outputCount = 2 * tokenizer.tokens * 4
            let gradient = FloatBuffer()
            checkLayerGradients("tokenizer training=\(training)", store: store, outputCount: outputCount, perSlice: 12,
                                forward: { tokenizer.forward(images, batch: 2, params: store.values.baseAddress!, context: context) },
                                backward: {
                                    tokenizer.backward(mutableCopy($0, count: outputCount, in: gradient), params: store.values.baseAddress!,
                                                       grads: store.gradients.baseAddress!)
                                    return nil
                                })
        }
    }
}
