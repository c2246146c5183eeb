/// How an image of one aspect ratio goes into a training resolution of another.
public enum AspectMode: String, CaseIterable {
    /// Stretch the whole image to the target: nothing lost, shapes distorted.
    case squash
    /// Cut the image's centre to the target's aspect ratio, then scale: no distortion, edges lost.
    case crop
    /// Scale the whole image to fit inside the target and fill the rest with the stimulus gray: no
    /// distortion, nothing lost, as the mouse saw it (the image centred on a gray screen).
    case pad
}

/// Area-averaging resize (each output pixel is the mean of the source area it covers, fractional
/// pixels weighted by their covered fraction), the right filter for shrinking photographs: nearest
/// neighbour would alias and drop most of the 918 x 1174 pixels.
///
/// Separable: rows are resampled first, then columns; weights are computed once per geometry.
public struct ImageResizer {
    public let sourceHeight: Int, sourceWidth: Int
    public let targetHeight: Int, targetWidth: Int
    public let mode: AspectMode
    public let fill: UInt8
    /// Where the image lands in the target (the whole target except for `.pad`).
    public let content: (top: Int, left: Int, height: Int, width: Int)
    private let rowTaps: [Taps]
    private let columnTaps: [Taps]

    /// The source pixels feeding one output pixel: from `first`, with `weights` summing to 1.
    struct Taps {
        var first: Int
        var weights: [Double]
    }

    /// - fill: the gray around a padded image (the screen's gray: 127 in the Allen stimuli).
    public init(sourceHeight: Int, sourceWidth: Int, targetHeight: Int, targetWidth: Int, mode: AspectMode, fill: UInt8) {
        precondition(sourceHeight > 0 && sourceWidth > 0 && targetHeight > 0 && targetWidth > 0)
        self.sourceHeight = sourceHeight
        self.sourceWidth = sourceWidth
        self.targetHeight = targetHeight
        self.targetWidth = targetWidth
        self.mode = mode
        self.fill = fill
        let sourceAspect = Double(sourceWidth) / Double(sourceHeight)
        let targetAspect = Double(targetWidth) / Double(targetHeight)
        // The source rectangle used (fractional for crop) and the target rectangle filled.
        var rows = 0.0...Double(sourceHeight), columns = 0.0...Double(sourceWidth)
        var content = (top: 0, left: 0, height: targetHeight, width: targetWidth)
        switch mode {
        case .squash:
            break
        case .crop:
            if sourceAspect > targetAspect {
                let kept = Double(sourceHeight) * targetAspect
                let left = (Double(sourceWidth) - kept) / 2
                columns = left...(left + kept)
            } else {
                let kept = Double(sourceWidth) / targetAspect
                let top = (Double(sourceHeight) - kept) / 2
                rows = top...(top + kept)
            }
        case .pad:
            if sourceAspect > targetAspect {
                let height = max(1, min(targetHeight, Int((Double(targetWidth) / sourceAspect).rounded())))
                content = ((targetHeight - height) / 2, 0, height, targetWidth)
            } else {
                let width = max(1, min(targetWidth, Int((Double(targetHeight) * sourceAspect).rounded())))
                content = (0, (targetWidth - width) / 2, targetHeight, width)
            }
        }
        self.content = content
        rowTaps = Self.taps(source: rows, count: content.height)
        columnTaps = Self.taps(source: columns, count: content.width)
    }

    /// Resizes one image given row-major in 0...255 units; returns row-major uint8 (rounded, clamped).
    public func resize(_ source: [Float]) -> [UInt8] {
        precondition(source.count == sourceHeight * sourceWidth, "ImageResizer: wrong source size")
        // Pass 1: every source row resampled to the content width.
        var rowsResampled = [Double](repeating: 0, count: sourceHeight * content.width)
        source.withUnsafeBufferPointer { pixels in
            for y in 0..<sourceHeight {
                let base = y * sourceWidth
                for (x, tap) in columnTaps.enumerated() {
                    var sum = 0.0
                    for (k, weight) in tap.weights.enumerated() { sum += weight * Double(pixels[base + tap.first + k]) }
                    rowsResampled[y * content.width + x] = sum
                }
            }
        }
        // Pass 2: columns resampled to the content height, placed into the filled target.
        var out = [UInt8](repeating: fill, count: targetHeight * targetWidth)
        for (y, tap) in rowTaps.enumerated() {
            let target = (content.top + y) * targetWidth + content.left
            for x in 0..<content.width {
                var sum = 0.0
                for (k, weight) in tap.weights.enumerated() { sum += weight * rowsResampled[(tap.first + k) * content.width + x] }
                out[target + x] = UInt8(max(0, min(255, sum.rounded())))
            }
        }
        return out
    }

    /// Splits `source` (in pixel units) into `count` equal intervals and returns, for each, the pixels it
    /// overlaps with their overlap fractions.
    static func taps(source: ClosedRange<Double>, count: Int) -> [Taps] {
        let step = (source.upperBound - source.lowerBound) / Double(count)
        return (0..<count).map { index in
            let start = source.lowerBound + Double(index) * step, end = start + step
            // Clamped: rounding must not step past the source's edges.
            let first = max(0, Int(start.rounded(.down)))
            let last = max(first, min(Int(end.rounded(.up)), Int(source.upperBound.rounded(.up))) - 1)
            let weights = (first...last).map { pixel -> Double in
                max(0, min(end, Double(pixel + 1)) - max(start, Double(pixel))) / step
            }
            return Taps(first: first, weights: weights)
        }
    }
}
