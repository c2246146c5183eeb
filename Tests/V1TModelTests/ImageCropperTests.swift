import XCTest
@testable import V1TModel

final class ImageCropperTests: XCTestCase {
    private func run(_ cropper: ImageCropper, images: [UInt8], indices: [Int], behaviours: [Float]? = nil) -> [Float] {
        let count = images.count / (cropper.imageHeight * cropper.imageWidth)
        let out: UnsafePointer<Float>
        if let behaviours {
            out = cropper.forward(images: images, imageCount: count, imageIndices: indices, behaviours: behaviours)
        } else {
            out = cropper.forward(images: images, imageCount: count, imageIndices: indices, behaviours: nil)
        }
        let size = indices.count * cropper.outputChannels * cropper.outputHeight * cropper.outputWidth
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    private func assertClose(_ actual: [Float], _ expected: [Float], accuracy: Float = 1e-5, _ label: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, label, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > accuracy {
            XCTFail("\(label)[\(i)]: \(a) instead of \(e)", file: file, line: line)
            return
        }
    }

    func testStandardisesAndPicksTheIndexedImage() throws {
        let cropper = try ImageCropper(imageHeight: 2, imageWidth: 2, mean: 100, standardDeviation: 50,
                                       outputHeight: 2, outputWidth: 2)
        let images: [UInt8] = [0, 50, 100, 150, /* image 1 */ 200, 250, 255, 25]
        let out = run(cropper, images: images, indices: [1, 0])
        assertClose(out, [2, 3, 3.1, -1.5, -2, -1, 0, 1], "standardised (x - 100) / 50")
    }

    /// PyTorch's F.interpolate([[1, 2], [3, 4]], size=(4, 4), mode="bilinear", align_corners=False).
    func testBilinearUpscaleMatchesKnownResult() throws {
        let cropper = try ImageCropper(imageHeight: 2, imageWidth: 2, mean: 0, standardDeviation: 10,
                                       outputHeight: 4, outputWidth: 4)
        let out = run(cropper, images: [10, 20, 30, 40], indices: [0])
        assertClose(out, [1.0, 1.25, 1.75, 2.0,
                          1.5, 1.75, 2.25, 2.5,
                          2.5, 2.75, 3.25, 3.5,
                          3.0, 3.25, 3.75, 4.0], "2x2 -> 4x4")
    }

    /// 2x4 -> 1x3: rows sample at 0.5 (their mean); columns at (j + 0.5)·4/3 - 0.5 = 1/6, 3/2, 17/6.
    func testBilinearDownscaleByHand() throws {
        let cropper = try ImageCropper(imageHeight: 2, imageWidth: 4, mean: 0, standardDeviation: 1,
                                       outputHeight: 1, outputWidth: 3)
        let out = run(cropper, images: [0, 30, 60, 90, 100, 130, 160, 190], indices: [0])
        // Row mean: 50, 80, 110, 140.
        assertClose(out, [50 + 30.0 / 6, 95, 110 + 30 * 5.0 / 6], accuracy: 1e-4, "2x4 -> 1x3")
    }

    /// Crop 0.5 of a 10x10 frame keeps 5 rows: linspace(-0.5, 0.5, 5) lands on pixels
    /// 2.25, 3.375, 4.5, 5.625, 6.75, which round (half to even) to 2, 3, 4, 6, 7.
    func testCentreCropAsNearestGridSample() throws {
        XCTAssertEqual(ImageCropper.centreCropIndices(size: 10, kept: 5, scale: 0.5), [2, 3, 4, 6, 7])
        XCTAssertEqual(ImageCropper.centreCropIndices(size: 144, kept: 144, scale: 1), Array(0..<144))
        XCTAssertEqual(ImageCropper.centreCropIndices(size: 256, kept: 256, scale: 1), Array(0..<256))

        let cropper = try ImageCropper(imageHeight: 10, imageWidth: 10, mean: 0, standardDeviation: 1,
                                       centerCrop: 0.5, outputHeight: 5, outputWidth: 5)
        let image = (0..<100).map { UInt8($0) }
        let kept = [2, 3, 4, 6, 7]
        let expected = kept.flatMap { r in kept.map { c in Float(r * 10 + c) } }
        assertClose(run(cropper, images: image, indices: [0]), expected, "centre crop")
    }

    func testBehaviourChannelsAreConstantPlanes() throws {
        let cropper = try ImageCropper(imageHeight: 2, imageWidth: 2, mean: 0, standardDeviation: 1,
                                       outputHeight: 2, outputWidth: 3, behaviourChannels: 3)
        XCTAssertEqual(cropper.outputChannels, 4)
        let out = run(cropper, images: [1, 2, 3, 4], indices: [0, 0], behaviours: [0.5, -1, 2, 7, 8, 9])
        XCTAssertEqual(out.count, 2 * 4 * 6)
        assertClose(Array(out[0..<6]), [1, 1.5, 2, 3, 3.5, 4], "image channel")
        for (b, values) in [[Float(0.5), -1, 2], [7, 8, 9]].enumerated() {
            for (d, v) in values.enumerated() {
                let start = (b * 4 + 1 + d) * 6
                assertClose(Array(out[start..<(start + 6)]), Array(repeating: v, count: 6), "behaviour \(d) of sample \(b)")
            }
        }
    }

    func testDefaultSizeAndInvalidSettings() throws {
        let cropper = try ImageCropper(imageHeight: 144, imageWidth: 256, mean: 120, standardDeviation: 60)
        XCTAssertEqual([cropper.outputChannels, cropper.outputHeight, cropper.outputWidth], [1, 36, 64])
        let bad: [(String, () throws -> ImageCropper)] = [
            ("standard deviation", { try ImageCropper(imageHeight: 4, imageWidth: 4, mean: 0, standardDeviation: 0) }),
            ("centre crop", { try ImageCropper(imageHeight: 4, imageWidth: 4, mean: 0, standardDeviation: 1, centerCrop: 1.5) }),
            ("keeps no pixels", { try ImageCropper(imageHeight: 4, imageWidth: 4, mean: 0, standardDeviation: 1, centerCrop: 0.1) }),
            ("mean", { try ImageCropper(imageHeight: 4, imageWidth: 4, mean: .nan, standardDeviation: 1) }),
        ]
        for (problem, make) in bad {
            XCTAssertThrowsError(try make()) { error in
                XCTAssertTrue("\(error)".contains(problem), "\(error) should name the \(problem)")
            }
        }
    }
}
