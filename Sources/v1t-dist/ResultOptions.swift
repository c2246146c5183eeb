import ArgumentParser
import Foundation
import Results
import Training

// Options and arguments shared by the commands that read a finished run: plot, predict,
// receptive-fields, tuning (and train --save-plots).

extension PlotWriter.Format: ExpressibleByArgument {}

/// How plots are written; shared by `plot` and `train --save-plots`.
struct PlotFormatOptions: ParsableArguments {
    @Option(help: "svg, or png (needs rsvg-convert from librsvg2-bin; without it SVG is written and a note says so).")
    var format: PlotWriter.Format = .svg

    @Option(help: "Pixels per inch of PNG plots (96: one pixel per SVG unit).")
    var dpi = 150

    func validate() throws {
        guard (24...1200).contains(dpi) else { throw ValidationError("--dpi must be between 24 and 1200, got \(dpi)") }
    }

    func writer(for run: RunDirectory) throws -> PlotWriter {
        try PlotWriter(directory: run.plots, format: format, dpi: dpi)
    }
}

/// The run-directory argument the result commands share.
enum RunArgument {
    static func validate(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(path) does not exist: give the --output-dir of a `v1t-dist train` run")
        }
        guard FileManager.default.fileExists(atPath: RunDirectory(path).configuration.path) else {
            throw ValidationError("\(path) is not a run directory (no config.json): give the --output-dir of `v1t-dist train`")
        }
        guard FileManager.default.fileExists(atPath: RunDirectory(path).bestParameters.path) else {
            throw ValidationError("\(path) has no best.safetensors yet: the run has not finished an epoch")
        }
    }

    static func report(_ writer: PlotWriter) {
        for url in writer.written { print("wrote \(url.path)") }
        for note in writer.notes { print("note: \(note)") }
    }
}

/// Behaviour values of the result commands, in the recording's raw units.
struct BehaviourOptions: ParsableArguments {
    @Option(name: .customLong("running-speed"), parsing: .unconditional, help: "Running speed, in the recording's units (cm/s for Allen).")
    var runningSpeed: Float?

    @Option(name: .customLong("pupil-size"), parsing: .unconditional, help: "Pupil size, in the recording's units.")
    var pupilSize: Float?

    @Option(name: .customLong("pupil-dilation-derivative"), parsing: .unconditional, help: "Rate of change of the pupil size, in the recording's units.")
    var pupilDilationDerivative: Float?

    @Option(name: .customLong("pupil-x"), parsing: .unconditional, help: "Pupil centre x, in the recording's units.")
    var pupilX: Float?

    @Option(name: .customLong("pupil-y"), parsing: .unconditional, help: "Pupil centre y, in the recording's units.")
    var pupilY: Float?

    var setting: BehaviourSetting {
        BehaviourSetting(pupilSize: pupilSize, pupilSizeDerivative: pupilDilationDerivative, runningSpeed: runningSpeed, pupilX: pupilX, pupilY: pupilY)
    }
}

/// The --mouse option of the result commands: a recording index or name.
enum MouseArgument {
    static func resolve(_ value: String, in loaded: LoadedRun) throws -> Int {
        let names = loaded.mice.map(\.name)
        let listing = names.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ")
        if let index = Int(value) {
            guard names.indices.contains(index) else {
                throw RunError("--mouse \(value): the run has \(names.count) recording(s) (\(listing)); give an index from 0 to \(names.count - 1) or a name")
            }
            return index
        }
        guard let index = names.firstIndex(of: value) else {
            throw RunError("--mouse \(value): no recording has that name (\(listing))")
        }
        return index
    }
}
