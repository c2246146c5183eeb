import Foundation

/// Turns stored stimulus frames into the model input, as V1T's `ImageCropper` does with shift mode
/// 0 or 2 (no image shifter):
///
/// 1. standardise each pixel with the training set's scalar statistics, (x - mean) / std;
/// 2. optionally keep the centre: V1T samples a grid of int(H·s) x int(W·s) points evenly spaced
///    over [-s, s] of the frame with nearest-neighbour grid_sample(align_corners=True), which is a
///    centre crop to fraction s (`--center-crop`);
/// 3. resize bilinearly to outputHeight x outputWidth like F.interpolate(mode="bilinear",
///    align_corners=False, antialias=False) (V1T: 36 x 64);
/// 4. with behaviour mode 1, append each (already standardised) behaviour value as one more
///    constant channel (V1T appends pupil dilation, its derivative and running speed).
///
/// Crop and resize are both fixed separable maps, so they are folded into one precomputed table per
/// output row and per output column: two source rows (columns) of the stored frame and a weight.
/// Images are data, not parameters: there is no backward pass.
public final class ImageCropper {
    public let imageHeight: Int
    public let imageWidth: Int
    public let centerCrop: Float
    public let outputHeight: Int
    public let outputWidth: Int
    /// Behaviour values appended as channels (0, or 3 for behaviour mode 1).
    public let behaviourChannels: Int
    /// Image channel first, then the behaviour channels.
    public var outputChannels: Int { 1 + behaviourChannels }

    /// Standardised value of each possible pixel byte.
    private let standardised: [Float]
    private let rows: ResizeTable
    private let columns: ResizeTable
    private let output = FloatBuffer()

    /// - Throws: `ImageCropperError` naming the bad setting.
    public init(imageHeight: Int, imageWidth: Int, mean: Float, standardDeviation: Float,
                centerCrop: Float = 1, outputHeight: Int = 36, outputWidth: Int = 64,
                behaviourChannels: Int = 0) throws {
        guard imageHeight > 0, imageWidth > 0 else {
            throw ImageCropperError.invalid("stored images are \(imageHeight)x\(imageWidth) pixels; both sides must be positive")
        }
        guard mean.isFinite else {
            throw ImageCropperError.invalid("image mean \(mean) is not a finite number; recompute the training image statistics")
        }
        guard standardDeviation.isFinite, standardDeviation > 0 else {
            throw ImageCropperError.invalid("image standard deviation \(standardDeviation) must be a positive number; recompute the training image statistics")
        }
        guard centerCrop > 0, centerCrop <= 1 else {
            throw ImageCropperError.invalid("centre crop \(centerCrop) must be a fraction in (0, 1] (1 keeps the whole frame)")
        }
        let cropHeight = Int(Float(imageHeight) * centerCrop), cropWidth = Int(Float(imageWidth) * centerCrop)
        guard cropHeight > 0, cropWidth > 0 else {
            throw ImageCropperError.invalid("centre crop \(centerCrop) of a \(imageHeight)x\(imageWidth) image keeps no pixels; use a larger fraction")
        }
        guard outputHeight > 0, outputWidth > 0 else {
            throw ImageCropperError.invalid("model input size \(outputHeight)x\(outputWidth) must be positive")
        }
        guard behaviourChannels >= 0 else {
            throw ImageCropperError.invalid("behaviour channels \(behaviourChannels) must not be negative")
        }
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.centerCrop = centerCrop
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.behaviourChannels = behaviourChannels
        standardised = (0...255).map { (Float($0) - mean) / standardDeviation }
        rows = ResizeTable(
            cropped: Self.centreCropIndices(size: imageHeight, kept: cropHeight, scale: centerCrop),
            outputSize: outputHeight)
        columns = ResizeTable(
            cropped: Self.centreCropIndices(size: imageWidth, kept: cropWidth, scale: centerCrop),
            outputSize: outputWidth)
    }

    /// images [imageCount, imageHeight, imageWidth] bytes, imageIndices [batch] (which stored image
    /// each sample shows), behaviours [batch, behaviourChannels] (nil when there are none) ->
    /// [batch, outputChannels, outputHeight, outputWidth] (owned, valid until the next forward).
    public func forward(images: UnsafePointer<UInt8>, imageCount: Int, imageIndices: [Int],
                        behaviours: UnsafePointer<Float>?) -> UnsafePointer<Float> {
        precondition(behaviourChannels == 0 || behaviours != nil,
                     "image cropper: behaviour mode 1 needs the behaviour values of the batch")
        let batch = imageIndices.count
        let plane = outputHeight * outputWidth
        let out = output.reserve(batch * outputChannels * plane)
        standardised.withUnsafeBufferPointer { lookup in
            for (b, index) in imageIndices.enumerated() {
                precondition(index >= 0 && index < imageCount,
                             "image cropper: image index \(index) is outside the \(imageCount) stored images")
                let image = images + index * imageHeight * imageWidth
                let target = out + b * outputChannels * plane
                for i in 0..<outputHeight {
                    let upper = image + rows.low[i] * imageWidth, lower = image + rows.high[i] * imageWidth
                    let wy = rows.weight[i]
                    for j in 0..<outputWidth {
                        let (left, right, wx) = (columns.low[j], columns.high[j], columns.weight[j])
                        // Same association as PyTorch's kernel: rows of the top and bottom pair first.
                        let top = (1 - wx) * lookup[Int(upper[left])] + wx * lookup[Int(upper[right])]
                        let bottom = (1 - wx) * lookup[Int(lower[left])] + wx * lookup[Int(lower[right])]
                        target[i * outputWidth + j] = (1 - wy) * top + wy * bottom
                    }
                }
                for d in 0..<behaviourChannels {
                    (target + (1 + d) * plane).update(repeating: behaviours![b * behaviourChannels + d], count: plane)
                }
            }
        }
        return UnsafePointer(out)
    }

    /// Floats held per sample: the model input.
    public var activationFloatsPerSample: Int { outputChannels * outputHeight * outputWidth }

    var buffers: [FloatBuffer] { [output] }

    /// The source pixel of each of the `kept` crop positions along one axis: V1T's nearest-neighbour
    /// grid_sample at torch.linspace(-scale, scale, kept) with align_corners=True, rounding half to
    /// even as PyTorch does. Computed in Float32 like PyTorch, so ties break the same way.
    static func centreCropIndices(size: Int, kept: Int, scale: Float) -> [Int] {
        let step = kept > 1 ? (2 * scale) / Float(kept - 1) : 0
        return (0..<kept).map { i in
            // torch.linspace fills the first half from the start and the second half from the end.
            let position = i < kept / 2 ? -scale + step * Float(i) : scale - step * Float(kept - 1 - i)
            let source = ((position + 1) / 2 * Float(size - 1)).rounded(.toNearestOrEven)
            return min(max(Int(source), 0), size - 1)
        }
    }
}

/// Bilinear resize along one axis with align_corners=False and no antialiasing, composed with the
/// crop: output index i reads stored pixels low[i] and high[i] with weights 1 - weight[i] and weight[i].
struct ResizeTable {
    let low: [Int]
    let high: [Int]
    let weight: [Float]

    init(cropped: [Int], outputSize: Int) {
        let inputSize = cropped.count
        let scale = Float(inputSize) / Float(outputSize)
        var low: [Int] = [], high: [Int] = [], weight: [Float] = []
        for i in 0..<outputSize {
            // Pixel centres line up: source = (i + 0.5)·scale - 0.5, clamped at 0 as PyTorch does.
            let source = max(scale * (Float(i) + 0.5) - 0.5, 0)
            let first = min(Int(source), inputSize - 1)
            let second = first < inputSize - 1 ? first + 1 : first
            low.append(cropped[first])
            high.append(cropped[second])
            weight.append(min(max(source - Float(first), 0), 1))
        }
        self.low = low
        self.high = high
        self.weight = weight
    }
}

public enum ImageCropperError: Error, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let problem): "image cropper: \(problem)"
        }
    }
}
