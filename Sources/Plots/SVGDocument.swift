import Foundation

/// Builds an SVG document element by element. Every data series is wrapped in a group carrying
/// `data-series="<name>"` so that tests (and people reading the file) can find it.
struct SVGDocument {
    let width: Double
    let height: Double
    private var body: [String] = []
    private var clipCount = 0

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    func render() -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="Helvetica, Arial, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    mutating func text(_ string: String, x: Double, y: Double, size: Double, anchor: String, weight: String = "normal", rotate: Double = 0) {
        let transform = rotate == 0 ? "" : " transform=\"rotate(\(n(rotate)) \(n(x)) \(n(y)))\""
        body.append("<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\"\(transform)>\(escape(string))</text>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: String? = nil) {
        let dashes = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body.append("<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\"\(dashes)/>")
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String?, opacity: Double? = nil) {
        let outline = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let fading = opacity.map { " fill-opacity=\"\(n($0))\"" } ?? ""
        body.append("<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"\(fill)\"\(outline)\(fading)/>")
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil) {
        let outline = stroke.map { " stroke=\"\($0)\" stroke-width=\"1\"" } ?? ""
        body.append("<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"\(n(r))\" fill=\"\(fill)\"\(outline)/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, series: String) {
        let list = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body.append("<polyline data-series=\"\(escape(series))\" data-points=\"\(points.count)\" points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.8\"/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double, series: String) {
        let list = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body.append("<polygon data-series=\"\(escape(series))\" points=\"\(list)\" fill=\"\(fill)\" fill-opacity=\"\(n(opacity))\" stroke=\"none\"/>")
    }

    /// An embedded raster (e.g. a PNG heat map), stretched to the given box without smoothing.
    mutating func image(pngData: Data, x: Double, y: Double, width: Double, height: Double, series: String) {
        body.append("<image data-series=\"\(escape(series))\" x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(width))\" height=\"\(n(height))\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(pngData.base64EncodedString())\"/>")
    }

    mutating func beginGroup(series: String) {
        body.append("<g data-series=\"\(escape(series))\">")
    }

    mutating func beginGroup(clipTo box: (x: Double, y: Double, width: Double, height: Double)) {
        clipCount += 1
        let id = "clip\(clipCount)-\(Int(box.x))-\(Int(box.y))"
        body.append("<clipPath id=\"\(id)\"><rect x=\"\(n(box.x))\" y=\"\(n(box.y))\" width=\"\(n(box.width))\" height=\"\(n(box.height))\"/></clipPath>")
        body.append("<g clip-path=\"url(#\(id))\">")
    }

    mutating func endGroup() {
        body.append("</g>")
    }

    /// Appends raw elements rendered by another document (for composing panels).
    mutating func append(_ other: SVGDocument) {
        body.append(contentsOf: other.body)
    }

    private func n(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }

    private func escape(_ string: String) -> String {
        string.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
