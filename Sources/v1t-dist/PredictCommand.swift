import ArgumentParser
import Foundation
import ImageFiles
import NumPyFormat
import Results
import Training

extension ImagePrediction.Units: ExpressibleByArgument {}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every neuron's response to new images with a trained run.",
        discussion: """
        Images: PNG (gray or colour, made gray), PGM (P5 or P2) or .npy 2-D arrays of 0...255 values, of \
        any size. Each is resized by area averaging to the size the recording's images were stored at \
        (--aspect, as in `convert`: pad fills with the screen's gray), then cropped and resized by the \
        model as a training image is. Behaviour is given in the recording's raw units; what is not given \
        takes its training mean.

        Negative values can follow their flag directly (--running-speed -2.5).

        Output: CSV with one row per image and neuron (image, neuron, neuron_id, prediction_standardised, \
        prediction_raw), or a float32 .npy of shape (images, neurons) in --units. Without --out the CSV \
        goes to standard output.

        Examples:
          v1t-dist predict --checkpoint runs/demo photo.png --out predictions.csv
          v1t-dist predict --checkpoint runs/demo a.pgm b.png --running-speed 20 --out running.npy
        """
    )

    @Option(help: ArgumentHelp("A run directory written by `v1t-dist train`.", valueName: "run-dir"))
    var checkpoint: String

    @Argument(help: ArgumentHelp("Image files (PNG, PGM or .npy).", valueName: "image"))
    var images: [String]

    @Option(help: ArgumentHelp("Which recording's neurons to predict: its index (0 = the first --data of training) or its name.", valueName: "index-or-name"))
    var mouse = "0"

    @OptionGroup(title: "Behaviour (raw units; default: the training mean)") var behaviour: BehaviourOptions

    @Option(help: ArgumentHelp("Where to write: a .csv or a .npy file (default: CSV on standard output).", valueName: "file"))
    var out: String?

    @Option(help: "Units of a .npy output: raw (the recording's) or standardised (the model's).")
    var units: ImagePrediction.Units?

    @Option(help: "How an image of another aspect ratio fits the stored size: pad, squash or crop.")
    var aspect: AspectMode = .pad

    @Option(name: .long, parsing: .upToNextOption, help: ArgumentHelp("Training-set files to use instead of the ones the run was trained on (same neurons, same order).", valueName: "file-or-dir"))
    var data: [String] = []

    func validate() throws {
        try RunArgument.validate(checkpoint)
        guard !images.isEmpty else { throw ValidationError("give at least one image file to predict for") }
        if let out {
            guard out.hasSuffix(".csv") || out.hasSuffix(".npy") else {
                throw ValidationError("--out \(out): name a .csv or a .npy file")
            }
            if units != nil && out.hasSuffix(".csv") {
                throw ValidationError("--units applies to .npy output; the CSV holds both units")
            }
        } else if units != nil {
            throw ValidationError("--units applies to .npy output (--out FILE.npy); the CSV holds both units")
        }
    }

    func run() throws {
        let loaded = try LoadedRun(RunDirectory(checkpoint), data: data)
        let index = try MouseArgument.resolve(mouse, in: loaded)
        let probe = try ModelProbe(model: loaded.model, mouse: index, data: loaded.mice[index], behaviour: behaviour.setting)
        let prediction = try ImagePrediction(probe: probe, paths: images, aspect: aspect)
        guard let out else {
            print(prediction.csv(), terminator: "")
            return
        }
        let url = URL(fileURLWithPath: out)
        if out.hasSuffix(".npy") {
            try NpyFile.write(prediction.npy(units: units ?? .raw), to: url)
        } else {
            try RunDirectory.writeAtomically(Data(prediction.csv().utf8), to: url)
        }
        print("predicted \(probe.neurons) neurons of \(loaded.mice[index].name) for \(images.count) image(s): \(url.path)")
    }
}
