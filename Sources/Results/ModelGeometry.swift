import V1TModel

/// Where the model's input, its patches and its readout positions lie on a mouse's stored images,
/// so that learned positions, attention and receptive fields can be compared in one frame: fractions
/// of the stored image's width (x, from the left) and height (y, from the top).
///
/// The cropper keeps the central `centerCrop` of the stored frame and resizes it to the input;
/// patch (row i, column j) (for the stacked2d core: the first convolution's window) covers input pixels [S i, S i + P) x [S j, S j + P); the readout's
/// x = -1 and +1 are the centres of the first and last patch columns (grid_sample, align_corners).
public struct ModelGeometry {
    public let storedHeight: Int
    public let storedWidth: Int
    public let inputHeight: Int
    public let inputWidth: Int
    public let patchSize: Int
    public let stride: Int
    public let gridHeight: Int
    public let gridWidth: Int
    public let centerCrop: Double

    public init(configuration: V1TConfiguration, mouse: Int) {
        let core = configuration.core, stored = configuration.mice[mouse]
        storedHeight = stored.imageHeight
        storedWidth = stored.imageWidth
        inputHeight = core.imageHeight
        inputWidth = core.imageWidth
        patchSize = core.windowSize
        stride = core.windowStride
        gridHeight = core.gridHeight
        gridWidth = core.gridWidth
        centerCrop = Double(configuration.centerCrop)
    }

    /// A readout position (x, y in [-1, 1] over the feature map) on the stored image.
    public func imageFraction(readoutX x: Double, readoutY y: Double) -> (x: Double, y: Double) {
        let column = (x + 1) / 2 * Double(gridWidth - 1), row = (y + 1) / 2 * Double(gridHeight - 1)
        let inputX = (column * Double(stride) + Double(patchSize) / 2) / Double(inputWidth)
        let inputY = (row * Double(stride) + Double(patchSize) / 2) / Double(inputHeight)
        return (0.5 + (inputX - 0.5) * centerCrop, 0.5 + (inputY - 0.5) * centerCrop)
    }

    /// The inverse of `imageFraction`: a point of the stored image as a readout position.
    public func readoutPosition(imageX: Double, imageY: Double) -> (x: Double, y: Double) {
        let inputX = 0.5 + (imageX - 0.5) / centerCrop, inputY = 0.5 + (imageY - 0.5) / centerCrop
        let column = (inputX * Double(inputWidth) - Double(patchSize) / 2) / Double(stride)
        let row = (inputY * Double(inputHeight) - Double(patchSize) / 2) / Double(stride)
        return (column / Double(max(gridWidth - 1, 1)) * 2 - 1, row / Double(max(gridHeight - 1, 1)) * 2 - 1)
    }

    /// Patch values [gridHeight, gridWidth] spread over the input pixels [inputHeight, inputWidth]:
    /// each pixel gets the mean of the patches that cover it (0 where none does), so overlapping
    /// patches (stride < size) blend and a map lines up with the image the model saw.
    public func pixelMap(patchValues: [Double]) -> [Double] {
        precondition(patchValues.count == gridHeight * gridWidth, "pixelMap: \(patchValues.count) values for a \(gridHeight)x\(gridWidth) grid")
        var sums = [Double](repeating: 0, count: inputHeight * inputWidth), counts = sums
        for i in 0..<gridHeight {
            for j in 0..<gridWidth {
                for y in (i * stride)..<(i * stride + patchSize) {
                    for x in (j * stride)..<(j * stride + patchSize) {
                        sums[y * inputWidth + x] += patchValues[i * gridWidth + j]
                        counts[y * inputWidth + x] += 1
                    }
                }
            }
        }
        return zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
    }
}
