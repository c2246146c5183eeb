import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of an SVG, each with the `data-series` of the innermost group around it; parsing
/// fails on malformed XML.
final class SVGInspector: NSObject, XMLParserDelegate {
    struct Element {
        let name: String
        let attributes: [String: String]
        /// The data-series of the element itself, or else of the innermost enclosing group.
        let series: String?
    }

    private(set) var elements: [Element] = []
    private(set) var texts: [String] = []
    private var groups: [String?] = []

    static func parse(_ svg: String) throws -> SVGInspector {
        let inspector = SVGInspector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = inspector
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "svg", code: 1) }
        return inspector
    }

    static func parse(file url: URL) throws -> SVGInspector {
        try parse(String(contentsOf: url, encoding: .utf8))
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        let enclosing = groups.last(where: { $0 != nil }) ?? nil
        elements.append(Element(name: name, attributes: attributes, series: attributes["data-series"] ?? enclosing))
        if name == "g" { groups.append(attributes["data-series"]) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { groups.removeLast() }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }

    /// Elements named `name` that belong to series `series`.
    func elements(_ name: String, inSeries series: String) -> [Element] {
        elements.filter { $0.name == name && $0.series == series }
    }

    var text: String { texts.joined(separator: " ") }
}
