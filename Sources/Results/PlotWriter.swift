import Foundation
import Training

/// Writes figures into a folder as SVG, or as PNG through `rsvg-convert` when it is installed
/// (librsvg2-bin): charts are vector drawings, and turning them into pixels needs a renderer this
/// project does not ship. Without one, PNG requests fall back to SVG and say so once.
public final class PlotWriter {
    public enum Format: String, CaseIterable, Sendable {
        case svg, png
    }

    public let directory: URL
    public let format: Format
    /// Pixels per inch of PNGs: 96 draws one pixel per SVG unit.
    public let dpi: Int
    /// Every file written, in order.
    public private(set) var written: [URL] = []
    /// Things a person should know (a fallback, a skipped plot).
    public private(set) var notes: [String] = []
    private let renderer: URL?

    /// - searchPath: where to look for rsvg-convert (the PATH variable's value).
    public init(directory: URL, format: Format = .svg, dpi: Int = 150,
                searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "") throws {
        self.directory = directory
        self.format = format
        self.dpi = dpi
        renderer = format == .png ? Self.find("rsvg-convert", in: searchPath) : nil
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if format == .png && renderer == nil {
            notes.append("PNG charts need rsvg-convert (apt-get install librsvg2-bin); wrote SVG instead")
        }
    }

    /// Writes `svg` as `<name>.svg`, or `<name>.png` when PNG output is possible.
    @discardableResult
    public func write(_ svg: String, name: String) throws -> URL {
        let svgURL = directory.appendingPathComponent("\(name).svg")
        guard let renderer else {
            try RunDirectory.writeAtomically(Data(svg.utf8), to: svgURL)
            written.append(svgURL)
            return svgURL
        }
        let pngURL = directory.appendingPathComponent("\(name).png")
        let scratch = directory.appendingPathComponent(".\(name).\(getpid()).svg")
        let partial = directory.appendingPathComponent(".\(name).\(getpid()).png")
        defer {
            try? FileManager.default.removeItem(at: scratch)
            try? FileManager.default.removeItem(at: partial)
        }
        try Data(svg.utf8).write(to: scratch)
        let process = Process()
        process.executableURL = renderer
        process.arguments = ["--zoom", String(Double(dpi) / 96), "--format", "png", "--output", partial.path, scratch.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RunError("rsvg-convert could not render \(name): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard rename(partial.path, pngURL.path) == 0 else { throw RunError("cannot write \(pngURL.path): \(String(cString: strerror(errno)))") }
        written.append(pngURL)
        return pngURL
    }

    /// Writes raw bytes (a PNG heat map, a CSV) under `fileName`.
    @discardableResult
    public func writeFile(_ data: Data, fileName: String) throws -> URL {
        let url = directory.appendingPathComponent(fileName)
        try RunDirectory.writeAtomically(data, to: url)
        written.append(url)
        return url
    }

    public func note(_ text: String) { notes.append(text) }

    static func find(_ program: String, in searchPath: String) -> URL? {
        for folder in searchPath.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
