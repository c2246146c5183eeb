import XCTest
@testable import V1TModel

final class V1TTests: XCTestCase {
    /// A model small enough for finite differences: 12x16 images, 4x4 patches with stride 4 (3x4 grid).
    static func tinyConfiguration(behaviourMode: Int, shifter: Bool, mice: Int = 2) -> V1TConfiguration {
        let core = ViTCore.Configuration(
            imageChannels: 1, imageHeight: 12, imageWidth: 16, patchSize: 4, patchStride: 4, embedding: 8, blocks: 1,
            heads: 2, headWidth: .split, mlpWidth: 12, patchDropout: 0.1, transformerDropout: 0.1, dropPath: 0.1,
            behaviourMode: 0, mice: 1)
        let mouseList = (0..<mice).map { m in
            V1TConfiguration.Mouse(
                name: "mouse\(m)", neuronX: (0..<(3 + m)).map { Float($0 * 37 % 100) },
                neuronY: (0..<(3 + m)).map { Float($0 * 53 % 90) }, imageHeight: 18, imageWidth: 20,
                imageMean: 120, imageStd: 50)
        }
        return V1TConfiguration(behaviourMode: behaviourMode, usesShifter: shifter, core: core, mice: mouseList)
    }

    static func images(count: Int, height: Int = 18, width: Int = 20) -> [UInt8] {
        (0..<(count * height * width)).map { UInt8(($0 * 7919) % 251) }
    }

    func testWholeModelGradientsInEveryBehaviourMode() throws {
        for (mode, shifter) in [(0, false), (1, false), (2, true), (3, true), (4, true)] {
            let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: mode, shifter: shifter), seed: 5)
            for mouse in 0..<2 {
                let neurons = model.configuration.mice[mouse].neurons
                let batch = 2
                let stack = Self.images(count: 3)
                let behaviour: [Float] = [0.3, -0.2, 1.1, 0.5, 0.1, -0.7]
                let pupil: [Float] = [0.2, -0.4, -0.3, 0.6]
                let context = PassContext(training: true, seed: 3, step: 1, trialIndices: [4, 9])
                let projection = randomProjection(batch * neurons, seed: UInt64(10 + mode))
                func loss() -> Double {
                    let y = stack.withUnsafeBufferPointer { s in
                        model.forward(mouse: mouse, images: s.baseAddress!, imageCount: 3, imageIndices: [2, 0],
                                      behaviour: behaviour, pupilCenter: pupil, context: context)
                    }
                    return (0..<(batch * neurons)).reduce(0.0) { $0 + Double(y[$1]) * Double(projection[$1]) }
                }
                model.parameters.zeroGradients()
                _ = loss()
                model.backward(projection)
                let analytic = Array(model.parameters.gradients)
                // Check coordinates of every slice this mouse uses (the other mouse's must stay zero).
                var indices: [Int] = []
                for slice in model.layout.slices {
                    let otherMouse = slice.name.contains("mouse\(1 - mouse)")
                    if otherMouse {
                        XCTAssertTrue(analytic[slice.range].allSatisfy { $0 == 0 }, "mode \(mode): \(slice.name) of the other mouse got a gradient")
                    } else {
                        indices += sampledIndices(slice.count, limit: 3, seed: UInt64(slice.offset)).map { $0 + slice.offset }
                    }
                }
                // A small step: sampled readout positions sit near bilinear cell edges of this 3x4
                // map, where a larger step crosses a kink and the difference quotient averages two slopes.
                assertGradientsMatch("V1T mode \(mode) mouse \(mouse)", values: model.parameters.values.baseAddress!,
                                     analytic: analytic, indices: indices, epsilon: 1e-3, tolerance: 3e-2, loss: loss)
            }
        }
    }

    func testModeOneAddsBehaviourChannelsAndShifterIsPerMouse() throws {
        let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: 1, shifter: true), seed: 1)
        XCTAssertEqual(model.vitCore?.configuration.imageChannels, 4)
        XCTAssertEqual(model.vitCore?.configuration.behaviourMode, 0)
        XCTAssertEqual(model.shifters.count, 2)
        XCTAssertNotNil(model.layout.slice(named: "shifter.mouse1.output.weight"))
        XCTAssertTrue(model.configuration.needsPupilCenter)
    }

    func testEvaluationIsDeterministicAndTrainingNoiseIsKeyedByTrial() throws {
        let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: 3, shifter: true), seed: 2)
        let stack = Self.images(count: 3)
        let behaviour = [Float](repeating: 0.1, count: 6), pupil = [Float](repeating: 0.2, count: 4)
        func run(_ context: PassContext, indices: [Int]) -> [Float] {
            let batch = indices.count
            let y = stack.withUnsafeBufferPointer {
                model.forward(mouse: 0, images: $0.baseAddress!, imageCount: 3, imageIndices: indices,
                              behaviour: Array(behaviour.prefix(batch * 3)), pupilCenter: Array(pupil.prefix(batch * 2)), context: context)
            }
            return Array(UnsafeBufferPointer(start: y, count: batch * 3))
        }
        let pair = run(PassContext(training: true, seed: 1, step: 0, trialIndices: [7, 8]), indices: [1, 2])
        let alone = run(PassContext(training: true, seed: 1, step: 0, trialIndices: [8]), indices: [2])
        XCTAssertEqual(Array(pair[3...]), alone, "trial 8 must draw the same noise alone or in a batch")
        let evaluated = run(.evaluation(batch: 2), indices: [1, 2])
        XCTAssertEqual(evaluated, run(.evaluation(batch: 2), indices: [1, 2]))
        XCTAssertNotEqual(evaluated, pair)
        XCTAssertTrue(evaluated.allSatisfy { $0 > 0 }, "ELU + 1 keeps predictions positive")
    }

    /// The micro-batch planner's figures are exactly what a training pass over every mouse allocates.
    func testMemoryAccountingMatchesTheBuffersAfterEveryMouseTrained() throws {
        for (mode, shifter) in [(0, false), (3, true), (4, true)] {
            func allocated(batch: Int) throws -> (floats: Int, model: V1T) {
                let model = try V1T(configuration: Self.tinyConfiguration(behaviourMode: mode, shifter: shifter), seed: 3)
                let stack = Self.images(count: 3)
                let behaviour = randomInput(batch * 3), pupil = randomInput(batch * 2, seed: 4)
                for mouse in 0..<2 {
                    let context = PassContext(training: true, seed: 1, step: 0, trialIndices: Array(0..<batch))
                    _ = stack.withUnsafeBufferPointer {
                        model.forward(mouse: mouse, images: $0.baseAddress!, imageCount: 3, imageIndices: (0..<batch).map { $0 % 3 },
                                      behaviour: behaviour, pupilCenter: pupil, context: context)
                    }
                    model.backward(randomInput(batch * model.configuration.mice[mouse].neurons))
                }
                return (allocatedFloats(model.buffers), model)
            }
            for batch in [1, 4] {
                let (floats, model) = try allocated(batch: batch)
                XCTAssertEqual(floats, batch * model.activationFloatsPerSample + model.fixedBufferFloats, "mode \(mode) batch \(batch)")
                XCTAssertEqual(model.activationBytesPerSample, 4 * model.activationFloatsPerSample)
                XCTAssertEqual(model.fixedBytes, 4 * (4 * model.parameters.count + model.fixedBufferFloats))
            }
            let one = try allocated(batch: 1), four = try allocated(batch: 4)
            XCTAssertEqual(four.floats - one.floats, 3 * one.model.activationFloatsPerSample, "mode \(mode)")
        }
    }
}
