import ImageFiles
import XCTest

final class ImageResizerTests: XCTestCase {
    /// Area average computed the slow way: each output pixel integrates the source over its footprint
    /// on a 2-D grid of overlaps (no separability), for `squash`.
    func bruteForce(_ source: [Float], _ h: Int, _ w: Int, _ th: Int, _ tw: Int) -> [Double] {
        func overlap(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double) -> Double { max(0, min(a1, b1) - max(a0, b0)) }
        let sy = Double(h) / Double(th), sx = Double(w) / Double(tw)
        return (0..<(th * tw)).map { index in
            let (oy, ox) = (index / tw, index % tw)
            var sum = 0.0
            for y in 0..<h {
                for x in 0..<w {
                    let area = overlap(Double(oy) * sy, Double(oy + 1) * sy, Double(y), Double(y + 1))
                        * overlap(Double(ox) * sx, Double(ox + 1) * sx, Double(x), Double(x + 1))
                    sum += area * Double(source[y * w + x])
                }
            }
            return sum / (sy * sx)
        }
    }

    func testSquashIsTheAreaAverage() {
        let source: [Float] = (0..<(18 * 24)).map { index in
            let value: Int = (index * 37 + index / 24 * 11) % 256
            return Float(value)
        }
        let resizer = ImageResizer(sourceHeight: 18, sourceWidth: 24, targetHeight: 7, targetWidth: 10, mode: .squash, fill: 127)
        let expected = bruteForce(source, 18, 24, 7, 10)
        // Rounded to the nearest integer; a value at x.5 may round either way after summation order.
        for (value, exact) in zip(resizer.resize(source), expected) {
            XCTAssertLessThanOrEqual(abs(Double(value) - exact), 0.5 + 1e-9)
        }
        // Exact factor 2: plain 2 x 2 block means.
        let halves = ImageResizer(sourceHeight: 2, sourceWidth: 4, targetHeight: 1, targetWidth: 2, mode: .squash, fill: 127)
        XCTAssertEqual(halves.resize([0, 10, 100, 200, 20, 30, 0, 0]), [15, 75])
    }

    func testPadKeepsTheWholeImageUndistortedOnGray() {
        // 918 x 1174 into 72 x 128: 72 rows, 1174 * 72 / 918 = 92.08 -> 92 columns, 18 gray on each side.
        let resizer = ImageResizer(sourceHeight: 918, sourceWidth: 1174, targetHeight: 72, targetWidth: 128, mode: .pad, fill: 127)
        XCTAssertEqual(resizer.content.left, 18)
        XCTAssertEqual(resizer.content.width, 92)
        XCTAssertEqual(resizer.content.height, 72)
        let small = ImageResizer(sourceHeight: 4, sourceWidth: 4, targetHeight: 2, targetWidth: 4, mode: .pad, fill: 127)
        let out = small.resize([Float](repeating: 200, count: 16))
        XCTAssertEqual(out, [127, 200, 200, 127, 127, 200, 200, 127])
    }

    func testCropKeepsTheCentre() {
        // 4 rows x 8 columns into 2 x 2: the central 4 x 4 columns 2...5 averaged in 2 x 2 blocks.
        let source = (0..<32).map { Float($0 % 8 * 10) }
        let resizer = ImageResizer(sourceHeight: 4, sourceWidth: 8, targetHeight: 2, targetWidth: 2, mode: .crop, fill: 127)
        XCTAssertEqual(resizer.resize(source), [25, 45, 25, 45])
        // Tall source, wide target: rows cut, half a row weighted at each edge.
        let tall = ImageResizer(sourceHeight: 3, sourceWidth: 2, targetHeight: 1, targetWidth: 1, mode: .crop, fill: 127)
        XCTAssertEqual(tall.resize([0, 0, 100, 100, 40, 40]), [UInt8((0.5 * 0 + 1 * 100 + 0.5 * 40) / 2)])
    }

    func testConstantImagesStayConstant() {
        for mode in AspectMode.allCases {
            let resizer = ImageResizer(sourceHeight: 918, sourceWidth: 1174, targetHeight: 36, targetWidth: 64, mode: mode, fill: 127)
            let out = resizer.resize([Float](repeating: 255, count: 918 * 1174))
            XCTAssertEqual(Set(out), mode == .pad ? [255, 127] : [255], "\(mode)")
        }
    }
}
