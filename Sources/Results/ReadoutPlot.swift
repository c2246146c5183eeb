import Foundation
import Plots
import TrainingSet
import V1TModel

/// Where each neuron sits in cortex next to where its readout learned to look on the feature map,
/// and, for simulated recordings, where its receptive field really is. A neuron has the same colour
/// in every panel, coloured by cortical position: with retinotopy, the colours stay in order.
enum ReadoutPlot {
    static func figure(model: V1T, mouse: Int, recording: Recording) -> Figure {
        let settings = model.configuration.mice[mouse]
        let cortexX = settings.neuronX.map(Double.init), cortexY = settings.neuronY.map(Double.init)
        let colors = colorsByPosition(x: cortexX, y: cortexY)
        var cortex = Chart(title: "Cortical positions (\(cortexX.count) neurons)", xLabel: "x (µm)", yLabel: "y (µm)", series: [
            .init(name: "neurons", x: cortexX, y: cortexY, mark: .points(radius: 3.5), pointColors: colors),
        ])
        cortex.invertsY = true

        let geometry = ModelGeometry(configuration: model.configuration, mouse: mouse)
        let positions = model.readoutPositions(mouse: mouse)
        var readout = positionChart(title: "Learned readout positions (\(geometry.gridHeight)x\(geometry.gridWidth) map)",
                                    x: positions.map { Double($0.x) }, y: positions.map { Double($0.y) }, colors: colors)
        readout.xLabel = "feature-map x (-1 left, 1 right)"
        var panels: [Figure.Panel] = [.chart(cortex), .chart(readout)]
        var title = "\(recording.metadata.experimentID): readout positions, coloured by cortical position"

        if let truth = recording.groundTruth {
            let centres = (0..<truth.receptiveFieldCenters.rows).map { (Double(truth.receptiveFieldCenters[$0, 0]), Double(truth.receptiveFieldCenters[$0, 1])) }
            let mapped = centres.map { geometry.readoutPosition(imageX: $0.0, imageY: $0.1) }
            let aspect = Double(geometry.storedHeight) / Double(geometry.storedWidth)
            let errors = zip(positions, centres).map { position, centre -> Double in
                let seen = geometry.imageFraction(readoutX: Double(position.x), readoutY: Double(position.y))
                return hypot(seen.x - centre.0, (seen.y - centre.1) * aspect)
            }
            let median = errors.sorted()[errors.count / 2]
            panels.append(.chart(positionChart(title: "True RF centres (simulated)", x: mapped.map(\.x), y: mapped.map(\.y), colors: colors)))
            title += String(format: "; readout to true RF centre: %.3f image widths (median)", median)
        }
        return Figure(title: title,
                      columns: panels.count, panels: panels, panelWidth: 470, panelHeight: 420)
    }

    private static func positionChart(title: String, x: [Double], y: [Double], colors: [String]) -> Chart {
        var chart = Chart(title: title, xLabel: "feature-map x (-1 left, 1 right)", yLabel: "feature-map y (-1 top, 1 bottom)", series: [
            .init(name: "neurons", x: x, y: y, mark: .points(radius: 3.5), pointColors: colors),
        ])
        let reach = max(1, (x + y).filter(\.isFinite).map(abs).max() ?? 1)
        chart.xRange = -reach...reach
        chart.yRange = -reach...reach
        chart.invertsY = true
        return chart
    }

    /// Hue follows x (red to violet), lightness follows y (dark to light), over the neurons' range.
    static func colorsByPosition(x: [Double], y: [Double]) -> [String] {
        func unit(_ values: [Double]) -> [Double] {
            let low = values.min() ?? 0, high = values.max() ?? 1
            return values.map { high > low ? ($0 - low) / (high - low) : 0.5 }
        }
        return zip(unit(x), unit(y)).map { hsl(hue: 270 * $0, saturation: 0.85, lightness: 0.28 + 0.42 * $1) }
    }

    static func hsl(hue: Double, saturation: Double, lightness: Double) -> String {
        let chroma = (1 - abs(2 * lightness - 1)) * saturation
        let h = hue / 60, second = chroma * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double) = switch Int(h) {
        case 0: (chroma, second, 0)
        case 1: (second, chroma, 0)
        case 2: (0, chroma, second)
        case 3: (0, second, chroma)
        case 4: (second, 0, chroma)
        default: (chroma, 0, second)
        }
        let m = lightness - chroma / 2
        func byte(_ v: Double) -> Int { Int(((v + m) * 255).rounded()).clamped(0, 255) }
        return String(format: "#%02x%02x%02x", byte(r), byte(g), byte(b))
    }
}

extension Int {
    func clamped(_ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(self, low), high) }
}
