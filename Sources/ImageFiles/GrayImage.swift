/// A grayscale image in 0...255 units, row-major. Float, so that 16-bit sources and `.npy` floats
/// keep their precision until the image is resized to a training resolution.
public struct GrayImage: Equatable {
    public let height: Int
    public let width: Int
    public var pixels: [Float]

    public init(height: Int, width: Int, pixels: [Float]) {
        precondition(pixels.count == height * width, "GrayImage: \(pixels.count) pixels for \(height) x \(width)")
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// Gray from red, green and blue (0...255) with the ITU-R BT.601 luma weights, as PIL's
    /// `convert("L")` and most image tools make grayscale.
    static func luma(red: Float, green: Float, blue: Float) -> Float {
        0.299 * red + 0.587 * green + 0.114 * blue
    }
}

/// An image file that cannot be used, with what is wrong and what to do.
public struct ImageFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
