import Foundation
import XCTest
@testable import Results

final class TuningTests: XCTestCase {
    func testGratingsFollowTheDocumentedGeometry() {
        var gratings = StaticGratings()
        gratings.imageWidthDegrees = 100
        let (height, width) = (72, 128)
        let condition = StaticGratings.Condition(orientation: 0, spatialFrequency: 0.08, phase: 0.25)
        let vertical = gratings.image(condition, height: height, width: width, gray: 127)
        // 0°: vertical bars, every row alike; value at each column as the formula gives it.
        for row in 1..<height { XCTAssertEqual(Array(vertical[(row * width)..<((row + 1) * width)]), Array(vertical[0..<width])) }
        for column in 0..<width {
            let degrees = (Double(column) + 0.5 - 64) * 100 / 128
            let expected = 127 + 0.8 * 127 * cos(2 * Double.pi * (0.08 * degrees + 0.25))
            XCTAssertEqual(Double(vertical[column]), expected.rounded(), accuracy: 0.5)
        }
        // 90°: horizontal bars, every column alike, brightening upwards from the centre at phase 0.
        let horizontal = gratings.image(.init(orientation: 90, spatialFrequency: 0.02, phase: 0), height: height, width: width, gray: 127)
        for row in 0..<height { XCTAssertEqual(Set(horizontal[(row * width)..<((row + 1) * width)]).count, 1) }
        XCTAssertEqual(gratings.cyclesPerImageWidth(0.08), 8, accuracy: 1e-12)
        // 45°: constant along the down-right diagonal's perpendicular, i.e. x + y (y up) constant.
        let oblique = gratings.image(.init(orientation: 45, spatialFrequency: 0.04, phase: 0), height: height, width: width, gray: 127)
        XCTAssertEqual(oblique[10 * width + 20], oblique[11 * width + 21], "one pixel right and one down stays on the same bar")
        XCTAssertEqual(gratings.conditions.count, 6 * 5 * 4)
        XCTAssertEqual(gratings.conditions[4], .init(orientation: 0, spatialFrequency: 0.04, phase: 0))
    }

    /// Responses built from known tuning: the summary recovers the preference, the OSI and the global
    /// OSI computed here by hand.
    func testTuningSummaryOfKnownCurves() {
        let gratings = StaticGratings()
        let conditions = gratings.conditions
        func gain(_ orientation: Double, preferred: Double) -> Double {
            let d = min(abs(orientation - preferred).truncatingRemainder(dividingBy: 180), 180 - abs(orientation - preferred).truncatingRemainder(dividingBy: 180))
            return exp(-d * d / (2 * 25 * 25))
        }
        let preferences: [(orientation: Double, frequency: Double)] = [(60, 0.08), (150, 0.02)]
        var responses: [Float] = []
        for condition in conditions {
            for p in preferences {
                let tuning = gain(condition.orientation, preferred: p.orientation) * exp(-pow(log2(condition.spatialFrequency / p.frequency), 2) / 2)
                responses.append(Float(0.5 + 2 * tuning + 0.1 * cos(2 * Double.pi * condition.phase)))  // the phase averages out
            }
        }
        let tuning = GratingTuning(gratings: gratings, neurons: 2, conditionResponses: responses, blankResponses: [0.5, 0.5])
        for (n, p) in preferences.enumerated() {
            let summary = tuning.summary(neuron: n)
            XCTAssertEqual(summary.preferredOrientation, p.orientation)
            XCTAssertEqual(summary.preferredSpatialFrequency, p.frequency)
            XCTAssertEqual(summary.peakEvoked, 2, accuracy: 1e-6)
            let orth = 2 * gain(p.orientation + 90, preferred: p.orientation)
            XCTAssertEqual(summary.orientationSelectivity, (2 - orth) / (2 + orth), accuracy: 1e-6)
            let curve = gratings.orientations.map { 2 * gain($0, preferred: p.orientation) }
            let vector = zip(gratings.orientations, curve).reduce((0.0, 0.0)) {
                ($0.0 + $1.1 * cos(2 * $1.0 * .pi / 180), $0.1 + $1.1 * sin(2 * $1.0 * .pi / 180))
            }
            XCTAssertEqual(summary.globalOrientationSelectivity, hypot(vector.0, vector.1) / curve.reduce(0, +), accuracy: 1e-6)
        }
    }

    func testTuningCommandWritesCurvesSummaryAndFigures() throws {
        try TrainedRun.shared.require()
        let result = try ResultsCommandRunner.run(["tuning", TrainedRun.shared.run, "--examples", "4"])
        XCTAssertTrue(result.output.contains("cycles per image width"), result.output)
        XCTAssertTrue(result.output.contains("reach the model's 64-pixel-wide input aliased"), result.output)
        let folder = URL(fileURLWithPath: TrainedRun.shared.run).appendingPathComponent("tuning")
        let curves = try String(contentsOf: folder.appendingPathComponent("tuning.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(curves.count, 1 + 16 * 6 * 5)
        let summary = try String(contentsOf: folder.appendingPathComponent("tuning_summary.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(summary.count, 1 + 16)
        let settings = try JSONDecoder().decode(TuningReport.Settings.self, from: Data(contentsOf: folder.appendingPathComponent("tuning.json")))
        XCTAssertEqual(settings.cyclesPerImageWidth, StaticGratings.allenSpatialFrequencies.map { $0 * 102 })
        let figure = try SVGInspector.parse(file: folder.appendingPathComponent("tuning_curves.svg"))
        let lines = figure.elements.filter { $0.name == "polyline" }
        XCTAssertEqual(lines.count, 8, "orientation and frequency curves of 4 neurons")
        XCTAssertEqual(lines.map { $0.attributes["data-points"]! }, Array(repeating: ["6", "5"], count: 4).flatMap { $0 })
        let population = try SVGInspector.parse(file: folder.appendingPathComponent("tuning_population.svg"))
        XCTAssertEqual(population.elements("rect", inSeries: "neurons").count > 6, true)
    }
}
