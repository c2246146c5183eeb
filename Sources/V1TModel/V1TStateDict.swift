import Foundation

/// The original V1T's `Model.state_dict()` for a VITA model: every tensor under V1T's name and shape,
/// buffers included, so `Model.load_state_dict(..., strict=True)` accepts an export and a V1T
/// checkpoint (turned into safetensors by scripts/v1t-checkpoint.py) loads into VITA.
///
/// VITA's slice -> V1T's tensor (i: block, m: mouse index, ID: V1T's mouse id):
///
///     core.tokenizer.projection.{weight,bias}        core.patch_embedding.projection.2.{weight,bias}
///     core.tokenizer.class_token [E]                 core.patch_embedding.cls_token [1, 1, E]
///     core.tokenizer.position_embedding [T, E]       core.patch_embedding.pos_embedding [T, E]
///     core.block<i>.attention.norm                   core.transformer.blocks.<i>.mha.layer_norm
///     core.block<i>.attention.to_qkv                 core.transformer.blocks.<i>.mha.to_qkv
///     core.block<i>.attention.projection             core.transformer.blocks.<i>.mha.projection.0
///     core.block<i>.mlp.{norm,expand,contract}       core.transformer.blocks.<i>.mlp.model.{0,1,4}
///     core.block<i>.behaviour[.mouse<m>].first       core.transformer.blocks.<i>.b-mlp.models.<share|ID>.0
///     core.block<i>.behaviour[.mouse<m>].second      core.transformer.blocks.<i>.b-mlp.models.<share|ID>.3
///     shifter.mouse<m>.{hidden1,hidden2,output}      core_shifter.<ID>.mlp.{0,2,4}
///     readout.mouse<m>.gridPredictor.{hidden,output} readouts.<ID>.mu_transform.{0,2}
///     readout.mouse<m>.sigma [N, 2, 2]               readouts.<ID>.sigma [1, N, 2, 2]
///     readout.mouse<m>.features [N, C]               readouts.<ID>.features [1, C, 1, N] (transposed)
///     readout.mouse<m>.bias [N]                      readouts.<ID>.bias [N]
///
/// and V1T's buffers, which VITA computes: `core.reg_scale`, `core.transformer.blocks.<i>.mha.scale`,
/// `core.transformer.drop_path.keep_prop`, `core_shifter.<ID>.reg_scale`, `readouts.<ID>.reg_scale`,
/// `readouts.<ID>.source_grid` (the normalised neuron positions), `image_cropper.grid`, `elu1.one`.
public enum V1TStateDict {
    /// One tensor of V1T's state_dict and where its values come from.
    public struct Entry {
        public enum Source {
            /// A VITA parameter slice holding the same numbers in the same order.
            case slice(ParameterSlice)
            /// A VITA slice [N, C] that V1T stores transposed as [1, C, 1, N].
            case transposedFeatures(ParameterSlice)
            /// A buffer V1T keeps (not a parameter): VITA computes its value.
            case buffer([Float])
        }

        public let name: String
        public let shape: [Int]
        public let source: Source
        public var isParameter: Bool { if case .buffer = source { false } else { true } }
        public var isCore: Bool { name.hasPrefix("core.") }
    }

    /// The regularisation scales V1T stores as buffers (`reg_scale`), which VITA keeps in its configuration.
    public struct Scales {
        public var core: Float
        public var readout: Float
        public init(core: Float, readout: Float) {
            self.core = core
            self.readout = readout
        }
    }

    /// V1T's `ViTCore.find_shape`: how V1T arranges `patches` tokens into the feature map it reads out
    /// from (the factor pair closest to a square, height first).
    public static func v1tFeatureGrid(patches: Int) -> (height: Int, width: Int) {
        var height = Int(Double(patches).squareRoot().rounded(.up))
        while height > 0 && patches % height != 0 { height -= 1 }
        return (height, patches / max(height, 1))
    }

    /// Every tensor of V1T's state_dict for `model`, in V1T's module order.
    /// - mouseIDs: V1T's name of each of the model's mice (its readouts, shifters and mode-4 behaviour MLPs).
    /// - withCropperGrid: include `image_cropper.grid`, which needs one frame size for all mice.
    public static func entries(for model: V1T, mouseIDs: [String], scales: Scales, withCropperGrid: Bool = true) throws -> [Entry] {
        let configuration = model.configuration
        guard let core = configuration.core.vit else {
            throw V1TWeightsError("only the ViT core's weights map to V1T's names; this model's core is \(configuration.core.kind.rawValue)")
        }
        guard mouseIDs.count == configuration.mice.count else {
            throw V1TWeightsError("the model has \(configuration.mice.count) mice but \(mouseIDs.count) V1T mouse ids were given")
        }
        guard Set(mouseIDs).count == mouseIDs.count, mouseIDs.allSatisfy({ !$0.isEmpty && !$0.contains(".") }) else {
            throw V1TWeightsError("V1T mouse ids \(mouseIDs) must be distinct and contain no dot")
        }
        guard core.headWidth == .full else {
            throw V1TWeightsError("V1T's attention heads are always as wide as the embedding; this model uses --head-width split, which V1T cannot load")
        }
        let layout = model.layout
        func slice(_ name: String) -> ParameterSlice {
            guard let slice = layout.slice(named: name) else { preconditionFailure("the model has no parameter \(name)") }
            return slice
        }
        var entries: [Entry] = []
        func parameter(_ v1t: String, _ vita: String, shape: [Int]? = nil) {
            let s = slice(vita)
            entries.append(Entry(name: v1t, shape: shape ?? s.shape, source: .slice(s)))
        }
        func linear(_ v1t: String, _ vita: String) {
            parameter("\(v1t).weight", "\(vita).weight")
            if layout.slice(named: "\(vita).bias") != nil { parameter("\(v1t).bias", "\(vita).bias") }
        }
        func scalar(_ v1t: String, _ value: Float) { entries.append(Entry(name: v1t, shape: [], source: .buffer([value]))) }

        if withCropperGrid { entries.append(try cropperGrid(configuration)) }
        scalar("core.reg_scale", scales.core)
        linear("core.patch_embedding.projection.2", "core.tokenizer.projection")
        parameter("core.patch_embedding.cls_token", "core.tokenizer.class_token", shape: [1, 1, core.embedding])
        parameter("core.patch_embedding.pos_embedding", "core.tokenizer.position_embedding")
        for i in 0..<core.blocks {
            let v1t = "core.transformer.blocks.\(i)", vita = "core.block\(i)"
            linear("\(v1t).mha.layer_norm", "\(vita).attention.norm")
            linear("\(v1t).mha.to_qkv", "\(vita).attention.to_qkv")
            linear("\(v1t).mha.projection.0", "\(vita).attention.projection")
            scalar("\(v1t).mha.scale", 1 / Float(core.embedding).squareRoot())
            linear("\(v1t).mlp.model.0", "\(vita).mlp.norm")
            linear("\(v1t).mlp.model.1", "\(vita).mlp.expand")
            linear("\(v1t).mlp.model.4", "\(vita).mlp.contract")
            if core.behaviourInputs > 0 {
                let owners = core.behaviourMode == 4 ? mouseIDs.enumerated().map { ($0.element, ".mouse\($0.offset)") } : [("share", "")]
                for (id, suffix) in owners {
                    linear("\(v1t).b-mlp.models.\(id).0", "\(vita).behaviour\(suffix).first")
                    linear("\(v1t).b-mlp.models.\(id).3", "\(vita).behaviour\(suffix).second")
                }
            }
        }
        scalar("core.transformer.drop_path.keep_prop", 1 - core.dropPath)
        if configuration.usesShifter {
            for (m, id) in mouseIDs.enumerated() {
                scalar("core_shifter.\(id).reg_scale", 0)
                for (index, layer) in [(0, "hidden1"), (2, "hidden2"), (4, "output")] {
                    linear("core_shifter.\(id).mlp.\(index)", "shifter.mouse\(m).\(layer)")
                }
            }
        }
        for (m, id) in mouseIDs.enumerated() {
            let readout = model.readouts[m], vita = "readout.mouse\(m)", n = readout.neurons
            scalar("readouts.\(id).reg_scale", scales.readout)
            parameter("readouts.\(id).sigma", "\(vita).sigma", shape: [1, n, 2, 2])
            entries.append(Entry(name: "readouts.\(id).features", shape: [1, readout.channels, 1, n],
                                 source: .transposedFeatures(slice("\(vita).features"))))
            parameter("readouts.\(id).bias", "\(vita).bias")
            linear("readouts.\(id).mu_transform.0", "\(vita).gridPredictor.hidden")
            linear("readouts.\(id).mu_transform.2", "\(vita).gridPredictor.output")
            let mouse = configuration.mice[m]
            let source = ReadoutGridPredictor.normalisedSource(zip(mouse.neuronX, mouse.neuronY).map { (x: $0, y: $1) })
            entries.append(Entry(name: "readouts.\(id).source_grid", shape: [n, 2], source: .buffer(source)))
        }
        scalar("elu1.one", 1)
        return entries
    }

    /// V1T's `image_cropper.grid`: the (x, y) points at which it samples the stored frame (one frame
    /// size for all mice), after checking that V1T would feed its core images of VITA's input size.
    static func cropperGrid(_ configuration: V1TConfiguration) throws -> Entry {
        let frames = Set(configuration.mice.map { [$0.imageHeight, $0.imageWidth] })
        guard frames.count == 1, let frame = frames.first else {
            throw V1TWeightsError("V1T keeps one image size for all mice, but these recordings have \(frames.map { "\($0[0])x\($0[1])" }.sorted().joined(separator: ", "))")
        }
        let cropHeight = Int(Float(frame[0]) * configuration.centerCrop), cropWidth = Int(Float(frame[1]) * configuration.centerCrop)
        let input = [configuration.core.imageHeight, configuration.core.imageWidth]
        guard input == [36, 64] || input == [cropHeight, cropWidth] else {
            throw V1TWeightsError("V1T feeds its core 36x64 images (--resize_image 1) or the cropped frame \(cropHeight)x\(cropWidth) (--resize_image 0), not \(input[0])x\(input[1])")
        }
        func spaced(_ count: Int) -> [Float] {
            let s = configuration.centerCrop
            return (0..<count).map { count == 1 ? -s : -s + 2 * s * Float($0) / Float(count - 1) }
        }
        let ys = spaced(cropHeight), xs = spaced(cropWidth)
        return Entry(name: "image_cropper.grid", shape: [1, cropHeight, cropWidth, 2],
                     source: .buffer(ys.flatMap { y in xs.flatMap { [$0, y] } }))
    }

    /// Throws unless V1T reads out from the same feature map: V1T arranges the patch tokens by
    /// `v1tFeatureGrid`, VITA by the true patch grid, and the readouts' positions only carry over
    /// when both agree (the published 29x57 grid does; the demo preset's 8x15 becomes 10x12 in V1T).
    public static func checkFeatureGrid(_ model: V1T) throws {
        guard let core = model.configuration.core.vit else { return }
        let v1t = v1tFeatureGrid(patches: core.gridHeight * core.gridWidth)
        guard v1t == (core.gridHeight, core.gridWidth) else {
            throw V1TWeightsError("""
                V1T arranges this core's \(core.gridHeight * core.gridWidth) patches as a \(v1t.height)x\(v1t.width) map, VITA as \
                the \(core.gridHeight)x\(core.gridWidth) patch grid, so the readouts do not carry over; choose patch sizes whose \
                grid V1T keeps (the published 8/1 does) or carry the core alone
                """)
        }
    }

    /// The model's weights as V1T's state_dict (float32 tensors).
    public static func export(_ model: V1T, mouseIDs: [String], scales: Scales) throws -> [SafeTensors.Tensor] {
        try checkFeatureGrid(model)
        return try entries(for: model, mouseIDs: mouseIDs, scales: scales).map { entry in
            let values: [Float]
            switch entry.source {
            case .slice(let slice): values = model.parameters.values(of: slice)
            case .transposedFeatures(let slice): values = transpose(model.parameters.values(of: slice), rows: slice.shape[0], columns: slice.shape[1])
            case .buffer(let buffer): values = buffer
            }
            return SafeTensors.Tensor(name: entry.name, shape: entry.shape, values: values)
        }
    }

    /// Loads V1T tensors into `model`. Every parameter (only the core's with `coreOnly`) must be
    /// present with V1T's shape; buffers may be absent (VITA computes them) but must have their
    /// shape when present. Throws one error listing every missing, unknown and mis-sized tensor.
    /// - Returns: how many parameter tensors were loaded.
    @discardableResult
    public static func load(_ tensors: [SafeTensors.Tensor], into model: V1T, mouseIDs: [String], scales: Scales,
                            coreOnly: Bool = false, source: String) throws -> Int {
        if !coreOnly { try checkFeatureGrid(model) }
        let expected = try entries(for: model, mouseIDs: mouseIDs, scales: scales, withCropperGrid: !coreOnly)
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let known = Set(expected.map(\.name))
        var missing: [String] = [], misSized: [String] = []
        // With coreOnly the readouts of another experiment are expected, not unknown.
        let unknown = tensors.map(\.name).filter { !known.contains($0) && !(coreOnly && !$0.hasPrefix("core.")) }
        var loaded = 0
        for entry in expected where !coreOnly || entry.isCore {
            guard let tensor = byName[entry.name] else {
                if entry.isParameter { missing.append("\(entry.name) \(entry.shape)") }
                continue
            }
            guard tensor.shape == entry.shape else {
                misSized.append("\(entry.name): file \(tensor.shape), model \(entry.shape)")
                continue
            }
            switch entry.source {
            case .slice(let slice): model.parameters.setValues(tensor.values, of: slice)
            case .transposedFeatures(let slice):
                model.parameters.setValues(transpose(tensor.values, rows: slice.shape[1], columns: slice.shape[0]), of: slice)
            case .buffer: continue
            }
            loaded += 1
        }
        guard missing.isEmpty && unknown.isEmpty && misSized.isEmpty else {
            var lines = ["\(source) does not fit this V1T configuration:"]
            if !misSized.isEmpty { lines.append("  sizes that differ: " + misSized.joined(separator: "; ")) }
            if !missing.isEmpty { lines.append("  missing: " + missing.joined(separator: ", ")) }
            if !unknown.isEmpty { lines.append("  unknown names: " + unknown.sorted().joined(separator: ", ")) }
            lines.append("Check the V1T flags the weights were trained with (--behavior_mode, --shift_mode, --mouse_ids, sizes).")
            throw V1TWeightsError(lines.joined(separator: "\n"))
        }
        return loaded
    }

    static func transpose(_ values: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: values.count)
        for r in 0..<rows { for c in 0..<columns { result[c * rows + r] = values[r * columns + c] } }
        return result
    }
}

/// V1T weights that do not fit, with what to change.
public struct V1TWeightsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
