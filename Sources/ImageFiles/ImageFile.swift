import Foundation
import NumPyFormat

/// Reads a stimulus image from disk, whatever its format, as grayscale 0...255: PNG (any colour
/// type, made gray), PGM (P5 or P2), or a 2-D `.npy` array (height x width) of pixel intensities.
/// The format is recognised by the file's first bytes, not its name.
public enum ImageFile {
    public static let supportedFormats = "PNG, PGM (P5/P2) or a 2-D .npy array of 0...255 values"

    /// - background: the gray that transparent PNG pixels are blended onto.
    public static func read(_ path: String, background: Float) throws -> GrayImage {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ImageFileError(path: path, reason: exists ? "cannot be read (permissions?)" : "does not exist")
        }
        let head = [UInt8](data.prefix(8))
        if head.starts(with: PNGDecoder.signature) { return try PNGDecoder.decode(data, source: path, background: background) }
        if head.starts(with: [UInt8(ascii: "P"), UInt8(ascii: "5")]) || head.starts(with: [UInt8(ascii: "P"), UInt8(ascii: "2")]) {
            return try PGM.decode(data, source: path)
        }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return try numpyImage(data, path: path) }
        throw ImageFileError(path: path, reason: "is not an image this tool reads; give \(supportedFormats)")
    }

    private static func numpyImage(_ data: Data, path: String) throws -> GrayImage {
        let array: NpyArray
        do {
            array = try NpyFile.decode(data)
        } catch {
            throw ImageFileError(path: path, reason: "is not a readable .npy file (\(error))")
        }
        guard array.shape.count == 2, array.shape[0] > 0, array.shape[1] > 0 else {
            throw ImageFileError(path: path, reason: "holds an array of shape \(array.shape); give one 2-D (height, width) image")
        }
        let values: [Float]
        do {
            values = try array.floats()
        } catch {
            throw ImageFileError(path: path, reason: "holds \(array.descr) values; give numbers (uint8 or float)")
        }
        guard let low = values.min(), let high = values.max(), low >= 0, high <= 255, values.allSatisfy(\.isFinite) else {
            throw ImageFileError(path: path, reason: "values must be finite pixel intensities in 0...255 "
                + "(found \(values.min() ?? .nan)...\(values.max() ?? .nan)); scale an image in 0...1 by 255")
        }
        return GrayImage(height: array.shape[0], width: array.shape[1], pixels: values)
    }
}
