import Foundation
import XCTest
@testable import V1TModel

/// VITA against the original V1T PyTorch code (llm.c's test against PyTorch, in spirit): the fixture
/// holds a small V1T's weights under V1T's own state_dict names, inputs, and what the original code
/// computed from them (predictions, Poisson loss, L1 regularisation, every parameter's gradient).
/// scripts/make-v1t-parity-fixture.py wrote it once; the configuration is described there.
final class V1TParityTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/v1t-parity.safetensors")

    struct Fixture {
        let tensors: [String: SafeTensors.Tensor]
        func values(_ name: String) -> [Float] { tensors[name]!.values }
        /// The V1T state_dict, without the fixture's "v1t." prefix.
        var stateDict: [SafeTensors.Tensor] {
            tensors.values.filter { $0.name.hasPrefix("v1t.") }.map {
                SafeTensors.Tensor(name: String($0.name.dropFirst(4)), shape: $0.shape, values: $0.values)
            }
        }
    }

    func loadFixture() throws -> Fixture {
        let data = try Data(contentsOf: Self.fixture)
        let tensors = try SafeTensors.decode(data, path: Self.fixture.path).tensors
        return Fixture(tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) }))
    }

    /// The configuration the script builds: 36x64 images, patches 6 / stride 3, width 12, 2 full-width
    /// heads, 2 blocks, MLP 16, behaviour mode 3 with the shifter, one mouse of 10 neurons.
    func model(_ fixture: Fixture) throws -> V1T {
        let coordinates = fixture.values("input.coordinates"), statistics = fixture.values("input.image_statistics")
        let core = ViTCore.Configuration(
            imageChannels: 1, imageHeight: 36, imageWidth: 64, patchSize: 6, patchStride: 3, embedding: 12, blocks: 2,
            heads: 2, headWidth: .full, mlpWidth: 16, patchDropout: 0.1, transformerDropout: 0.1, dropPath: 0,
            behaviourMode: 3, mice: 1)
        let mouse = V1TConfiguration.Mouse(
            name: "M0", neuronX: stride(from: 0, to: 20, by: 2).map { coordinates[$0] },
            neuronY: stride(from: 1, to: 20, by: 2).map { coordinates[$0] }, imageHeight: 36, imageWidth: 64,
            imageMean: statistics[0], imageStd: statistics[1])
        return try V1T(configuration: V1TConfiguration(behaviourMode: 3, usesShifter: true, core: core, mice: [mouse]), seed: 1)
    }

    static let scales = V1TStateDict.Scales(core: 0.5379, readout: 0.0076)

    func testForwardLossAndGradientsMatchTheOriginalPyTorchCode() throws {
        let fixture = try loadFixture()
        let model = try model(fixture)
        let loaded = try V1TStateDict.load(fixture.stateDict, into: model, mouseIDs: ["M0"], scales: Self.scales, source: "fixture")
        XCTAssertEqual(loaded, model.layout.slices.count, "every VITA parameter comes from a V1T tensor")

        let images = fixture.values("input.images").map { UInt8($0) }
        let behaviour = fixture.values("input.behaviour"), pupil = fixture.values("input.pupil_center")
        let targets = fixture.values("input.responses")
        let batch = 3, neurons = 10
        model.parameters.zeroGradients()
        let predictions = images.withUnsafeBufferPointer { stack in
            Array(UnsafeBufferPointer(start: model.forward(
                mouse: 0, images: stack.baseAddress!, imageCount: batch, imageIndices: [0, 1, 2], behaviour: behaviour,
                pupilCenter: pupil, context: .evaluation(batch: batch)), count: batch * neurons))
        }
        let predictionDifference = assertClose(predictions, fixture.values("output.predictions"), "predictions")

        var dPredictions = [Float](repeating: 0, count: batch * neurons)
        let poisson = PoissonLoss.evaluate(predictions: predictions, targets: targets, count: batch * neurons, scale: 1,
                                           gradient: &dPredictions)
        model.backward(dPredictions)
        let values = UnsafePointer(model.parameters.values.baseAddress!), gradients = model.parameters.gradients.baseAddress!
        let regularisation = L1Regularizer.core(layout: model.layout, scale: Self.scales.core).apply(values: values, gradients: gradients)
            + L1Regularizer.readoutFeatures(model.readouts, scale: Self.scales.readout).apply(values: values, gradients: gradients)
        let expectedLoss = fixture.values("output.loss")
        XCTAssertEqual(poisson, Double(expectedLoss[0]), accuracy: 1e-4 * Double(expectedLoss[0]), "Poisson loss")
        XCTAssertEqual(regularisation, Double(expectedLoss[1]), accuracy: 1e-4 * Double(expectedLoss[1]), "L1 regularisation")

        // Every parameter's gradient, compared under V1T's names and shapes.
        let exported = try V1TStateDict.entries(for: model, mouseIDs: ["M0"], scales: Self.scales)
        var compared = 0, gradientDifference: Float = 0
        for entry in exported where entry.isParameter {
            let gradient: [Float]
            switch entry.source {
            case .slice(let slice): gradient = Array(model.parameters.gradients[slice.range])
            case .transposedFeatures(let slice):
                gradient = V1TStateDict.transpose(Array(model.parameters.gradients[slice.range]), rows: slice.shape[0], columns: slice.shape[1])
            case .buffer: continue
            }
            gradientDifference = max(gradientDifference, assertClose(gradient, fixture.values("grad.\(entry.name)"), "gradient of \(entry.name)"))
            compared += 1
        }
        XCTAssertEqual(compared, fixture.tensors.keys.filter { $0.hasPrefix("grad.") }.count, "every V1T gradient was compared")
        print(String(format: "V1T parity: largest difference relative to the tensor's magnitude: predictions %.1e, gradients %.1e (%d tensors)",
                     predictionDifference, gradientDifference, compared))
    }

    func testExportReproducesTheOriginalStateDictNamesShapesAndBuffers() throws {
        let fixture = try loadFixture()
        let model = try model(fixture)
        let original = fixture.stateDict
        try V1TStateDict.load(original, into: model, mouseIDs: ["M0"], scales: Self.scales, source: "fixture")
        let exported = try V1TStateDict.export(model, mouseIDs: ["M0"], scales: Self.scales)
        XCTAssertEqual(Set(exported.map(\.name)), Set(original.map(\.name)), "load_state_dict(strict=True) needs exactly V1T's names")
        let byName = Dictionary(uniqueKeysWithValues: original.map { ($0.name, $0) })
        for tensor in exported {
            XCTAssertEqual(tensor.shape, byName[tensor.name]!.shape, tensor.name)
            assertClose(tensor.values, byName[tensor.name]!.values, tensor.name, tolerance: 1e-6)
        }
    }

    func testMisfitListsEveryMissingUnknownAndMisSizedTensor() throws {
        let fixture = try loadFixture()
        let model = try model(fixture)
        var tensors = fixture.stateDict.filter { $0.name != "core.patch_embedding.cls_token" }
        tensors.append(SafeTensors.Tensor(name: "core.transformer.blocks.9.mha.to_qkv.weight", shape: [1], values: [0]))
        let index = tensors.firstIndex { $0.name == "readouts.M0.bias" }!
        tensors[index] = SafeTensors.Tensor(name: "readouts.M0.bias", shape: [11], values: Array(repeating: 0, count: 11))
        XCTAssertThrowsError(try V1TStateDict.load(tensors, into: model, mouseIDs: ["M0"], scales: Self.scales, source: "w.safetensors")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("w.safetensors"), message)
            XCTAssertTrue(message.contains("missing: core.patch_embedding.cls_token [1, 1, 12]"), message)
            XCTAssertTrue(message.contains("unknown names: core.transformer.blocks.9.mha.to_qkv.weight"), message)
            XCTAssertTrue(message.contains("readouts.M0.bias: file [11], model [10]"), message)
        }
        XCTAssertThrowsError(try V1TStateDict.load(fixture.stateDict, into: model, mouseIDs: ["B"], scales: Self.scales, source: "w")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("readouts.B.features [1, 12, 1, 10]") && message.contains("unknown names: core_shifter.M0."), message)
        }
    }

    func testV1TFindShapeArrangesPatchesAsTheOriginal() {
        XCTAssertTrue(V1TStateDict.v1tFeatureGrid(patches: 29 * 57) == (29, 57))
        XCTAssertTrue(V1TStateDict.v1tFeatureGrid(patches: 11 * 20) == (11, 20))
        XCTAssertTrue(V1TStateDict.v1tFeatureGrid(patches: 8 * 15) == (10, 12))
    }

    /// Returns the largest difference relative to the expected tensor's largest magnitude.
    @discardableResult
    private func assertClose(_ actual: [Float], _ expected: [Float], _ what: String, tolerance: Float = 1e-4,
                             file: StaticString = #filePath, line: UInt = #line) -> Float {
        XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
        // Relative to the tensor's largest magnitude: single elements near zero carry float32 noise.
        let scale = max(expected.reduce(0) { max($0, abs($1)) }, 1e-6)
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(what): largest difference \(worst) against magnitude \(scale)", file: file, line: line)
        return worst / scale
    }
}
