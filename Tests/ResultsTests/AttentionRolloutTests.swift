import Foundation
import XCTest
@testable import Results
import V1TModel

final class AttentionRolloutTests: XCTestCase {
    /// Random row-stochastic heads.
    private func randomAttention(blocks: Int, heads: Int, gridHeight: Int, gridWidth: Int, seed: UInt64) -> AttentionProbabilities {
        var state = seed
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = gridHeight * gridWidth + 1
        let matrices = (0..<blocks).map { _ in
            (0..<heads).map { _ -> [Float] in
                var m = (0..<(n * n)).map { _ in Float(next() + 0.01) }
                for i in 0..<n {
                    let sum = m[(i * n)..<((i + 1) * n)].reduce(0, +)
                    for j in 0..<n { m[i * n + j] /= sum }
                }
                return m
            }
        }
        return AttentionProbabilities(tokens: n, gridHeight: gridHeight, gridWidth: gridWidth, blocks: matrices)
    }

    /// The rollout as V1T writes it: full matrix products joint_n = Â_n joint_{n-1}, then row 0.
    func testClassTokenRowEqualsTheFullMatrixProduct() {
        let attention = randomAttention(blocks: 3, heads: 2, gridHeight: 2, gridWidth: 3, seed: 7)
        let n = attention.tokens
        var joint: [Double]?
        for heads in attention.blocks {
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<(n * n) { a[i] = heads.map { Double($0[i]) }.max()! }
            for i in 0..<n { a[i * n + i] += 1 }
            for i in 0..<n {
                let sum = (0..<n).reduce(0.0) { $0 + a[i * n + $1] }
                for j in 0..<n { a[i * n + j] /= sum }
            }
            guard let previous = joint else { joint = a; continue }
            var product = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for k in 0..<n { product[i * n + j] += a[i * n + k] * previous[k * n + j] } } }
            joint = product
        }
        let row = Array(joint![1..<n])
        let expected = row.map { ($0 - row.min()!) / (row.max()! - row.min()!) }
        let map = AttentionRollout.classTokenMap(attention).values
        XCTAssertEqual(map.count, 6)
        for (a, b) in zip(map, expected) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        XCTAssertEqual(map.min(), 0)
        XCTAssertEqual(map.max(), 1)
    }

    func testUniformAttentionIsFlaggedNotMagnified() {
        let n = 7
        var p = [Float](repeating: 1 / Float(n), count: n * n)
        p[3] += 1e-7  // rounding-level differences must not become a full-range map
        let attention = AttentionProbabilities(tokens: n, gridHeight: 2, gridWidth: 3, blocks: [[p, p]])
        let map = AttentionRollout.classTokenMap(attention)
        XCTAssertTrue(map.isUniform)
        XCTAssertEqual(map.values, [Double](repeating: 0, count: 6))
    }

    /// One block, one head: the class token attends to patch 2 only. Â row 0 = (I + P)/2 = [0.5, 0, 0.5],
    /// so patch 2 gets everything and patch 1 nothing.
    func testHandExample() {
        let p: [Float] = [0, 0, 1, 1, 0, 0, 0, 1, 0]
        let attention = AttentionProbabilities(tokens: 3, gridHeight: 1, gridWidth: 2, blocks: [[p]])
        XCTAssertEqual(AttentionRollout.classTokenMap(attention).values, [0, 1])
    }
}

final class ModelGeometryTests: XCTestCase {
    /// The demo core: 36x64 input, 8x8 patches with stride 4 (8x15 grid), here with a 0.8 centre crop.
    private func geometry(centerCrop: Float = 1) -> ModelGeometry {
        let core = ViTCore.Configuration.demo
        let mouse = V1TConfiguration.Mouse(name: "m", neuronX: [0, 1], neuronY: [0, 1], imageHeight: 72, imageWidth: 128, imageMean: 120, imageStd: 50)
        return ModelGeometry(configuration: V1TConfiguration(behaviourMode: 0, usesShifter: false, core: core, centerCrop: centerCrop, mice: [mouse]), mouse: 0)
    }

    func testReadoutCornersAreTheOuterPatchCentres() {
        let g = geometry()
        XCTAssertEqual([g.gridHeight, g.gridWidth], [8, 15])
        let topLeft = g.imageFraction(readoutX: -1, readoutY: -1), bottomRight = g.imageFraction(readoutX: 1, readoutY: 1)
        XCTAssertEqual(topLeft.x, 4.0 / 64, accuracy: 1e-12)   // first patch covers input columns 0..<8
        XCTAssertEqual(topLeft.y, 4.0 / 36, accuracy: 1e-12)
        XCTAssertEqual(bottomRight.x, 60.0 / 64, accuracy: 1e-12)  // last patch: columns 56..<64
        XCTAssertEqual(bottomRight.y, 32.0 / 36, accuracy: 1e-12)
        let cropped = geometry(centerCrop: 0.8)
        XCTAssertEqual(cropped.imageFraction(readoutX: -1, readoutY: 0).x, 0.5 + (4.0 / 64 - 0.5) * 0.8, accuracy: 1e-7)  // the crop is a Float
        for (x, y) in [(-0.3, 0.7), (0.9, -0.95), (0, 0)] {
            let fraction = cropped.imageFraction(readoutX: x, readoutY: y)
            let back = cropped.readoutPosition(imageX: fraction.x, imageY: fraction.y)
            XCTAssertEqual(back.x, x, accuracy: 1e-12)
            XCTAssertEqual(back.y, y, accuracy: 1e-12)
        }
    }

    func testPixelMapAveragesTheOverlappingPatches() {
        let g = geometry()
        let values = (0..<(8 * 15)).map(Double.init)
        let map = g.pixelMap(patchValues: values)
        XCTAssertEqual(map.count, 36 * 64)
        XCTAssertEqual(map[0], 0)                        // only patch (0, 0) covers pixel (0, 0)
        XCTAssertEqual(map[5], (0 + 1) / 2)              // column 5: patches 0 and 1
        XCTAssertEqual(map[5 * 64 + 5], (0 + 1 + 15 + 16) / 4)  // row 5 too: four patches
        XCTAssertEqual(map[35 * 64 + 63], 119)           // the last patch alone
    }
}
