import Foundation
import XCTest
@testable import Results

/// The plots of a real (tiny) training run, written by `train --save-plots` and `plot`, parsed back.
final class RunPlotsTests: XCTestCase {
    private var plots: URL { URL(fileURLWithPath: TrainedRun.shared.run).appendingPathComponent("plots") }

    private func svg(_ name: String) throws -> SVGInspector {
        try SVGInspector.parse(file: plots.appendingPathComponent(name))
    }

    /// Test-tier rows of evaluation_neurons.csv: (single-trial correlation, correlation to average, oracle).
    private func testScores() throws -> [(singleTrial: Double, toAverage: Double, oracle: Double)] {
        let csv = try String(contentsOf: URL(fileURLWithPath: TrainedRun.shared.run).appendingPathComponent("evaluation_neurons.csv"), encoding: .utf8)
        let rows: [[String]] = csv.split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return rows.filter { $0[1] == "test" }.map { fields -> (Double, Double, Double) in
            (Double(fields[4]) ?? .nan, Double(fields[5]) ?? .nan, Double(fields[8]) ?? .nan)
        }
    }

    func testTrainSavePlotsWritesEveryPlotWithItsSeries() throws {
        try TrainedRun.shared.require()
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: plots.path))
        XCTAssertEqual(files, ["learning_curves.svg", "test_correlation_histogram.svg", "test_correlation_vs_oracle.svg",
                               "example_neurons.svg", "readout_positions.svg", "attention_rollout.svg"])
        XCTAssertTrue(TrainedRun.shared.trainingOutput.contains("no scaling plot"), TrainedRun.shared.trainingOutput)

        // Learning curves: one point per epoch in every curve.
        let curves = try svg("learning_curves.svg")
        let lines = curves.elements.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.count, 4, "training loss, validation loss, validation correlation, learning rate")
        XCTAssertTrue(lines.allSatisfy { $0.attributes["data-points"] == "3" }, "\(lines.map(\.attributes))")
        XCTAssertEqual(curves.elements("polyline", inSeries: "validation").count, 2)

        // Histogram: one bar per 0.05 bin, bar heights proportional to the neuron counts from the CSV.
        let scores = try testScores()
        XCTAssertEqual(scores.count, 16)
        let correlations = scores.map(\.singleTrial).filter(\.isFinite)
        let first = Int((correlations.min()! / 0.05).rounded(.down)), last = Int((correlations.max()! / 0.05).rounded(.down))
        var counts = [Double](repeating: 0, count: last - first + 1)
        for value in correlations { counts[Int((value / 0.05).rounded(.down)) - first] += 1 }
        let bars = try svg("test_correlation_histogram.svg").elements("rect", inSeries: "neurons")
        XCTAssertEqual(bars.count, counts.count, "one bar per bin")
        let heights = bars.map { Double($0.attributes["height"]!)! }
        for (height, count) in zip(heights, counts) {
            XCTAssertEqual(height / heights.max()!, count / counts.max()!, accuracy: 0.01)
        }

        // Scatter against the noise ceiling: a point per neuron with both numbers, and the identity line.
        let scatter = try svg("test_correlation_vs_oracle.svg")
        XCTAssertEqual(scatter.elements("circle", inSeries: "neurons").count, scores.filter { $0.singleTrial.isFinite && $0.oracle.isFinite }.count)
        XCTAssertEqual(scatter.elements.filter { $0.name == "line" && $0.attributes["stroke-dasharray"] != nil }.count, 1)

        // Example neurons: one panel per neuron, each with a point per test image (3 here).
        let examples = try svg("example_neurons.svg")
        let panels = min(6, scores.filter { $0.toAverage.isFinite }.count)
        XCTAssertEqual(examples.elements("polygon", inSeries: "SD over repeats").count, panels)
        let recorded = examples.elements("polyline", inSeries: "recorded")
        XCTAssertEqual(recorded.count, panels)
        XCTAssertTrue(recorded.allSatisfy { $0.attributes["data-points"] == "3" })
        XCTAssertEqual(examples.elements("polyline", inSeries: "predicted").count, panels)

        // Readout positions: cortex, learned positions and (simulated) true centres, the same colour per neuron.
        let readout = try svg("readout_positions.svg").elements("circle", inSeries: "neurons")
        XCTAssertEqual(readout.count, 3 * 16)
        let colours = readout.map { $0.attributes["fill"]! }
        XCTAssertEqual(Array(colours[0..<16]), Array(colours[16..<32]))
        XCTAssertEqual(Array(colours[0..<16]), Array(colours[32..<48]))
        XCTAssertGreaterThan(Set(colours[0..<16]).count, 8, "neurons are told apart by colour")

        // Attention: a background image and a heat map per test image.
        let attention = try svg("attention_rollout.svg")
        let images = attention.elements.filter { $0.name == "image" }
        XCTAssertEqual(images.filter { $0.series == "background" }.count, 3)
        XCTAssertEqual(images.filter { $0.series?.hasPrefix("test image") == true }.count, 3)
    }

    func testPlotDrawsTheScalingTableAndRendersPNG() throws {
        try TrainedRun.shared.require()
        let copy = URL(fileURLWithPath: TrainedRun.shared.directory.path).appendingPathComponent("scaling-run")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: TrainedRun.shared.run), to: copy)
        try FileManager.default.removeItem(at: copy.appendingPathComponent("plots"))
        let table = "ranks,samples_per_second,efficiency,machine\n1,100,1,a\n2,190,0.95,a\n4,350,0.875,a\n1,80,1,b\n2,150,0.94,b\n"
        try table.write(to: copy.appendingPathComponent("scaling.csv"), atomically: true, encoding: .utf8)

        let result = try ResultsCommandRunner.run(["plot", copy.path])
        XCTAssertFalse(result.output.contains("no scaling plot"), result.output)
        let scaling = try SVGInspector.parse(file: copy.appendingPathComponent("plots/scaling.svg"))
        // Two numeric columns against ranks -> two panels, a line per machine in each.
        XCTAssertEqual(scaling.elements("polyline", inSeries: "a").count, 2)
        XCTAssertEqual(scaling.elements("polyline", inSeries: "b").count, 2)
        XCTAssertEqual(scaling.elements("polyline", inSeries: "a").map { $0.attributes["data-points"] }, ["3", "3"])
        XCTAssertTrue(scaling.text.contains("samples_per_second"))

        let png = try ResultsCommandRunner.run(["plot", copy.path, "--format", "png", "--dpi", "192"])
        guard PlotWriter.find("rsvg-convert", in: ProcessInfo.processInfo.environment["PATH"] ?? "") != nil else {
            XCTAssertTrue(png.output.contains("PNG charts need rsvg-convert (apt-get install librsvg2-bin); wrote SVG instead"), png.output)
            return
        }
        let image = try Data(contentsOf: copy.appendingPathComponent("plots/learning_curves.png"))
        XCTAssertEqual(Array(image.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = image[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let svgWidth = Int(try SVGInspector.parse(file: copy.appendingPathComponent("plots/learning_curves.svg")).elements[0].attributes["width"]!)!
        XCTAssertEqual(width, 2 * svgWidth, "192 dpi is twice the SVG's 96")
    }

    /// Without rsvg-convert on the search path, PNG requests write SVG and say what to install.
    func testPNGWithoutRendererFallsBackToSVGWithANote() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vita-plots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try PlotWriter(directory: folder, format: .png, dpi: 150, searchPath: "/nonexistent:/also-not-here")
        let url = try writer.write("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>", name: "chart")
        XCTAssertEqual(url.lastPathComponent, "chart.svg")
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(writer.notes, ["PNG charts need rsvg-convert (apt-get install librsvg2-bin); wrote SVG instead"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["chart.svg"], "no temporary files left")
    }

    func testPlotRefusesWhatIsNotARun() throws {
        let missing = try ResultsCommandRunner.run(["plot", "/nonexistent/run"], expectSuccess: false)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("/nonexistent/run does not exist: give the --output-dir of a `v1t-dist train` run"), missing.output)
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vita-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let notRun = try ResultsCommandRunner.run(["plot", empty.path], expectSuccess: false)
        XCTAssertTrue(notRun.output.contains("is not a run directory (no config.json)"), notRun.output)
    }
}
