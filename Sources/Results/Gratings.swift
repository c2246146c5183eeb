import Foundation

/// Static sine gratings as the Allen Brain Observatory showed them (the static_gratings stimulus):
/// 6 orientations, 5 spatial frequencies, 4 phases, 80 % contrast, on the mean-gray screen.
///
/// Orientation: 0° is vertical bars (luminance varies left to right), angles counter-clockwise, so
/// 90° is horizontal bars. Spatial frequency needs the visual angle the stored image spans: with
/// `imageWidthDegrees` D, a grating of f cycles per degree has f·D cycles across the image width
/// (pixels are square, so f·D·height/width across its height).
public struct StaticGratings {
    public static let allenOrientations: [Double] = [0, 30, 60, 90, 120, 150]
    public static let allenSpatialFrequencies: [Double] = [0.02, 0.04, 0.08, 0.16, 0.32]
    public static let allenPhases: [Double] = [0, 0.25, 0.5, 0.75]
    public static let allenContrast = 0.8
    /// The width an Allen natural scene converted with `--aspect pad` spans: AllenSDK puts the
    /// 1174-pixel-wide scene unscaled on the 1920-pixel screen, whose width spans 120° at 15 cm, so
    /// the scene is 73.4° wide and the padded 16:9 image 73.4° x (16/9) / (1174/918) = 102°.
    public static let allenPaddedImageWidthDegrees = 102.0

    public var orientations = Self.allenOrientations
    public var spatialFrequencies = Self.allenSpatialFrequencies
    public var phases = Self.allenPhases
    public var contrast = Self.allenContrast
    public var imageWidthDegrees = Self.allenPaddedImageWidthDegrees

    public init() {}

    /// One stimulus of the set, in the order orientation (slowest), spatial frequency, phase (fastest).
    public struct Condition: Equatable {
        public let orientation: Double
        public let spatialFrequency: Double
        public let phase: Double
    }

    public var conditions: [Condition] {
        orientations.flatMap { o in spatialFrequencies.flatMap { f in phases.map { Condition(orientation: o, spatialFrequency: f, phase: $0) } } }
    }

    /// Cycles across the image width of a grating of `spatialFrequency` cycles per degree.
    public func cyclesPerImageWidth(_ spatialFrequency: Double) -> Double { spatialFrequency * imageWidthDegrees }

    /// gray + contrast · min(gray, 255 - gray) · cos(2π (f u + phase)), u the position in degrees from
    /// the image centre along the grating's direction (x right, y up).
    public func image(_ condition: Condition, height: Int, width: Int, gray: UInt8) -> [UInt8] {
        let degreesPerPixel = imageWidthDegrees / Double(width)
        let angle = condition.orientation * Double.pi / 180
        let amplitude = contrast * Double(min(gray, 255 - gray))
        var pixels = [UInt8](repeating: gray, count: height * width)
        for row in 0..<height {
            let y = (Double(height) / 2 - (Double(row) + 0.5)) * degreesPerPixel
            for column in 0..<width {
                let x = (Double(column) + 0.5 - Double(width) / 2) * degreesPerPixel
                let u = x * cos(angle) + y * sin(angle)
                let value = Double(gray) + amplitude * cos(2 * Double.pi * (condition.spatialFrequency * u + condition.phase))
                pixels[row * width + column] = UInt8(max(0, min(255, value.rounded())))
            }
        }
        return pixels
    }
}
