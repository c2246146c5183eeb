import Foundation

/// A grid of values drawn as an image (embedded PNG), optionally over a grayscale background image
/// of the same aspect: attention maps over a stimulus, receptive fields, feature maps.
public struct Heatmap {
    public var title: String
    /// Row-major values, `rows` x `columns`.
    public var values: [Double]
    public var rows: Int
    public var columns: Int
    /// Optional grayscale background (row-major, 0...255), drawn under the heat map.
    public var background: (pixels: [UInt8], rows: Int, columns: Int)?
    /// Colour map; `.diverging` centres zero (for receptive fields with on and off parts).
    public var colorMap: ColorMap = .heat
    public var width: Double = 420
    public var height: Double = 280
    /// Extra marks in grid coordinates (column, row): e.g. a fitted receptive-field centre.
    public var markers: [(x: Double, y: Double, label: String)] = []
    /// The colour of the markers with a given label (cyan otherwise), e.g. fitted and true centres.
    public var markerColors: [String: String] = [:]
    /// Whether each marker's label is written beside it (off when the colours are explained elsewhere).
    public var showsMarkerLabels = true

    public enum ColorMap { case heat, diverging, gray }

    public init(title: String, values: [Double], rows: Int, columns: Int) {
        precondition(values.count == rows * columns, "heat map \(title): \(values.count) values for \(rows)x\(columns)")
        self.title = title
        self.values = values
        self.rows = rows
        self.columns = columns
    }

    public func svg() -> String {
        var document = SVGDocument(width: width, height: height)
        draw(into: &document, origin: (0, 0))
        return document.render()
    }

    /// The heat map alone as a PNG, one pixel per value (scaled up by `scale`).
    public func png(scale: Int = 1) -> Data {
        let (pixels, _) = rgb()
        return PNG.encodeRGB(pixels, width: columns, height: rows, scale: scale)
    }

    func draw(into document: inout SVGDocument, origin: (x: Double, y: Double)) {
        let box = fittedBox(origin: origin)
        document.text(title, x: origin.x + width / 2, y: origin.y + 18, size: 13, anchor: "middle", weight: "bold")
        // Small grids are embedded enlarged: renderers that ignore `image-rendering: pixelated`
        // would otherwise blur cells into each other.
        func enlargement(_ cells: Int, _ length: Double) -> Int { max(1, min(16, Int(length / Double(cells)))) }
        if let background {
            let gray = background.pixels.flatMap { [$0, $0, $0] }
            document.image(pngData: PNG.encodeRGB(gray, width: background.columns, height: background.rows,
                                                  scale: enlargement(background.columns, box.width)),
                           x: box.x, y: box.y, width: box.width, height: box.height, series: "background")
        }
        let (pixels, alpha) = rgb()
        document.image(pngData: PNG.encodeRGB(pixels, width: columns, height: rows, alpha: background == nil ? nil : alpha,
                                              scale: enlargement(columns, box.width)),
                       x: box.x, y: box.y, width: box.width, height: box.height, series: title)
        document.rect(x: box.x, y: box.y, width: box.width, height: box.height, fill: "none", stroke: "#444")
        for marker in markers {
            let x = box.x + (marker.x + 0.5) / Double(columns) * box.width
            let y = box.y + (marker.y + 0.5) / Double(rows) * box.height
            document.circle(cx: x, cy: y, r: 3.5, fill: markerColors[marker.label] ?? "#00c8ff", stroke: "#000")
            if showsMarkerLabels && !marker.label.isEmpty { document.text(marker.label, x: x + 5, y: y - 5, size: 10, anchor: "start") }
        }
    }

    private func fittedBox(origin: (x: Double, y: Double)) -> (x: Double, y: Double, width: Double, height: Double) {
        let availableWidth = width - 20, availableHeight = height - 36
        let aspect = Double(columns) / Double(rows)
        let boxWidth = min(availableWidth, availableHeight * aspect)
        let boxHeight = boxWidth / aspect
        return (origin.x + (width - boxWidth) / 2, origin.y + 28 + (availableHeight - boxHeight) / 2, boxWidth, boxHeight)
    }

    /// Colours (and, over a background, opacity rising with the value) for each cell.
    private func rgb() -> (pixels: [UInt8], alpha: [UInt8]) {
        let finite = values.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        let bound = max(abs(low), abs(high), 1e-12)
        var pixels: [UInt8] = [], alpha: [UInt8] = []
        pixels.reserveCapacity(values.count * 3)
        for value in values {
            let v = value.isFinite ? value : low
            let t: Double
            switch colorMap {
            case .diverging: t = 0.5 + 0.5 * v / bound
            case .heat, .gray: t = high > low ? (v - low) / (high - low) : 0
            }
            pixels.append(contentsOf: Self.color(t, map: colorMap))
            alpha.append(UInt8(max(0, min(255, colorMap == .diverging ? abs(t - 0.5) * 2 * 230 : t * 200))))
        }
        return (pixels, alpha)
    }

    /// The RGB bytes of `t` in 0...1 on a colour map (for building composite images).
    public static func color(_ t: Double, map: ColorMap) -> [UInt8] {
        let t = max(0, min(1, t))
        func byte(_ x: Double) -> UInt8 { UInt8(max(0, min(255, (x * 255).rounded()))) }
        switch map {
        case .gray:
            return [byte(t), byte(t), byte(t)]
        case .heat:
            // black -> red -> yellow -> white
            return [byte(min(1, 3 * t)), byte(min(1, max(0, 3 * t - 1))), byte(max(0, 3 * t - 2))]
        case .diverging:
            // blue -> white -> red
            return t < 0.5 ? [byte(2 * t), byte(2 * t), 255] : [255, byte(2 - 2 * t), byte(2 - 2 * t)]
        }
    }
}
