import Foundation
import NumPyFormat
import Plots
import Training

/// Receptive fields of every neuron of one recording, mapped with sparse noise through a trained
/// model, fitted, compared with the truth when the recording is simulated, and written out.
public struct ReceptiveFieldReport {
    public let recording: String
    public let neuronIDs: [Int64]
    public let imageHeight: Int
    public let imageWidth: Int
    public let maps: ReceptiveFieldMaps
    public let fits: [ReceptiveFieldFit]
    /// Simulated recordings: true centres (fractions) and sizes (σ, fraction of width).
    public let truth: [(x: Double, y: Double)]?
    public let trueSizes: [Double]?
    public let comparison: ReceptiveFieldComparison?

    public init(probe: ModelProbe, noise: SparseNoise) {
        let recording = probe.data.recording
        self.recording = probe.data.name
        neuronIDs = recording.neurons.ids
        imageHeight = probe.imageHeight
        imageWidth = probe.imageWidth
        maps = ReceptiveFieldMaps.measure(probe: probe, noise: noise)
        let maps = maps
        fits = (0..<maps.neurons).map {
            ReceptiveFieldFit.fit(energy: maps.energy($0), noise: noise, height: probe.imageHeight, width: probe.imageWidth)
        }
        if let groundTruth = recording.groundTruth {
            let centres = groundTruth.receptiveFieldCenters
            let truth = (0..<centres.rows).map { (x: Double(centres[$0, 0]), y: Double(centres[$0, 1])) }
            self.truth = truth
            trueSizes = groundTruth.receptiveFieldSizes.map(Double.init)
            comparison = ReceptiveFieldComparison(fits: fits, truth: truth, aspect: Double(probe.imageHeight) / Double(probe.imageWidth))
        } else {
            truth = nil
            trueSizes = nil
            comparison = nil
        }
    }

    /// What `receptive_fields.json` holds.
    public struct Summary: Codable, Equatable {
        public var recording: String
        public var neurons: Int
        public var gridRows: Int
        public var gridColumns: Int
        public var squaresPerFrame: Int
        public var frames: Int
        public var medianSize: Double
        public var medianStrength: Double
        /// Simulated recordings only (fractions of the image width).
        public var medianCenterError: Double?
        public var populationCenterBaseline: Double?
        public var medianTrueSize: Double?
    }

    public var summary: Summary {
        Summary(recording: recording, neurons: fits.count, gridRows: maps.noise.rows, gridColumns: maps.noise.columns,
                squaresPerFrame: maps.noise.squaresPerFrame, frames: maps.noise.frames.count,
                medianSize: ReceptiveFieldComparison.median(fits.map(\.size).filter(\.isFinite)),
                medianStrength: ReceptiveFieldComparison.median(fits.map(\.strength)),
                medianCenterError: comparison?.medianError, populationCenterBaseline: comparison?.populationBaseline,
                medianTrueSize: trueSizes.map { ReceptiveFieldComparison.median($0) })
    }

    /// receptive_fields.csv, .json, .npy ([neurons, 2 (on, off), rows, columns]), .png (every
    /// neuron's energy map, tiled) and the receptive_fields figure of the clearest fields.
    public func write(with writer: PlotWriter) throws {
        var csv = "neuron,neuron_id,center_x,center_y,size,strength" + (truth == nil ? "" : ",true_center_x,true_center_y,true_size,center_error") + "\n"
        for (n, fit) in fits.enumerated() {
            csv += "\(n),\(neuronIDs[n]),\(fit.centerX),\(fit.centerY),\(fit.size),\(fit.strength)"
            if let truth, let trueSizes, let comparison {
                csv += ",\(truth[n].x),\(truth[n].y),\(trueSizes[n]),\(comparison.errors[n])"
            }
            csv += "\n"
        }
        try writer.writeFile(Data(csv.utf8), fileName: "receptive_fields.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writer.writeFile(try encoder.encode(summary), fileName: "receptive_fields.json")
        let cells = maps.cells
        var stacked = [Float]()
        stacked.reserveCapacity(maps.neurons * 2 * cells)
        for n in 0..<maps.neurons {
            stacked += maps.on[(n * cells)..<((n + 1) * cells)].map(Float.init) + maps.off[(n * cells)..<((n + 1) * cells)].map(Float.init)
        }
        try writer.writeFile(NpyFile.encode(NpyArray(stacked, shape: [maps.neurons, 2, maps.noise.rows, maps.noise.columns])),
                             fileName: "receptive_fields.npy")
        try writer.writeFile(tiledMaps(scale: 2), fileName: "receptive_fields.png")
        try writer.write(figure(count: 12).svg(), name: "receptive_fields")
    }

    /// Every neuron's energy map (heat colours, each scaled to its own range), neuron 0 top-left,
    /// row by row, one white pixel between tiles.
    func tiledMaps(scale: Int) -> Data {
        let rows = maps.noise.rows, columns = maps.noise.columns
        let tileWidth = columns * scale + 1, tileHeight = rows * scale + 1
        let across = max(1, Int((Double(maps.neurons) * Double(tileHeight) / Double(tileWidth)).squareRoot().rounded(.up)))
        let down = (maps.neurons + across - 1) / across
        let width = across * tileWidth + 1, height = down * tileHeight + 1
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        for n in 0..<maps.neurons {
            let energy = maps.energy(n)
            let low = energy.min() ?? 0, high = energy.max() ?? 1
            let left = (n % across) * tileWidth + 1, top = (n / across) * tileHeight + 1
            for y in 0..<(rows * scale) {
                for x in 0..<(columns * scale) {
                    let value = energy[(y / scale) * columns + x / scale]
                    let color = Heatmap.color(high > low ? (value - low) / (high - low) : 0, map: .heat)
                    let index = ((top + y) * width + left + x) * 3
                    rgb[index] = color[0]; rgb[index + 1] = color[1]; rgb[index + 2] = color[2]
                }
            }
        }
        return PNG.encodeRGB(rgb, width: width, height: height)
    }

    /// The `count` clearest fields (highest strength), with the fitted centre and, when known, the true one.
    func figure(count: Int) -> Figure {
        let rows = maps.noise.rows, columns = maps.noise.columns
        let chosen = fits.indices.sorted { fits[$0].strength > fits[$1].strength }.prefix(count)
        let panels = chosen.map { n -> Figure.Panel in
            var heatmap = Heatmap(title: "neuron \(n) (id \(neuronIDs[n]))", values: maps.energy(n), rows: rows, columns: columns)
            heatmap.markerColors = ["fit": "#00c8ff", "true": "#39ff14"]
            heatmap.showsMarkerLabels = false
            if fits[n].centerX.isFinite {
                heatmap.markers.append((fits[n].centerX * Double(columns) - 0.5, fits[n].centerY * Double(rows) - 0.5, "fit"))
            }
            if let truth { heatmap.markers.append((truth[n].x * Double(columns) - 0.5, truth[n].y * Double(rows) - 0.5, "true")) }
            return .heatmap(heatmap)
        }
        var title = "\(recording): the \(panels.count) clearest receptive fields; cyan: fitted centre" + (truth == nil ? "" : ", green: true")
        if let comparison {
            title += String(format: " (median error %.3f widths)", comparison.medianError)
        }
        return Figure(title: title, columns: 4, panels: panels, panelWidth: 300, panelHeight: 200)
    }
}
