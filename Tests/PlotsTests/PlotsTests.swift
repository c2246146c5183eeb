import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Plots

/// Collects the elements of an SVG and fails on malformed XML.
private final class SVGInspector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []

    static func parse(_ svg: String) throws -> SVGInspector {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "svg", code: 1) }
        return inspector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }

    func series(_ name: String) -> [(name: String, attributes: [String: String])] {
        elements.filter { $0.attributes["data-series"] == name }
    }
}

final class PlotsTests: XCTestCase {
    func testLineChartHasOnePointPerEpochAndIsValidSVG() throws {
        let epochs = (1...12).map(Double.init)
        var chart = Chart(title: "Validation correlation", xLabel: "epoch", yLabel: "correlation")
        chart.series = [
            .init(name: "validation", x: epochs, y: epochs.map { 0.3 * (1 - exp(-$0 / 4)) }),
            .init(name: "train", x: epochs, y: epochs.map { 0.35 * (1 - exp(-$0 / 3)) }),
        ]
        let svg = try SVGInspector.parse(chart.svg())
        let line = try XCTUnwrap(svg.series("validation").first)
        XCTAssertEqual(line.name, "polyline")
        XCTAssertEqual(line.attributes["data-points"], "12")
        XCTAssertEqual(line.attributes["points"]?.split(separator: " ").count, 12)
        XCTAssertTrue(svg.texts.contains("Validation correlation"))
        XCTAssertTrue(svg.texts.contains("epoch"))
    }

    func testPointsAndBarsDrawOneShapePerValue() throws {
        var scatter = Chart(title: "ceiling", xLabel: "noise ceiling", yLabel: "test correlation")
        scatter.series = [.init(name: "neurons", x: [0.1, 0.2, 0.5], y: [0.05, 0.1, 0.4], mark: .points())]
        scatter.showsIdentityLine = true
        let scatterSVG = try SVGInspector.parse(scatter.svg())
        let circles = scatterSVG.elements.filter { $0.name == "circle" }
        XCTAssertEqual(circles.count, 3)

        var histogram = Chart(title: "h", xLabel: "x", yLabel: "count")
        histogram.series = [.init(name: "bins", x: [0.05, 0.15, 0.25, 0.35], y: [1, 4, 2, 0], mark: .bars(width: 0.1))]
        let histogramSVG = try SVGInspector.parse(histogram.svg())
        let barRects = histogramSVG.elements.drop { $0.attributes["data-series"] != "bins" }.dropFirst().prefix { $0.name == "rect" }
        XCTAssertEqual(barRects.count, 4)
    }

    func testPointColoursInvertedYAndALegendAboveThePlot() throws {
        var chart = Chart(title: "positions", xLabel: "x", yLabel: "y")
        chart.series = [
            .init(name: "neurons", x: [0, 1], y: [0, 1], mark: .points(), pointColors: ["#111111", "#222222"]),
            .init(name: "other", x: [0, 1], y: [1, 0]),
        ]
        chart.invertsY = true
        let svg = try SVGInspector.parse(chart.svg())
        let circles = svg.elements.filter { $0.name == "circle" }
        XCTAssertEqual(circles.map { $0.attributes["fill"] }, ["#111111", "#222222"])
        // y = 0 is drawn at the top when inverted.
        XCTAssertLessThan(Double(circles[0].attributes["cy"]!)!, Double(circles[1].attributes["cy"]!)!)
        // The legend's swatches sit above the plot frame, never over the data.
        let frame = svg.elements.first { $0.name == "rect" && $0.attributes["stroke"] == "#444" }!
        let swatches = svg.elements.filter { $0.name == "rect" && $0.attributes["width"] == "10" }
        XCTAssertEqual(swatches.count, 2)
        XCTAssertTrue(swatches.allSatisfy { Double($0.attributes["y"]!)! + 10 <= Double(frame.attributes["y"]!)! })
    }

    func testNiceTicks() {
        let axis = Axis(values: [0.013, 0.41], fixed: nil, scale: .linear)
        XCTAssertEqual(axis.ticks, [0, 0.1, 0.2, 0.3, 0.4, 0.5].map { $0 }, accuracy: 1e-12)
        let log = Axis(values: [1, 3, 8], fixed: nil, scale: .logarithmic)
        XCTAssertEqual(log.ticks, [1, 10])
    }

    func testFigureComposesPanelsAndHeatmapsEmbedPNG() throws {
        var heatmap = Heatmap(title: "attention", values: (0..<12).map(Double.init), rows: 3, columns: 4)
        heatmap.background = (pixels: Array(repeating: 128, count: 12), rows: 3, columns: 4)
        heatmap.markers = [(x: 1, y: 1, label: "centre")]
        let figure = Figure(title: "examples", columns: 2, panels: [
            .heatmap(heatmap),
            .chart(Chart(title: "neuron 3", xLabel: "image", yLabel: "response", series: [.init(name: "recorded", x: [0, 1], y: [1, 2])])),
        ])
        let svg = try SVGInspector.parse(figure.svg())
        let images = svg.elements.filter { $0.name == "image" }
        XCTAssertEqual(images.count, 2, "background and heat map")
        XCTAssertTrue(images.allSatisfy { $0.attributes["href"]?.hasPrefix("data:image/png;base64,") == true })
        XCTAssertEqual(svg.series("recorded").count, 1)
    }

    func testPNGChecksumsAndPixelsDecode() throws {
        XCTAssertEqual(PNG.crc32(Array("IEND".utf8)), 0xAE42_6082)
        XCTAssertEqual(PNG.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
        let png = PNG.encodeGray([0, 50, 100, 150, 200, 250], width: 3, height: 2)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks, checking every CRC, and inflate the stored IDAT by hand.
        var offset = 8, idat = Data()
        while offset < png.count {
            let length = Int(png[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) })
            let typed = png[(offset + 4)..<(offset + 8 + length)]
            let crc = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(0) { $0 << 8 | UInt32($1) }
            XCTAssertEqual(PNG.crc32(typed), crc)
            if String(decoding: typed.prefix(4), as: UTF8.self) == "IDAT" { idat = Data(typed.dropFirst(4)) }
            offset += 12 + length
        }
        let stored = Array(idat.dropFirst(2).dropFirst(5).dropLast(4))
        XCTAssertEqual(stored, [0, 0, 0, 0, 50, 50, 50, 100, 100, 100, 0, 150, 150, 150, 200, 200, 200, 250, 250, 250])
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
