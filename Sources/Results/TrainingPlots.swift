import Foundation
import Plots
import Training

/// Plots of how training went: the learning curves from metrics.csv, and the scaling experiment's
/// results when a scaling.csv is present.
enum TrainingPlots {
    /// Four panels, one point per epoch: training loss, validation loss, validation correlation
    /// (the early-stopping criterion, best epoch marked) and both learning rates (log scale).
    static func learningCurves(_ rows: [EpochMetrics]) -> Figure {
        let epochs = rows.map { Double($0.epoch) }
        func chart(_ title: String, _ yLabel: String, _ series: [Chart.Series]) -> Chart {
            var chart = Chart(title: title, xLabel: "epoch", yLabel: yLabel, series: series)
            chart.xRange = 0.5...(Double(rows.map(\.epoch).max() ?? 1) + 0.5)
            return chart
        }
        let training = chart("Training loss", "loss", [.init(name: "train", x: epochs, y: rows.map(\.trainLoss))])
        let validationLoss = chart("Validation loss", "loss", [.init(name: "validation", x: epochs, y: rows.map(\.validationLoss), color: Chart.palette[1])])
        var correlation = chart("Validation correlation", "single-trial correlation",
                                [.init(name: "validation", x: epochs, y: rows.map(\.validationCorrelation), color: Chart.palette[2])])
        if let best = rows.filter({ $0.validationCorrelation.isFinite }).max(by: { $0.validationCorrelation < $1.validationCorrelation }) {
            correlation.series.append(.init(name: "best (epoch \(best.epoch))", x: [Double(best.epoch)], y: [best.validationCorrelation],
                                            mark: .points(radius: 5), color: "#d62728"))
        }
        let sameRates = rows.allSatisfy { $0.coreLearningRate == $0.readoutLearningRate }
        var rates = chart("Learning rates", "learning rate", sameRates
            ? [.init(name: "core and readout", x: epochs, y: rows.map(\.coreLearningRate))]
            : [.init(name: "core", x: epochs, y: rows.map(\.coreLearningRate)),
               .init(name: "readout", x: epochs, y: rows.map(\.readoutLearningRate), color: Chart.palette[3])])
        if sameRates { rates.title = "Learning rate (core and readout)" }
        rates.yScale = .logarithmic
        var panels: [Chart] = [training, validationLoss, correlation, rates]
        if rows.count == 1 {
            // A single epoch draws no line: show its point.
            panels = panels.map { chart in
                var chart = chart
                chart.series = chart.series.map { var s = $0; s.mark = .points(radius: 4); return s }
                return chart
            }
        }
        return Figure(title: "Learning curves (\(rows.count) epoch\(rows.count == 1 ? "" : "s"))", columns: 2,
                      panels: panels.map { .chart($0) }, panelWidth: 420, panelHeight: 300)
    }

    /// The scaling experiment's table, drawn without assuming its exact columns: x is the `ranks`
    /// column (or the first), every other numeric column gets a panel, and a text column, if any,
    /// splits the rows into series (e.g. one line per configuration).
    static func scaling(csv: String, source: String) throws -> Figure {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        } }
        guard let header = lines.first, lines.count >= 2 else { throw RunError("\(source) has no data rows") }
        let rows = lines.dropFirst().filter { $0.count == header.count }
        guard !rows.isEmpty else { throw RunError("\(source): no row has the header's \(header.count) columns") }
        let numeric = header.indices.filter { column in rows.allSatisfy { Double($0[column]) != nil } }
        let xColumn = header.firstIndex(where: { $0.lowercased() == "ranks" }).flatMap { numeric.contains($0) ? $0 : nil } ?? numeric.first
        guard let xColumn else { throw RunError("\(source) has no numeric column to plot against") }
        let group = header.indices.first { !numeric.contains($0) }
        let groups = group.map { g in Array(Set(rows.map { $0[g] })).sorted() } ?? [""]
        let panels = numeric.filter { $0 != xColumn }.map { column -> Figure.Panel in
            let series = groups.enumerated().map { index, name -> Chart.Series in
                let members = rows.filter { group == nil || $0[group!] == name }.sorted { Double($0[xColumn])! < Double($1[xColumn])! }
                return Chart.Series(name: name, x: members.map { Double($0[xColumn])! }, y: members.map { Double($0[column])! },
                                    mark: .line, color: Chart.palette[index % Chart.palette.count])
            }
            let points = series.map { var s = $0; s.mark = .points(radius: 3); s.name = ""; return s }
            return .chart(Chart(title: header[column], xLabel: header[xColumn], yLabel: header[column], series: series + points))
        }
        guard !panels.isEmpty else { throw RunError("\(source) has only one numeric column") }
        return Figure(title: "Scaling (\(source.split(separator: "/").last ?? ""))", columns: min(panels.count, 2), panels: panels,
                      panelWidth: 420, panelHeight: 300)
    }
}
