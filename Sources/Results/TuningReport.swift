import Foundation
import Plots
import Training

/// Orientation and spatial-frequency tuning of every neuron of one recording through a trained
/// model (static gratings, as the Allen Brain Observatory showed them), written out.
public struct TuningReport {
    public let recording: String
    public let neuronIDs: [Int64]
    public let tuning: GratingTuning
    /// The highest spatial frequency (cycles per degree) the model's input resolves: half its width
    /// in pixels over the degrees that width spans. Gratings above it reach the model aliased.
    public let inputNyquist: Double

    public init(probe: ModelProbe, gratings: StaticGratings) {
        recording = probe.data.name
        neuronIDs = probe.data.recording.neurons.ids
        let gray = probe.data.recording.screenGray
        let conditions = gratings.conditions
        var images: [UInt8] = []
        images.reserveCapacity((conditions.count + 1) * probe.imageHeight * probe.imageWidth)
        for condition in conditions { images += gratings.image(condition, height: probe.imageHeight, width: probe.imageWidth, gray: gray) }
        images += [UInt8](repeating: gray, count: probe.imageHeight * probe.imageWidth)
        let responses = probe.predict(images, count: conditions.count + 1)
        let n = probe.neurons
        tuning = GratingTuning(gratings: gratings, neurons: n, conditionResponses: Array(responses[0..<(conditions.count * n)]),
                               blankResponses: Array(responses[(conditions.count * n)...]))
        let configuration = probe.model.configuration
        inputNyquist = Double(configuration.core.imageWidth) / 2 / (Double(configuration.centerCrop) * gratings.imageWidthDegrees)
    }

    public var summaries: [GratingTuning.Summary] { (0..<tuning.neurons).map(tuning.summary) }

    /// What `tuning.json` holds.
    public struct Settings: Codable, Equatable {
        public var recording: String
        public var neurons: Int
        public var orientationsDegrees: [Double]
        public var spatialFrequenciesCyclesPerDegree: [Double]
        public var cyclesPerImageWidth: [Double]
        public var phases: [Double]
        public var contrast: Double
        public var imageWidthDegrees: Double
        public var inputNyquistCyclesPerDegree: Double
        public var medianOrientationSelectivity: Double?
        public var responsiveNeurons: Int
    }

    public var settings: Settings {
        let g = tuning.gratings, s = summaries
        let osi = s.map(\.orientationSelectivity).filter(\.isFinite)
        return Settings(recording: recording, neurons: tuning.neurons, orientationsDegrees: g.orientations,
                        spatialFrequenciesCyclesPerDegree: g.spatialFrequencies, cyclesPerImageWidth: g.spatialFrequencies.map(g.cyclesPerImageWidth),
                        phases: g.phases, contrast: g.contrast, imageWidthDegrees: g.imageWidthDegrees, inputNyquistCyclesPerDegree: inputNyquist,
                        medianOrientationSelectivity: osi.isEmpty ? nil : ReceptiveFieldComparison.median(osi),
                        responsiveNeurons: s.filter { $0.peakEvoked > 0 }.count)
    }

    /// tuning.csv (every neuron, orientation and frequency), tuning_summary.csv (per neuron),
    /// tuning.json (the stimulus and population numbers), tuning_curves and tuning_population figures.
    public func write(with writer: PlotWriter, examples: Int = 6) throws {
        let g = tuning.gratings
        var curves = "neuron,neuron_id,orientation_deg,spatial_frequency_cpd,cycles_per_image_width,response,evoked\n"
        for n in 0..<tuning.neurons {
            for (o, orientation) in g.orientations.enumerated() {
                for (f, frequency) in g.spatialFrequencies.enumerated() {
                    let r = tuning.response(neuron: n, orientation: o, spatialFrequency: f)
                    curves += "\(n),\(neuronIDs[n]),\(orientation),\(frequency),\(g.cyclesPerImageWidth(frequency)),\(r),\(r - tuning.blank[n])\n"
                }
            }
        }
        try writer.writeFile(Data(curves.utf8), fileName: "tuning.csv")
        var table = "neuron,neuron_id,preferred_orientation_deg,preferred_sf_cpd,osi,global_osi,blank_response,peak_evoked\n"
        for (n, s) in summaries.enumerated() {
            table += "\(n),\(neuronIDs[n]),\(s.preferredOrientation),\(s.preferredSpatialFrequency),\(s.orientationSelectivity),"
                + "\(s.globalOrientationSelectivity),\(tuning.blank[n]),\(s.peakEvoked)\n"
        }
        try writer.writeFile(Data(table.utf8), fileName: "tuning_summary.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writer.writeFile(try encoder.encode(settings), fileName: "tuning.json")
        try writer.write(curvesFigure(count: examples).svg(), name: "tuning_curves")
        try writer.write(populationFigure().svg(), name: "tuning_population")
        if let highest = g.spatialFrequencies.max(), highest > inputNyquist {
            writer.note(String(format: "gratings above %.3f cycles/degree reach the model's %d-pixel-wide input aliased: read their responses with care",
                               inputNyquist, Int((inputNyquist * 2 * g.imageWidthDegrees).rounded())))
        }
    }

    /// The neurons with the largest evoked responses: per neuron, orientation tuning at the preferred
    /// spatial frequency and spatial-frequency tuning at the preferred orientation.
    func curvesFigure(count: Int) -> Figure {
        let g = tuning.gratings, s = summaries
        let chosen = s.indices.sorted { s[$0].peakEvoked > s[$1].peakEvoked }.prefix(count)
        var panels: [Figure.Panel] = []
        for n in chosen {
            let (o, f) = tuning.preferred(neuron: n)
            let osi = s[n].orientationSelectivity.isFinite ? String(format: "%.2f", s[n].orientationSelectivity) : "-"
            var orientation = Chart(title: "neuron \(n) at \(String(format: "%g", g.spatialFrequencies[f])) cpd (OSI \(osi))",
                                    xLabel: "orientation (°)", yLabel: "evoked response", series: [
                .init(name: "", x: g.orientations, y: tuning.orientationCurve(neuron: n, spatialFrequency: f)),
                .init(name: "", x: g.orientations, y: tuning.orientationCurve(neuron: n, spatialFrequency: f), mark: .points(radius: 3),
                      color: Chart.palette[0]),
            ])
            orientation.xRange = -10...((g.orientations.max() ?? 150) + 10)
            var frequency = Chart(title: "neuron \(n) at \(String(format: "%g", g.orientations[o]))°", xLabel: "spatial frequency (cycles/°)",
                                  yLabel: "evoked response", series: [
                .init(name: "", x: g.spatialFrequencies, y: tuning.frequencyCurve(neuron: n, orientation: o), color: Chart.palette[1]),
                .init(name: "", x: g.spatialFrequencies, y: tuning.frequencyCurve(neuron: n, orientation: o), mark: .points(radius: 3),
                      color: Chart.palette[1]),
            ])
            frequency.xScale = .logarithmic
            panels += [.chart(orientation), .chart(frequency)]
        }
        return Figure(title: "\(recording): tuning to static gratings of the \(chosen.count) most responsive neurons (evoked = minus the blank screen's response)",
                      columns: 4, panels: panels, panelWidth: 340, panelHeight: 250)
    }

    /// Preferred orientations and orientation selectivity across the population.
    func populationFigure() -> Figure {
        let g = tuning.gratings, s = summaries.filter { $0.peakEvoked > 0 }
        let preferred = g.orientations.map { angle in Double(s.filter { $0.preferredOrientation == angle }.count) }
        let step = g.orientations.count > 1 ? (g.orientations[1] - g.orientations[0]) : 30
        // An OSI of exactly 1 (no response at the orthogonal orientation) belongs to the last bin.
        let (centres, counts) = NeuronPlots.histogram(s.map { min($0.orientationSelectivity, 0.999_999) }.filter(\.isFinite), width: 0.1)
        var orientations = Chart(title: "Preferred orientation", xLabel: "orientation (°)", yLabel: "neurons",
                                 series: [.init(name: "neurons", x: g.orientations, y: preferred, mark: .bars(width: step * 0.8))])
        orientations.xRange = ((g.orientations.min() ?? 0) - step / 2)...((g.orientations.max() ?? 150) + step / 2)
        return Figure(title: "\(recording): \(s.count) of \(tuning.neurons) neurons respond to some grating", columns: 2, panels: [
            .chart(orientations),
            .chart(Chart(title: "Orientation selectivity (OSI)", xLabel: "OSI", yLabel: "neurons",
                         series: [.init(name: "neurons", x: centres, y: counts, mark: .bars(width: 0.1))])),
        ], panelWidth: 420, panelHeight: 300)
    }
}
