import ArgumentParser
import Foundation
import Training
import V1TModel

/// `import-v1t-weights`: the original V1T's weights (its `Model.state_dict()` as safetensors, see
/// scripts/v1t-checkpoint.py) into a VITA run directory, for `evaluate`, `predict`, `--resume`,
/// or as a `--pretrain-core` source.
struct ImportV1TWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-v1t-weights",
        abstract: "Turn the original V1T's weights (a state_dict as safetensors) into a VITA run directory.",
        discussion: """
        The core's sizes, the behaviour mode and the shifter are read from the tensors; dropout rates \
        and image handling come from the model options (V1T's defaults unless given). Each V1T mouse \
        id given with --mouse-ids becomes the recording at the same position in --data, whose neuron \
        count must match that readout's.

        With --core-only, only the core is taken (e.g. V1T's released Sensorium weights, whose readouts \
        belong to other mice): the readouts are initialised for the --data recordings, and the run \
        serves as `train --pretrain-core RUN`.

        Example:
          python scripts/v1t-checkpoint.py to-safetensors v1t_run/ckpt/model_state.pt v1t.safetensors
          v1t-dist import-v1t-weights v1t.safetensors --data data/allen/ --output-dir runs/v1t-core --core-only
          v1t-dist train --data data/allen/ --output-dir runs/allen --pretrain-core runs/v1t-core
        """)

    @Argument(help: ArgumentHelp("V1T's state_dict as safetensors.", valueName: "weights.safetensors"))
    var weights: String

    @Option(name: [.long, .customLong("dataset")], parsing: .upToNextOption, help: ArgumentHelp("Training-set files or folders of them: the recordings the run is for.", valueName: "file-or-dir"))
    var data: [String]

    @Option(name: [.customLong("output-dir"), .customLong("output_dir")], help: "The run directory to write (config.json, best.safetensors).")
    var outputDir: String

    @Option(name: [.customLong("mouse-ids"), .customLong("mouse_ids")], parsing: .upToNextOption,
            help: ArgumentHelp("V1T's mouse id of each --data recording, in order (default: the file's only mouse, for one recording).", valueName: "id"))
    var mouseIDs: [String] = []

    @Flag(name: [.customLong("core-only")], help: "Take only the core; initialise readouts and shifters for the --data recordings.")
    var coreOnly = false

    @Flag(name: [.customLong("clear-output-dir"), .customLong("clear_output_dir")], help: "Replace an existing run in --output-dir.")
    var clearOutputDir = false

    @OptionGroup(title: "Model (sizes come from the weights)") var model: ModelOptions
    @OptionGroup(title: "Optimisation (recorded for later training)") var optimisation: OptimisationOptions

    func run() throws {
        let tensors = try SafeTensors.decode(try readFile(weights), path: weights).tensors
        let files = try TrainingSetFiles.resolve(data)
        let mice = try TrainingSetFiles.load(files, limitTrainingTrials: nil)
        let inferred = try V1TCoreShape(tensors, source: weights)

        var options = model
        options.core = .vit
        options.embedding = inferred.embedding
        options.blocks = inferred.blocks
        options.heads = inferred.heads
        options.headWidth = .full
        options.mlpWidth = inferred.mlpWidth
        let mode = inferred.behaviourMode(given: model.behaviourMode)
        let patchSize = try inferred.patchSize(channels: mode == 1 ? 4 : 1)
        options.behaviourMode = mode
        options.patchSize = patchSize
        // The shifter belongs to the readout side: with --core-only it is the user's choice.
        options.shiftMode = coreOnly ? model.shiftMode : (inferred.hasShifter ? 2 : 0)
        let height = model.resizeImage == 1 ? 36 : mice[0].recording.images.height
        let width = model.resizeImage == 1 ? 64 : mice[0].recording.images.width
        options.patchStride = try inferred.patchStride(patchSize: patchSize, imageHeight: height, imageWidth: width, source: weights)
        let modelConfiguration = try options.configuration(for: mice)

        let ids = try v1tMouseIDs(fileIDs: inferred.mouseIDs, mice: mice)
        let scales = V1TStateDict.Scales(core: inferred.coreRegularization ?? optimisation.coreRegScale,
                                         readout: inferred.readoutRegularization ?? optimisation.readoutRegScale)
        var configuration = try optimisation.configuration(model: modelConfiguration, files: files, mice: mice)
        configuration.coreRegularization = scales.core
        configuration.readoutRegularization = scales.readout
        let v1t = try V1T(configuration: configuration.model, seed: configuration.seed)
        let loaded = try V1TStateDict.load(tensors, into: v1t, mouseIDs: ids, scales: scales, coreOnly: coreOnly, source: weights)

        let run = RunDirectory(outputDir)
        if FileManager.default.fileExists(atPath: run.configuration.path) {
            guard clearOutputDir else { throw RunError("\(run.url.path) already holds a run: pass --clear-output-dir to replace it") }
            try FileManager.default.removeItem(at: run.url)
        }
        try run.create()
        configuration.record = try RunRecord.current(dataFiles: files, ranks: 1, microBatch: 0)
        try run.writeJSON(configuration, to: run.configuration)
        let metadata = ["written_by": "v1t-dist import-v1t-weights", "source": URL(fileURLWithPath: weights).standardizedFileURL.path,
                        "core_only": String(coreOnly)]
        try RunDirectory.writeAtomically(SafeTensors.encode(v1t.parameters.namedTensors(), metadata: metadata), to: run.bestParameters)
        guard let core = configuration.model.core.vit else { preconditionFailure("V1T weights always build a ViT core") }
        print("""
            \(loaded) V1T tensors\(coreOnly ? " (the core)" : "") -> \(run.url.path): core \(core.blocks) blocks x \(core.heads) heads, \
            width \(core.embedding), MLP \(core.mlpWidth), patches \(core.patchSize)/\(core.patchStride), \
            behaviour mode \(configuration.model.behaviourMode)\(configuration.model.usesShifter ? " with shifter" : "")
            """)
    }

    /// V1T's id of each VITA mouse (recording), in --data order.
    private func v1tMouseIDs(fileIDs: [String], mice: [MouseData]) throws -> [String] {
        if !mouseIDs.isEmpty {
            guard mouseIDs.count == mice.count else {
                throw ValidationError("--mouse-ids gives \(mouseIDs.count) ids for \(mice.count) recordings in --data: give one per recording, in order")
            }
            return mouseIDs
        }
        if coreOnly { return mice.indices.map { "mouse\($0)" } }
        guard fileIDs.count == 1, mice.count == 1 else {
            throw ValidationError("\(weights) has readouts for V1T mice \(fileIDs.joined(separator: ", ")): name the one for each --data recording with --mouse-ids, or take the core alone with --core-only")
        }
        return fileIDs
    }
}

/// `export-v1t-weights`: a VITA run's best weights as the original V1T's state_dict.
struct ExportV1TWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-v1t-weights",
        abstract: "Write a run's best weights as the original V1T's Model.state_dict() (safetensors).",
        discussion: """
        Every parameter and buffer gets V1T's name and shape, so the original code loads it with \
        `model.load_state_dict(safetensors.torch.load_file(FILE), strict=True)` when the model is \
        built with the same flags (scripts/v1t-checkpoint.py also writes V1T's ckpt/model_state.pt).

        Example:
          v1t-dist export-v1t-weights runs/demo --out demo-v1t.safetensors --mouse-ids A
        """)

    @Argument(help: ArgumentHelp("The run directory.", valueName: "run-dir"))
    var runDirectory: String

    @Option(help: ArgumentHelp("The safetensors file to write.", valueName: "file"))
    var out: String

    @Option(name: [.customLong("mouse-ids"), .customLong("mouse_ids")], parsing: .upToNextOption,
            help: ArgumentHelp("V1T's mouse id for each recording of the run, in order (default: the recordings' names).", valueName: "id"))
    var mouseIDs: [String] = []

    func run() throws {
        let run = RunDirectory(runDirectory)
        let configuration = try run.loadConfiguration()
        let model = try V1T(configuration: configuration.model, seed: configuration.seed)
        try run.loadBest(into: model)
        let ids = mouseIDs.isEmpty ? configuration.model.mice.map(\.name) : mouseIDs
        let tensors = try V1TStateDict.export(model, mouseIDs: ids, scales: .init(core: configuration.coreRegularization,
                                                                                  readout: configuration.readoutRegularization))
        let metadata = ["format": "pt", "written_by": "v1t-dist export-v1t-weights", "run": run.url.standardizedFileURL.path]
        try RunDirectory.writeAtomically(SafeTensors.encode(tensors, metadata: metadata), to: URL(fileURLWithPath: out))
        print("\(tensors.count) tensors (V1T's state_dict for mice \(ids.joined(separator: ", "))) -> \(out)")
    }
}

private func readFile(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("\(path) cannot be read: give V1T's weights as safetensors (scripts/v1t-checkpoint.py to-safetensors makes them)")
    }
    return data
}
