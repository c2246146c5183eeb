import Foundation
import XCTest
@testable import V1TModel

final class ViTCoreTests: XCTestCase {
    /// 6x7 images, 3x3 patches with stride 2: a 2x3 grid, 7 tokens of width 6, 2 blocks.
    private func smallConfiguration(behaviourMode: Int, mice: Int = 1) -> ViTCore.Configuration {
        ViTCore.Configuration(imageChannels: 1, imageHeight: 6, imageWidth: 7, patchSize: 3, patchStride: 2,
                              embedding: 6, blocks: 2, heads: 2, headWidth: .split, mlpWidth: 8,
                              patchDropout: 0.1, transformerDropout: 0.2, dropPath: 0.2, behaviourDropout: 0.1,
                              behaviourMode: behaviourMode, mice: mice)
    }

    private struct Inputs {
        let images: [Float]
        let behaviour: [Float]
        let pupilCentre: [Float]
        init(configuration c: ViTCore.Configuration, batch: Int, seed: UInt64 = 31) {
            images = randomInput(batch * c.imageChannels * c.imageHeight * c.imageWidth, seed: seed)
            behaviour = randomInput(batch * 3, seed: seed + 1)
            pupilCentre = randomInput(batch * 2, seed: seed + 2)
        }
    }

    private func run(_ core: ViTCore, _ store: ParameterStore, _ inputs: Inputs, batch: Int, mouse: Int = 0, context: PassContext?) -> [Float] {
        let y = core.forward(images: inputs.images, behaviour: inputs.behaviour, pupilCentre: inputs.pupilCentre, mouse: mouse,
                             batch: batch, params: store.values.baseAddress!, context: context)
        return array(y, batch * core.featureShape.floatsPerSample)
    }

    func testGradientsMatchFiniteDifferencesInEveryBehaviourMode() {
        for (mode, mice, mouse) in [(0, 1, 0), (2, 1, 0), (3, 1, 0), (4, 2, 1)] {
            let configuration = smallConfiguration(behaviourMode: mode, mice: mice)
            var layout = ParameterLayout()
            let core = try! ViTCore(layout: &layout, configuration: configuration)
            let store = ParameterStore(layout: layout, seed: 3)
            let batch = 2
            let inputs = Inputs(configuration: configuration, batch: batch)
            let context = trainingContext(batch: batch)
            checkLayerGradients("core mode \(mode)", store: store, outputCount: batch * core.featureShape.floatsPerSample, perSlice: 4,
                                forward: {
                                    core.forward(images: inputs.images, behaviour: inputs.behaviour, pupilCentre: inputs.pupilCentre,
                                                 mouse: mouse, batch: batch, params: store.values.baseAddress!, context: context)
                                },
                                backward: {
                                    core.backward($0, params: store.values.baseAddress!, grads: store.gradients.baseAddress!)
                                    return nil
                                })
            if mode == 4 {
                let otherMouse = layout.slices.filter { $0.name.contains(".behaviour.mouse0.") }
                XCTAssertEqual(otherMouse.count, 2 * 4, "one behaviour MLP (4 tensors) per block for mouse 0")
                for slice in otherMouse { XCTAssertTrue(store.gradients[slice.range].allSatisfy { $0 == 0 }, slice.name) }
            }
        }
    }

    func testFeatureMapIsTheTokensWithoutTheClassTokenChannelLast() {
        let configuration = smallConfiguration(behaviourMode: 0)
        var layout = ParameterLayout()
        let core = try! ViTCore(layout: &layout, configuration: configuration)
        XCTAssertEqual(core.featureShape, FeatureShape(height: 2, width: 3, channels: 6))
        let store = ParameterStore(layout: layout, seed: 4)
        let inputs = Inputs(configuration: configuration, batch: 2)
        let features = run(core, store, inputs, batch: 2, context: nil)
        var x = core.tokenizer.forward(inputs.images, batch: 2, params: store.values.baseAddress!, context: nil)
        for block in core.blocks {
            x = block.forward(x, batch: 2, tokens: 7, behaviour: nil, behaviourMLPIndex: 0, params: store.values.baseAddress!, context: nil)
        }
        let tokens = array(x, 2 * 7 * 6)
        XCTAssertEqual(Array(features[0..<36]), Array(tokens[6..<42]))
        XCTAssertEqual(Array(features[36..<72]), Array(tokens[48..<84]))
    }

    func testDeterministicAndKeyedByTrial() {
        let configuration = smallConfiguration(behaviourMode: 3)
        func makeCore() -> (ViTCore, ParameterStore) {
            var layout = ParameterLayout()
            let core = try! ViTCore(layout: &layout, configuration: configuration)
            return (core, ParameterStore(layout: layout, seed: 9))
        }
        let (core, store) = makeCore(), (twin, twinStore) = makeCore()
        let inputs = Inputs(configuration: configuration, batch: 3)
        let context = PassContext(training: true, seed: 2, step: 7, trialIndices: [40, 41, 42])
        let first = run(core, store, inputs, batch: 3, context: context)
        XCTAssertEqual(first, run(twin, twinStore, inputs, batch: 3, context: context), "same seed and trials must be bit-identical")
        XCTAssertEqual(first, run(core, store, inputs, batch: 3, context: context))

        let otherTrials = PassContext(training: true, seed: 2, step: 7, trialIndices: [50, 51, 52])
        let shifted = run(core, store, inputs, batch: 3, context: otherTrials)
        let perSample = core.featureShape.floatsPerSample
        for b in 0..<3 {
            XCTAssertNotEqual(Array(first[(b * perSample)..<((b + 1) * perSample)]), Array(shifted[(b * perSample)..<((b + 1) * perSample)]),
                              "different trials must draw different dropout masks (sample \(b))")
        }

        // Trial 41 alone gives what it gave as the middle of three: ranks may split batches freely.
        let middle = Inputs(configuration: configuration, batch: 3)
        let alone = core.forward(images: Array(middle.images[42..<84]), behaviour: Array(middle.behaviour[3..<6]),
                                 pupilCentre: Array(middle.pupilCentre[2..<4]), mouse: 0, batch: 1, params: store.values.baseAddress!,
                                 context: PassContext(training: true, seed: 2, step: 7, trialIndices: [41]))
        for i in 0..<perSample { XCTAssertEqual(alone[i], first[perSample + i], accuracy: 1e-5) }
    }

    func testActivationAccountingMatchesTheBuffers() {
        let configuration = smallConfiguration(behaviourMode: 4, mice: 2)
        func allocated(batch: Int) -> (floats: Int, perSample: Int) {
            var layout = ParameterLayout()
            let core = try! ViTCore(layout: &layout, configuration: configuration)
            let store = ParameterStore(layout: layout, seed: 5)
            let inputs = Inputs(configuration: configuration, batch: batch)
            for mouse in 0..<2 {
                _ = run(core, store, inputs, batch: batch, mouse: mouse, context: trainingContext(batch: batch))
                let dFeatures = randomInput(batch * core.featureShape.floatsPerSample)
                core.backward(dFeatures, params: store.values.baseAddress!, grads: store.gradients.baseAddress!)
            }
            XCTAssertEqual(allocatedFloats(core.buffers), batch * core.activationFloatsPerSample + core.scratchFloats, "batch \(batch)")
            return (allocatedFloats(core.buffers), core.activationFloatsPerSample)
        }
        let one = allocated(batch: 1), three = allocated(batch: 3)
        XCTAssertEqual(three.floats - one.floats, 2 * one.perSample)
    }

    func testPublishedConfiguration() throws {
        let published = ViTCore.Configuration.published
        XCTAssertEqual([published.gridHeight, published.gridWidth, published.tokens], [29, 57, 1654])
        XCTAssertEqual(published.headDimension, 155)
        XCTAssertEqual(published.behaviourInputs, 5)
        var layout = ParameterLayout()
        let core = try ViTCore(layout: &layout, configuration: published)
        // V1T's ~2.47 M core parameters with behaviour mode 3.
        XCTAssertEqual(layout.count, 2_465_200)
        XCTAssertEqual(core.featureShape, FeatureShape(height: 29, width: 57, channels: 155))
        // Includes the attention probabilities: 4 blocks x 4 heads x 1654² floats per sample.
        XCTAssertGreaterThan(core.activationFloatsPerSample, 4 * 4 * 1654 * 1654)

        let demo = ViTCore.Configuration.demo
        XCTAssertEqual([demo.gridHeight, demo.gridWidth, demo.tokens, demo.headDimension], [8, 15, 121, 16])

        let decoded = try JSONDecoder().decode(ViTCore.Configuration.self, from: JSONEncoder().encode(published))
        XCTAssertEqual(decoded, published)
    }

    func testInvalidConfigurationsNameTheField() {
        func field(_ change: (inout ViTCore.Configuration) -> Void) -> String? {
            var configuration = ViTCore.Configuration.published
            change(&configuration)
            do {
                try configuration.validate()
                return nil
            } catch let error as ViTCore.ConfigurationError {
                XCTAssertTrue(error.description.contains(error.field))
                return error.field
            } catch {
                return "unexpected \(error)"
            }
        }
        XCTAssertNil(field { _ in })
        XCTAssertEqual(field { $0.patchStride = 9 }, "patchStride")
        XCTAssertEqual(field { $0.patchSize = 40 }, "patchSize")
        XCTAssertEqual(field { $0.headWidth = .split }, "headWidth")  // 155 is not divisible by 4
        XCTAssertEqual(field { $0.behaviourMode = 1 }, "behaviourMode")
        XCTAssertEqual(field { $0.transformerDropout = 1 }, "transformerDropout")
        XCTAssertEqual(field { $0.mice = 0 }, "mice")
        var layout = ParameterLayout()
        var bad = ViTCore.Configuration.demo
        bad.heads = 5
        XCTAssertThrowsError(try ViTCore(layout: &layout, configuration: bad))
        XCTAssertEqual(layout.count, 0, "a rejected configuration adds no parameters")
    }
}
