import ArgumentParser
import Training

/// The rest of the original V1T's train.py command line, so that a V1T user's command runs as
/// written: flags VITA honours (with V1T's meaning), flags that change nothing here (said so in
/// their help), and flags VITA cannot honour, refused with the reason. docs/v1t-differences.md lists
/// every difference from V1T in one table.
struct V1TCompatibilityOptions: ParsableArguments {
    @Option(help: "V1T's readout: gaussian2d (the only one VITA has).")
    var readout: String = "gaussian2d"

    @Option(name: [.customLong("mouse-ids"), .customLong("mouse_ids")], parsing: .upToNextOption,
            help: ArgumentHelp("V1T's --mouse_ids: train on these recordings only, by name (experiment id) or by position 0, 1, ... in --data.", valueName: "id"))
    var mouseIDs: [String] = []

    @Option(help: "V1T's --device: cpu (VITA computes on CPUs, one or many MPI ranks).")
    var device: String = "cpu"

    @Option(name: [.customLong("num-workers"), .customLong("num_workers")],
            help: "V1T's DataLoader workers; VITA holds the data in memory and needs none (accepted, changes nothing).")
    var numWorkers: Int?

    @Flag(name: [.customLong("gray-scale"), .customLong("gray_scale")],
          help: "V1T's --gray_scale; training sets are gray-scale already (accepted, changes nothing).")
    var grayScale = false

    @Flag(help: "V1T's --deterministic; VITA is always deterministic for a given seed and rank count (accepted).")
    var deterministic = false

    @Option(name: [.customLong("grad-checkpointing"), .customLong("grad_checkpointing")], help: "V1T's gradient checkpointing: only 0 (VITA keeps all activations).")
    var gradCheckpointing: Int?

    @Option(name: [.customLong("patch-mode"), .customLong("patch_mode")], help: "V1T's patch embedding: only 0 (unfold + linear).")
    var patchMode = 0

    @Option(name: [.customLong("grid-predictor-dim"), .customLong("grid_predictor_dim")], help: "V1T's grid predictor input: only 2 (cortical x, y).")
    var gridPredictorDim = 2

    @Option(name: [.customLong("bias-mode"), .customLong("bias_mode")], help: "V1T's readout bias initialisation: only 0 (zeros).")
    var biasMode = 0

    @Option(name: [.customLong("shifter-reg-scale"), .customLong("shifter_reg_scale")], help: "V1T's shifter L1: only 0 (its default).")
    var shifterRegScale: Float = 0

    @Option(name: [.customLong("cropper-reg-scale"), .customLong("cropper_reg_scale")], help: "V1T's image-shifter L1: only 0 (VITA has no image shifter).")
    var cropperRegScale: Float = 0

    @Flag(help: "V1T's mixed precision: refused (VITA computes in float32).")
    var amp = false

    @Option(help: "V1T's torch.compile backend: refused (no PyTorch here).")
    var backend: String?

    @Flag(name: [.customLong("use-lsa"), .customLong("use_lsa")], help: "V1T's locality self-attention: refused (not implemented).")
    var useLSA = false

    @Flag(name: [.customLong("disable-bias"), .customLong("disable_bias")], help: "V1T's bias-free ViT: refused (not implemented).")
    var disableBias = false

    @Flag(name: [.customLong("disable-grid-predictor"), .customLong("disable_grid_predictor")], help: "V1T's free readout positions: refused (VITA always predicts them).")
    var disableGridPredictor = false

    @Flag(name: [.customLong("use-wandb"), .customLong("use_wandb")], help: "Weights & Biases: refused (VITA logs to TensorBoard event files in the run directory).")
    var useWandb = false

    @Option(name: [.customLong("wandb-group"), .customLong("wandb_group")], help: "Weights & Biases group: refused with --use_wandb.")
    var wandbGroup: String?

    func validate() throws {
        func refuse(_ flag: String, _ reason: String) throws {
            throw ValidationError("\(flag) cannot be honoured: \(reason). See docs/v1t-differences.md.")
        }
        if readout != "gaussian2d" { try refuse("--readout \(readout)", "VITA has only V1T's gaussian2d readout") }
        if device != "cpu" { try refuse("--device \(device)", "VITA computes on CPUs (data-parallel over MPI ranks: run it under mpirun)") }
        if let gradCheckpointing, gradCheckpointing != 0 { try refuse("--grad_checkpointing \(gradCheckpointing)", "VITA keeps every activation; lower --micro-batch-size to save memory") }
        if patchMode != 0 { try refuse("--patch_mode \(patchMode)", "only patch mode 0 (unfold + linear) is implemented") }
        if gridPredictorDim != 2 { try refuse("--grid_predictor_dim \(gridPredictorDim)", "the grid predictor reads the cortical (x, y) only; training sets carry no depth per neuron") }
        if biasMode != 0 { try refuse("--bias_mode \(biasMode)", "readout biases start at zero (V1T's default mode 0)") }
        if shifterRegScale != 0 { try refuse("--shifter_reg_scale \(shifterRegScale)", "the shifter is not regularised (V1T's default 0)") }
        if cropperRegScale != 0 { try refuse("--cropper_reg_scale \(cropperRegScale)", "VITA has no image shifter (shift modes 1, 3, 4)") }
        if amp { try refuse("--amp", "VITA computes in float32 on CPUs") }
        if let backend { try refuse("--backend \(backend)", "there is no torch.compile here; VITA's passes are compiled Swift") }
        if useLSA { try refuse("--use_lsa", "locality self-attention is not implemented") }
        if disableBias { try refuse("--disable_bias", "the ViT's linear layers always have biases") }
        if disableGridPredictor { try refuse("--disable_grid_predictor", "readout positions always come from the grid predictor") }
        if useWandb || wandbGroup != nil { try refuse("--use_wandb", "VITA writes TensorBoard event files to the run directory instead (tensorboard --logdir runs/)") }
    }

    /// The files of --mouse_ids, in the order given; all files without it.
    func selectRecordings(_ files: [String], names: [String]) throws -> [String] {
        guard !mouseIDs.isEmpty else { return files }
        guard Set(mouseIDs).count == mouseIDs.count else { throw ValidationError("--mouse_ids names a recording twice: \(mouseIDs)") }
        return try mouseIDs.map { id in
            if let index = names.firstIndex(of: id) { return files[index] }
            if let position = Int(id), files.indices.contains(position) { return files[position] }
            throw ValidationError("--mouse_ids \(id) is none of the recordings in --data: \(names.joined(separator: ", ")) (or positions 0..<\(files.count))")
        }
    }
}
