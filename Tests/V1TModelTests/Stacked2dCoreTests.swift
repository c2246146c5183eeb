import Foundation
import XCTest
@testable import V1TModel

final class Stacked2dCoreTests: XCTestCase {
    /// A model small enough for finite differences: 12x16 inputs, a 5x5 first kernel (8x12 map),
    /// 3 layers of 4 channels, batch-norm groups of 2.
    static func tinyConfiguration(behaviourMode: Int, shifter: Bool = false, depthSeparable: Bool = true, mice: Int = 2) -> V1TConfiguration {
        var configuration = V1TTests.tinyConfiguration(behaviourMode: 0, shifter: shifter, mice: mice)
        let core = Stacked2dCore.Configuration(imageHeight: 12, imageWidth: 16, hiddenChannels: 4, inputKernel: 5, hiddenKernel: 3,
                                               layers: 3, depthSeparable: depthSeparable, batchNormGroup: 2)
        configuration = V1TConfiguration(behaviourMode: behaviourMode, usesShifter: shifter, core: .stacked2d(core), mice: configuration.mice)
        return configuration
    }

    private func forward(_ model: V1T, mouse: Int, indices: [Int], context: PassContext) -> [Float] {
        let stack = V1TTests.images(count: 3)
        let behaviour = randomInput(3 * indices.count, seed: 31), pupil = randomInput(2 * indices.count, seed: 32)
        let y = stack.withUnsafeBufferPointer {
            model.forward(mouse: mouse, images: $0.baseAddress!, imageCount: 3, imageIndices: indices, behaviour: behaviour,
                          pupilCenter: pupil, context: context)
        }
        return array(y, indices.count * model.configuration.mice[mouse].neurons)
    }

    /// Every learned parameter of the whole model (core, readouts, shifter) against finite
    /// differences, for both behaviour modes the core takes, two mice, three samples (batch-norm
    /// groups of 2 and 1), dense and depthwise-separable hidden layers.
    func testWholeModelGradientsInModesZeroAndOne() throws {
        for (mode, depthSeparable) in [(0, true), (1, true), (0, false)] {
            let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: mode, shifter: mode == 1, depthSeparable: depthSeparable), seed: 4)
            for mouse in 0..<2 {
                let indices = [2, 0, 1], neurons = model.configuration.mice[mouse].neurons
                let context = PassContext(training: true, seed: 3, step: 1, trialIndices: [4, 9, 12])
                let projection = randomProjection(indices.count * neurons, seed: UInt64(20 + mode))
                func loss() -> Double {
                    let y = forward(model, mouse: mouse, indices: indices, context: context)
                    return zip(y, projection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                }
                model.parameters.zeroGradients()
                _ = loss()
                model.backward(projection)
                let analytic = Array(model.parameters.gradients)
                var indicesToCheck: [Int] = []
                for slice in model.layout.slices where slice.group != .statistics {
                    if slice.name.contains("mouse\(1 - mouse)") {
                        XCTAssertTrue(analytic[slice.range].allSatisfy { $0 == 0 }, "\(slice.name) of the other mouse got a gradient")
                    } else {
                        indicesToCheck += sampledIndices(slice.count, limit: 4, seed: UInt64(slice.offset)).map { $0 + slice.offset }
                    }
                }
                assertGradientsMatch("stacked2d mode \(mode) separable \(depthSeparable) mouse \(mouse)",
                                     values: model.parameters.values.baseAddress!, analytic: analytic, indices: indicesToCheck,
                                     epsilon: 1e-3, tolerance: 3e-2, loss: loss)
            }
        }
    }

    func testLayoutNamesAndShapesFollowV1T() throws {
        let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: 1), seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: model.layout.slices.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["core.features.layer0.conv.weight"], [4, 4, 5, 5], "4 channels in mode 1: image and 3 behaviour")
        XCTAssertEqual(shapes["core.features.layer1.ds_conv.in_depth_conv.weight"], [4, 4, 1, 1])
        XCTAssertEqual(shapes["core.features.layer2.ds_conv.spatial_conv.weight"], [4, 1, 3, 3])
        XCTAssertEqual(shapes["core.features.layer2.ds_conv.out_depth_conv.weight"], [4, 4, 1, 1])
        XCTAssertEqual(shapes["core.features.layer2.norm.running_var"], [4])
        XCTAssertEqual(model.core.featureShape, FeatureShape(height: 8, width: 12, channels: 4))
        XCTAssertEqual(model.trialGroupSize, 2)
        let published = try V1T(configuration: V1TConfiguration(behaviourMode: 0, usesShifter: false, core: .stacked2d(.published),
                                                                mice: Self.tinyConfiguration(behaviourMode: 0).mice), seed: 1)
        XCTAssertEqual(published.core.featureShape, FeatureShape(height: 28, width: 56, channels: 64))
    }

    /// A sample's output depends on the other samples of its batch-norm group only: the same
    /// groups give the same predictions in one micro-batch or two, as on one rank or two.
    func testPredictionsDependOnlyOnTheSampleGroup() throws {
        let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: 0), seed: 2)
        func context(_ trials: [Int]) -> PassContext { PassContext(training: true, seed: 1, step: 0, trialIndices: trials) }
        let whole = forward(model, mouse: 0, indices: [0, 1, 2, 0], context: context([5, 6, 7, 8]))
        let second = forward(model, mouse: 0, indices: [2, 0], context: context([7, 8]))
        let neurons = model.configuration.mice[0].neurons
        for (a, b) in zip(whole[(2 * neurons)...], second) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let regrouped = forward(model, mouse: 0, indices: [1, 2], context: context([6, 7]))
        XCTAssertNotEqual(Array(whole[neurons..<(2 * neurons)]), Array(regrouped[..<neurons]), "another group must change the statistics")
    }

    func testMemoryAccountingMatchesTheBuffersAfterEveryMouseTrained() throws {
        for depthSeparable in [true, false] {
            func allocated(batch: Int) throws -> (floats: Int, model: V1T) {
                let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: 1, shifter: true, depthSeparable: depthSeparable), seed: 3)
                for mouse in 0..<2 {
                    _ = forward(model, mouse: mouse, indices: (0..<batch).map { $0 % 3 },
                                context: PassContext(training: true, seed: 1, step: 0, trialIndices: Array(0..<batch)))
                    model.backward(randomInput(batch * model.configuration.mice[mouse].neurons))
                }
                return (allocatedFloats(model.buffers), model)
            }
            for batch in [1, 4] {
                let (floats, model) = try allocated(batch: batch)
                XCTAssertEqual(floats, batch * model.activationFloatsPerSample + model.fixedBufferFloats, "separable \(depthSeparable) batch \(batch)")
            }
        }
    }

    func testBehaviourThroughTransformerBlocksIsRefused() {
        for mode in 2...4 {
            XCTAssertThrowsError(try Self.tinyConfiguration(behaviourMode: mode).validate()) { error in
                XCTAssertTrue("\(error)".contains("use --behavior-mode 0 or 1"), "\(error)")
            }
        }
    }

    /// config.json written before the stacked2d core (a ViT core without "kind") still loads as a
    /// ViT; a stacked2d core round-trips with its kind.
    func testConfigurationJSONKeepsOldFilesLoadingAsViT() throws {
        let vit = V1TTests.tinyConfiguration(behaviourMode: 3, shifter: true)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(vit)) as? [String: Any])
        var core = try XCTUnwrap(object["core"] as? [String: Any])
        XCTAssertEqual(core["kind"] as? String, "vit")
        XCTAssertNotNil(core["patchSize"], "the ViT's fields stay where they were")
        core.removeValue(forKey: "kind")
        object["core"] = core
        let old = try JSONDecoder().decode(V1TConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old, vit)
        let stacked2d = Self.tinyConfiguration(behaviourMode: 1)
        let decoded = try JSONDecoder().decode(V1TConfiguration.self, from: JSONEncoder().encode(stacked2d))
        XCTAssertEqual(decoded, stacked2d)
        XCTAssertEqual(decoded.core.stacked2d?.imageChannels, 4)
    }
}
