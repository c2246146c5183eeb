import ArgumentParser
import Foundation
import Results
import Training

struct Tuning: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tuning",
        abstract: "Orientation and spatial-frequency tuning of every neuron, from static gratings through a trained model.",
        discussion: """
        Shows the model the Allen Brain Observatory's static gratings (orientations 0-150° in steps of \
        30°, 0.02-0.32 cycles/degree, 4 phases, 80 % contrast) on the screen's gray, and a blank screen. \
        Orientation 0° is vertical bars, angles go counter-clockwise. A grating of f cycles/degree has \
        f x --image-width-degrees cycles across the stored image: 102° is the width an Allen natural \
        scene converted with --aspect pad spans (73.4° with squash or crop); simulated recordings have \
        no physical size, and 102° puts their neurons' preferred frequencies inside the Allen range.

        Per neuron: tuning curves (mean over phases), preferred orientation and spatial frequency, \
        orientation selectivity OSI = (r_pref - r_orth) / (r_pref + r_orth) of the evoked responses \
        (minus the blank's, floored at 0) at the preferred frequency, and the global OSI.

        Writes into --out: tuning.csv, tuning_summary.csv, tuning.json, tuning_curves and \
        tuning_population figures.

        Example: v1t-dist tuning runs/demo
        """
    )

    @Argument(help: ArgumentHelp("A run directory written by `v1t-dist train`.", valueName: "run-dir"))
    var runDirectory: String

    @Option(help: ArgumentHelp("Output folder (default: RUN_DIR/tuning).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("Which recording: its index or its name.", valueName: "index-or-name"))
    var mouse = "0"

    @Option(name: .customLong("image-width-degrees"), help: "Visual angle the stored image's width spans.")
    var imageWidthDegrees = StaticGratings.allenPaddedImageWidthDegrees

    @Option(help: "Michelson contrast of the gratings (Allen: 0.8).")
    var contrast = StaticGratings.allenContrast

    @Option(help: "Example neurons in tuning_curves.")
    var examples = 6

    @OptionGroup(title: "Behaviour (raw units; default: the training mean)") var behaviour: BehaviourOptions
    @OptionGroup(title: "Figures") var output: PlotFormatOptions

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Training-set files to use instead of the ones the run was trained on.", valueName: "file-or-dir"))
    var data: [String] = []

    func validate() throws {
        try RunArgument.validate(runDirectory)
        guard imageWidthDegrees > 0 && imageWidthDegrees <= 360 else {
            throw ValidationError("--image-width-degrees must be in (0, 360], got \(imageWidthDegrees)")
        }
        guard contrast > 0 && contrast <= 1 else { throw ValidationError("--contrast must be in (0, 1], got \(contrast)") }
        guard (1...24).contains(examples) else { throw ValidationError("--examples must be between 1 and 24, got \(examples)") }
    }

    func run() throws {
        let run = RunDirectory(runDirectory)
        let loaded = try LoadedRun(run, data: data)
        let index = try MouseArgument.resolve(mouse, in: loaded)
        let probe = try ModelProbe(model: loaded.model, mouse: index, data: loaded.mice[index], behaviour: behaviour.setting)
        var gratings = StaticGratings()
        gratings.imageWidthDegrees = imageWidthDegrees
        gratings.contrast = contrast
        let report = TuningReport(probe: probe, gratings: gratings)
        let folder = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? run.url.appendingPathComponent("tuning", isDirectory: true)
        let writer = try PlotWriter(directory: folder, format: output.format, dpi: output.dpi)
        try report.write(with: writer, examples: examples)
        let settings = report.settings
        let osi = settings.medianOrientationSelectivity.map { String(format: "%.2f", $0) } ?? "-"
        print("\(settings.recording): \(settings.responsiveNeurons) of \(settings.neurons) neurons respond to some grating; median OSI \(osi); "
              + "gratings of \(gratings.spatialFrequencies.map { String(format: "%g", $0) }.joined(separator: ", ")) cycles/degree = "
              + "\(settings.cyclesPerImageWidth.map { String(format: "%.3g", $0) }.joined(separator: ", ")) cycles per image width")
        RunArgument.report(writer)
    }
}
