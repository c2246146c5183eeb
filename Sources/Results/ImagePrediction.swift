import Foundation
import ImageFiles
import NumPyFormat
import Training

/// Predictions of every neuron of one recording for images from disk (`v1t-dist predict`).
///
/// Each image is read as grayscale (`ImageFile`), resized by area averaging to the size the
/// recording's images were stored at (with the aspect rule of `convert`, padding with the screen's
/// gray by default), and then goes through the model's own cropper, exactly as a training image.
public struct ImagePrediction {
    public enum Units: String, CaseIterable, Sendable {
        /// Responses divided by each neuron's training standard deviation: the model's own units.
        case standardised
        /// The recording's units (dF/F or events, as converted).
        case raw
    }

    public let paths: [String]
    public let neuronIDs: [Int64]
    /// [images, neurons]
    public let standardised: [Float]
    public let raw: [Float]

    public init(probe: ModelProbe, paths: [String], aspect: AspectMode) throws {
        let stored = try Self.load(paths, height: probe.imageHeight, width: probe.imageWidth, aspect: aspect,
                                   gray: probe.data.recording.screenGray)
        self.paths = paths
        neuronIDs = probe.data.recording.neurons.ids
        standardised = probe.predict(stored, count: paths.count)
        raw = probe.rawUnits(standardised)
    }

    /// The images at the stored size, [paths.count, height, width].
    public static func load(_ paths: [String], height: Int, width: Int, aspect: AspectMode, gray: UInt8) throws -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(paths.count * height * width)
        for path in paths {
            let image = try ImageFile.read(path, background: Float(gray))
            let resizer = ImageResizer(sourceHeight: image.height, sourceWidth: image.width, targetHeight: height,
                                       targetWidth: width, mode: aspect, fill: gray)
            pixels += resizer.resize(image.pixels)
        }
        return pixels
    }

    /// One row per image and neuron: image path, neuron index, neuron id, both units.
    public func csv() -> String {
        var lines = ["image,neuron,neuron_id,prediction_standardised,prediction_raw"]
        let neurons = neuronIDs.count
        lines.reserveCapacity(paths.count * neurons + 1)
        for (image, path) in paths.enumerated() {
            let name = Self.csvField(path)
            for n in 0..<neurons {
                lines.append("\(name),\(n),\(neuronIDs[n]),\(standardised[image * neurons + n]),\(raw[image * neurons + n])")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// float32 [images, neurons] in `units`.
    public func npy(units: Units) -> NpyArray {
        NpyArray(units == .raw ? raw : standardised, shape: [paths.count, neuronIDs.count])
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
