import Foundation
import Plots
import Training
import V1TModel

/// Writes every plot of a finished run into `RUN_DIR/plots/` (docs/tutorial.md shows how to read
/// them). One file per plot; with several recordings, the per-recording plots carry the
/// recording's name.
public struct RunPlots {
    public var exampleNeurons = 6
    public var attentionImages = 6
    /// The scaling experiment's table; by default `scaling.csv` in the run directory, if present.
    public var scalingTable: URL?

    public init() {}

    public func write(run: RunDirectory, model: V1T, mice: [MouseData], test: [TestTierResult?], writer: PlotWriter) throws {
        let metricsText = try? String(contentsOf: run.metrics, encoding: .utf8)
        if let metricsText {
            let rows = try EpochMetrics.parse(csv: metricsText, source: run.metrics.path)
            if rows.isEmpty {
                writer.note("no learning curves: \(run.metrics.path) has no epochs yet")
            } else {
                try writer.write(TrainingPlots.learningCurves(rows).svg(), name: "learning_curves")
            }
        } else {
            writer.note("no learning curves: \(run.metrics.path) is missing")
        }

        for (mouse, data) in mice.enumerated() {
            let suffix = mice.count > 1 ? "_" + Self.fileSafe(data.name) : ""
            if let result = test[mouse] {
                try writer.write(NeuronPlots.correlationHistogram(result, recording: data.name).svg(), name: "test_correlation_histogram" + suffix)
                try writer.write(NeuronPlots.oracleScatter(result, recording: data.name).svg(), name: "test_correlation_vs_oracle" + suffix)
                let examples = NeuronPlots.exampleNeurons(result, count: exampleNeurons)
                try writer.write(NeuronPlots.exampleResponses(result, neurons: examples, recording: data.name).svg(), name: "example_neurons" + suffix)
            } else {
                writer.note("\(data.name) has no test trials: no per-neuron test plots")
            }
            try writer.write(ReadoutPlot.figure(model: model, mouse: mouse, recording: data.recording).svg(), name: "readout_positions" + suffix)
            if model.vitCore == nil {
                if mouse == 0 { writer.note("no attention rollout: the \(model.configuration.core.kind.rawValue) core has no attention") }
            } else if let attention = AttentionPlot.figure(model: model, mouse: mouse, data: data, count: attentionImages) {
                try writer.write(attention.svg(), name: "attention_rollout" + suffix)
            }
        }

        let scaling = scalingTable ?? run.url.appendingPathComponent("scaling.csv")
        if let text = try? String(contentsOf: scaling, encoding: .utf8) {
            try writer.write(TrainingPlots.scaling(csv: text, source: scaling.path).svg(), name: "scaling")
        } else if scalingTable != nil {
            throw RunError("\(scaling.path) cannot be read: give the CSV the scaling experiment wrote")
        } else {
            writer.note("no scaling plot: \(scaling.path) is not there (the scaling experiment writes it)")
        }
    }

    static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}
