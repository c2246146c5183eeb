import ArgumentParser
import Foundation
import Results
import Training

struct ReceptiveFields: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receptive-fields",
        abstract: "Map every neuron's spatial receptive field through a trained model with sparse noise.",
        discussion: """
        Shows the model white and black squares on the screen's gray, on a grid over the stored image, \
        and correlates each neuron's predicted response with where the squares were (forward passes \
        only). With --squares-per-frame 1 (default) every cell is shown once in each polarity; with more, \
        random locally sparse frames (--frames). Each field is fitted from its |on| + |off| map: centre \
        = centroid of the half-maximum region around the peak (fractions of image width and height from \
        the top-left), size = σ of the Gaussian with that area (fraction of image width), strength = \
        peak over the map's robust spread. On a simulated recording the centres are compared with the \
        true ones (median error in image widths, next to the error of guessing the population's centre).

        Writes into --out: receptive_fields.csv (per neuron), receptive_fields.json (summary), \
        receptive_fields.npy ([neurons, 2 (on, off), rows, columns]), receptive_fields.png (every map) \
        and receptive_fields.svg (the clearest fields with fitted and true centres).

        Example: v1t-dist receptive-fields runs/demo
        """
    )

    @Argument(help: ArgumentHelp("A run directory written by `v1t-dist train`.", valueName: "run-dir"))
    var runDirectory: String

    @Option(help: ArgumentHelp("Output folder (default: RUN_DIR/receptive-fields).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Which recording: its index or its name.", valueName: "index-or-name"))
    var mouse = "0"

    @Option(help: ArgumentHelp("Cells of the sparse-noise grid, ROWSxCOLUMNS (default: half the model input's resolution).", valueName: "rows-x-columns"))
    var grid: String?

    @Option(name: .customLong("squares-per-frame"), help: "Squares in each frame: 1 maps every cell and polarity once; more makes random locally sparse frames.")
    var squaresPerFrame = 1

    @Option(help: "Frames of random sparse noise (with --squares-per-frame above 1).")
    var frames = 4000

    @Option(help: "Seed of the random sparse noise.")
    var seed: UInt64 = 1

    @OptionGroup(title: "Behaviour (raw units; default: the training mean)") var behaviour: BehaviourOptions
    @OptionGroup(title: "Figures") var output: PlotFormatOptions

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Training-set files to use instead of the ones the run was trained on.", valueName: "file-or-dir"))
    var data: [String] = []

    func validate() throws {
        try RunArgument.validate(runDirectory)
        if let grid { _ = try Self.parseGrid(grid) }
        guard (1...64).contains(squaresPerFrame) else { throw ValidationError("--squares-per-frame must be between 1 and 64, got \(squaresPerFrame)") }
        guard (1...1_000_000).contains(frames) else { throw ValidationError("--frames must be between 1 and 1000000, got \(frames)") }
    }

    static func parseGrid(_ text: String) throws -> (rows: Int, columns: Int) {
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (1...512).contains($0) }) else {
            throw ValidationError("--grid \(text): give ROWSxCOLUMNS, e.g. 18x32, each between 1 and 512")
        }
        return (parts[0], parts[1])
    }

    func run() throws {
        let run = RunDirectory(runDirectory)
        let loaded = try LoadedRun(run, data: data)
        let index = try MouseArgument.resolve(mouse, in: loaded)
        let probe = try ModelProbe(model: loaded.model, mouse: index, data: loaded.mice[index], behaviour: behaviour.setting)
        let core = loaded.configuration.model.core
        let cells = try grid.map(Self.parseGrid) ?? (rows: max(1, core.imageHeight / 2), columns: max(1, core.imageWidth / 2))
        guard cells.rows <= probe.imageHeight && cells.columns <= probe.imageWidth else {
            throw RunError("--grid \(cells.rows)x\(cells.columns) has more cells than the \(probe.imageHeight)x\(probe.imageWidth) stored image has pixels")
        }
        let noise = squaresPerFrame == 1
            ? SparseNoise.exhaustive(rows: cells.rows, columns: cells.columns)
            : SparseNoise.locallySparse(rows: cells.rows, columns: cells.columns, squaresPerFrame: squaresPerFrame, frames: frames, seed: seed)
        let report = ReceptiveFieldReport(probe: probe, noise: noise)
        let folder = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? run.url.appendingPathComponent("receptive-fields", isDirectory: true)
        let writer = try PlotWriter(directory: folder, format: output.format, dpi: output.dpi)
        try report.write(with: writer)

        let summary = report.summary
        print("\(summary.recording): \(summary.neurons) receptive fields from \(summary.frames) sparse-noise frames on a "
              + "\(summary.gridRows)x\(summary.gridColumns) grid; median size σ = \(String(format: "%.3f", summary.medianSize)) image widths, "
              + "median strength \(String(format: "%.1f", summary.medianStrength))")
        if let error = summary.medianCenterError, let baseline = summary.populationCenterBaseline {
            print(String(format: "centres against the simulation's truth: median error %.3f image widths "
                         + "(guessing the population's mean centre: %.3f)", error, baseline))
        }
        RunArgument.report(writer)
    }
}
