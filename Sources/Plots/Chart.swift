import Foundation

/// A 2-D chart rendered as a standalone SVG: axes with "nice" ticks, and series drawn as lines,
/// points, bars or shaded bands. Enough for learning curves, histograms, scatter plots and
/// tuning curves, with no dependency beyond Foundation.
public struct Chart {
    public enum Mark {
        case line
        case points(radius: Double = 2.5)
        /// Bars centred on each x, `width` in data units.
        case bars(width: Double)
        /// A shaded region between `lower` and `upper` (y is ignored for drawing but sets the legend).
        case band(lower: [Double], upper: [Double])
    }

    public struct Series {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public var mark: Mark
        public var color: String?
        /// One colour per point (points only), e.g. to link the same neuron across panels.
        public var pointColors: [String]?

        public init(name: String, x: [Double], y: [Double], mark: Mark = .line, color: String? = nil, pointColors: [String]? = nil) {
            precondition(x.count == y.count, "series \(name): x and y differ in length")
            precondition(pointColors == nil || pointColors!.count == x.count, "series \(name): one colour per point")
            self.name = name
            self.x = x
            self.y = y
            self.mark = mark
            self.color = color
            self.pointColors = pointColors
        }
    }

    public enum Scale { case linear, logarithmic }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var width: Double = 640
    public var height: Double = 420
    public var xScale: Scale = .linear
    public var yScale: Scale = .linear
    /// Fixed axis ranges; nil fits the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// A dashed diagonal y = x (for predicted-versus-recorded and ceiling scatter plots).
    public var showsIdentityLine = false
    /// y grows downwards, as image rows do (for positions on an image or a feature map).
    public var invertsY = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = []) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The chart as a complete SVG document.
    public func svg() -> String {
        var document = SVGDocument(width: width, height: height)
        draw(into: &document, origin: (0, 0))
        return document.render()
    }

    /// Draws the chart into a larger document at `origin` (used by `Figure` for panels).
    func draw(into document: inout SVGDocument, origin: (x: Double, y: Double)) {
        let legend = legendLayout(left: origin.x + 62, right: origin.x + width - 16)
        let legendRows = (legend.map(\.row).max() ?? -1) + 1
        let plot = (left: origin.x + 62, top: origin.y + 34 + 16 * Double(legendRows), right: origin.x + width - 16, bottom: origin.y + height - 48)
        let xAxis = Axis(values: allX(), fixed: xRange, scale: xScale)
        let yAxis = Axis(values: allY(), fixed: yRange, scale: yScale)
        func px(_ x: Double) -> Double { plot.left + xAxis.fraction(x) * (plot.right - plot.left) }
        func py(_ y: Double) -> Double {
            let fraction = invertsY ? 1 - yAxis.fraction(y) : yAxis.fraction(y)
            return plot.bottom - fraction * (plot.bottom - plot.top)
        }

        document.text(title, x: (plot.left + plot.right) / 2, y: origin.y + 20, size: 14, anchor: "middle", weight: "bold")
        document.rect(x: plot.left, y: plot.top, width: plot.right - plot.left, height: plot.bottom - plot.top, fill: "none", stroke: "#444")
        for tick in xAxis.ticks {
            let x = px(tick)
            document.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 5, stroke: "#444")
            document.text(Axis.label(tick), x: x, y: plot.bottom + 18, size: 11, anchor: "middle")
        }
        for tick in yAxis.ticks {
            let y = py(tick)
            document.line(x1: plot.left - 5, y1: y, x2: plot.left, y2: y, stroke: "#444")
            document.line(x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: "#eee")
            document.text(Axis.label(tick), x: plot.left - 8, y: y + 4, size: 11, anchor: "end")
        }
        document.text(xLabel, x: (plot.left + plot.right) / 2, y: origin.y + height - 12, size: 12, anchor: "middle")
        document.text(yLabel, x: origin.x + 16, y: (plot.top + plot.bottom) / 2, size: 12, anchor: "middle", rotate: -90)

        if showsIdentityLine {
            let low = max(xAxis.low, yAxis.low), high = min(xAxis.high, yAxis.high)
            if low < high {
                document.line(x1: px(low), y1: py(low), x2: px(high), y2: py(high), stroke: "#888", dash: "4 4")
            }
        }
        document.beginGroup(clipTo: (plot.left, plot.top, plot.right - plot.left, plot.bottom - plot.top))
        for (index, series) in series.enumerated() {
            let color = series.color ?? Self.palette[index % Self.palette.count]
            let finite = series.x.indices.filter { series.x[$0].isFinite && series.y[$0].isFinite }
            let points = finite.map { (series.x[$0], series.y[$0]) }
            switch series.mark {
            case .line:
                document.polyline(points.map { (px($0.0), py($0.1)) }, stroke: color, series: series.name)
            case .points(let radius):
                document.beginGroup(series: series.name)
                for index in finite {
                    document.circle(cx: px(series.x[index]), cy: py(series.y[index]), r: radius,
                                    fill: series.pointColors?[index] ?? color)
                }
                document.endGroup()
            case .bars(let barWidth):
                document.beginGroup(series: series.name)
                let base = py(max(yAxis.low, yScale == .logarithmic ? yAxis.low : 0))
                for (x, y) in points {
                    let left = px(x - barWidth / 2), right = px(x + barWidth / 2), top = py(y)
                    document.rect(x: left, y: min(top, base), width: max(right - left - 1, 0.5), height: abs(base - top), fill: color, stroke: nil)
                }
                document.endGroup()
            case .band(let lower, let upper):
                let upperPoints = zip(series.x, upper).map { (px($0.0), py($0.1)) }
                let lowerPoints = zip(series.x, lower).reversed().map { (px($0.0), py($0.1)) }
                document.polygon(upperPoints + lowerPoints, fill: color, opacity: 0.2, series: series.name)
            }
        }
        document.endGroup()

        // The legend sits in rows between the title and the plot, where it never hides data.
        for entry in legend {
            let y = origin.y + 38 + 16 * Double(entry.row)
            let series = series[entry.index]
            let color = series.color ?? Self.palette[entry.index % Self.palette.count]
            var isBand = false
            if case .band = series.mark { isBand = true }
            document.rect(x: entry.x, y: y - 9, width: 10, height: 10, fill: color, stroke: nil, opacity: isBand ? 0.3 : nil)
            document.text(series.name, x: entry.x + 14, y: y, size: 11, anchor: "start")
        }
    }

    /// Where each named series' legend entry goes (only with two or more named series): entries
    /// left to right, wrapping to a new row when the plot's width is used up.
    private func legendLayout(left: Double, right: Double) -> [(index: Int, x: Double, row: Int)] {
        let named = series.indices.filter { !series[$0].name.isEmpty }
        guard named.count > 1 else { return [] }
        var entries: [(index: Int, x: Double, row: Int)] = []
        var x = left, row = 0
        for index in named {
            // About 6.3 units per character of 11-unit Helvetica, plus the swatch and a gap.
            let entryWidth = 14 + 6.3 * Double(series[index].name.count) + 16
            if x + entryWidth > right && x > left { x = left; row += 1 }
            entries.append((index, x, row))
            x += entryWidth
        }
        return entries
    }

    private func allX() -> [Double] { series.flatMap(\.x) + barPadding() }

    private func allY() -> [Double] {
        series.flatMap { series -> [Double] in
            switch series.mark {
            case .band(let lower, let upper): return lower + upper
            case .bars: return series.y + [0]
            default: return series.y
            }
        }
    }

    private func barPadding() -> [Double] {
        series.flatMap { series -> [Double] in
            if case .bars(let width) = series.mark { return series.x.flatMap { [$0 - width / 2, $0 + width / 2] } }
            return []
        }
    }
}
