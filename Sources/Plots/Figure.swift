import Foundation

/// Several panels (charts and heat maps) laid out in a grid in one SVG, e.g. example neurons or
/// attention maps over several images.
public struct Figure {
    public enum Panel {
        case chart(Chart)
        case heatmap(Heatmap)
    }

    public var title: String
    public var columns: Int
    public var panels: [Panel]
    public var panelWidth: Double
    public var panelHeight: Double

    public init(title: String, columns: Int, panels: [Panel], panelWidth: Double = 360, panelHeight: Double = 260) {
        self.title = title
        self.columns = max(columns, 1)
        self.panels = panels
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    public func svg() -> String {
        let rows = (panels.count + columns - 1) / columns
        let titleHeight = 30.0
        var document = SVGDocument(width: panelWidth * Double(columns), height: titleHeight + panelHeight * Double(max(rows, 1)))
        document.text(title, x: panelWidth * Double(columns) / 2, y: 21, size: 16, anchor: "middle", weight: "bold")
        for (index, panel) in panels.enumerated() {
            let origin = (x: Double(index % columns) * panelWidth, y: titleHeight + Double(index / columns) * panelHeight)
            switch panel {
            case .chart(var chart):
                chart.width = panelWidth
                chart.height = panelHeight
                chart.draw(into: &document, origin: origin)
            case .heatmap(var heatmap):
                heatmap.width = panelWidth
                heatmap.height = panelHeight
                heatmap.draw(into: &document, origin: origin)
            }
        }
        return document.render()
    }
}
