import XCTest
@testable import V1TModel

/// A readout on a small random feature map, with the buffers a gradient check perturbs.
private final class ReadoutFixture {
    let batch: Int, height: Int, width: Int, channels: Int
    let readout: Gaussian2DReadout
    let store: ParameterStore
    let map: UnsafeMutablePointer<Float>
    let shift: UnsafeMutablePointer<Float>
    let useShift: Bool
    var context: PassContext

    /// Seed 16 keeps every sample at least 0.06 cells from a cell boundary and 0.6 from the clamp.
    init(batch: Int = 3, height: Int = 4, width: Int = 5, channels: Int = 3, training: Bool,
         useShift: Bool, seed: UInt64 = 16) {
        (self.batch, self.height, self.width, self.channels, self.useShift) = (batch, height, width, channels, useShift)
        var layout = ParameterLayout()
        let positions: [(x: Float, y: Float)] = [(120, 40), (300, 80), (210, 260), (90, 310), (250, 150)]
        readout = Gaussian2DReadout(layout: &layout, name: "readout.m0", neuronPositions: positions,
                                    channels: channels, gridHeight: height, gridWidth: width)
        store = ParameterStore(layout: layout, seed: seed)
        let mapValues = randomProjection(batch * height * width * channels, seed: 3)
        map = .allocate(capacity: mapValues.count)
        map.initialize(from: mapValues, count: mapValues.count)
        let shiftValues = randomProjection(batch * 2, seed: 5).map { 0.3 * $0 }
        shift = .allocate(capacity: shiftValues.count)
        shift.initialize(from: shiftValues, count: shiftValues.count)
        context = PassContext(training: training, seed: 4, step: 2, trialIndices: (0..<batch).map { 100 + 7 * $0 })
    }

    deinit {
        map.deallocate()
        shift.deallocate()
    }

    var params: UnsafeMutablePointer<Float> { store.values.baseAddress! }

    func forward() -> UnsafePointer<Float> {
        readout.forward(map, shift: useShift ? UnsafePointer(shift) : nil, batch: batch, params: params, context: context)
    }

    /// sum(output · R) in Double: its gradient with respect to the output is R.
    func loss(_ projection: [Float]) -> Double {
        let out = forward()
        return (0..<projection.count).reduce(0.0) { $0 + Double(out[$1]) * Double(projection[$1]) }
    }

    /// The smallest distance (in cells) of any sampling coordinate to a cell boundary, and the
    /// largest |pre-clamp position|, so a check can assert it stays where the readout is smooth.
    func smoothness() -> (cellMargin: Float, largestPosition: Float) {
        var margin = Float.infinity, largest: Float = 0
        let positions = readout.sampled.pointer
        for b in 0..<batch {
            for n in 0..<readout.neurons {
                for c in 0..<2 {
                    let p = positions[(b * readout.neurons + n) * 2 + c]
                    largest = max(largest, abs(p - (useShift ? shift[b * 2 + c] : 0)))
                    let index = (p + 1) / 2 * Float((c == 0 ? width : height) - 1)
                    margin = min(margin, abs(index - index.rounded()))
                }
            }
        }
        return (margin, largest)
    }
}

final class Gaussian2DReadoutTests: XCTestCase {
    private func checkAllGradients(training: Bool, useShift: Bool, sigmaScale: Float? = nil) {
        let f = ReadoutFixture(training: training, useShift: useShift)
        if let sigmaScale {
            let sigma = f.readout.sigma
            f.store.setValues(f.store.values(of: sigma).map { $0 * sigmaScale }, of: sigma)
        }
        let projection = randomProjection(f.batch * f.readout.neurons, seed: 9)
        _ = f.forward()
        let smooth = f.smoothness()
        if sigmaScale == nil {
            XCTAssertGreaterThan(smooth.cellMargin, 0.02, "fixture samples too close to a cell boundary")
            XCTAssertLessThan(smooth.largestPosition, 0.95, "fixture samples too close to the clamp")
        }
        f.store.zeroGradients()
        let dMap = projection.withUnsafeBufferPointer {
            f.readout.backward($0.baseAddress!, params: f.params, grads: f.store.gradients.baseAddress!)
        }
        let mapGradient = Array(UnsafeBufferPointer(start: dMap, count: f.batch * f.height * f.width * f.channels))
        let shiftGradient = f.readout.shiftGradient.map { Array(UnsafeBufferPointer(start: $0, count: f.batch * 2)) }
        let parameterGradient = Array(f.store.gradients)
        let mode = "\(training ? "training" : "evaluation")\(useShift ? " with shift" : "")"

        for slice in f.store.layout.slices {
            assertGradientsMatch("\(slice.name) (\(mode))", values: f.params, analytic: parameterGradient,
                                 indices: sampledIndices(slice.count, limit: 24).map { slice.offset + $0 },
                                 epsilon: 1e-3) { f.loss(projection) }
        }
        assertGradientsMatch("feature map (\(mode))", values: f.map, analytic: mapGradient,
                             indices: sampledIndices(mapGradient.count, limit: 60), epsilon: 1e-3) { f.loss(projection) }
        if useShift {
            XCTAssertNotNil(shiftGradient)
            assertGradientsMatch("shift (\(mode))", values: f.shift, analytic: shiftGradient ?? [],
                                 indices: Array(0..<(f.batch * 2)), epsilon: 1e-3) { f.loss(projection) }
        } else {
            XCTAssertNil(shiftGradient)
        }
        if !training {
            XCTAssertTrue(f.store.values(of: f.readout.sigma).indices.allSatisfy { parameterGradient[f.readout.sigma.offset + $0] == 0 },
                          "without noise sigma has no gradient")
        }
    }

    func testGradientsInEvaluationMode() { checkAllGradients(training: false, useShift: false) }
    func testGradientsInEvaluationModeWithShift() { checkAllGradients(training: false, useShift: true) }
    func testGradientsInTrainingModeWithShift() { checkAllGradients(training: true, useShift: true) }

    /// Large sigma: most positions are clamped; there the gradient must be zero, as the numeric one is.
    func testGradientsWhereTheClampBinds() {
        checkAllGradients(training: true, useShift: false, sigmaScale: 40)
    }

    /// Reads known values of a 2x3 map at known positions, corners and outside points included.
    func testBilinearSamplingMatchesGridSampleWithAlignedCorners() {
        let positions: [(x: Float, y: Float)] = [(-1, -1), (1, 1), (1, -1), (-1, 1), (0, 0), (0.5, -0.5), (1.5, 0), (-3, 0)]
        // map[r][col] = 1 + 3r + col in channel 0, 100 times that in channel 1.
        let expected: [Float] = [1, 6, 3, 4, 3.5, 3.25, 2.25, 0]
        let batch = positions.count
        var layout = ParameterLayout()
        let readout = Gaussian2DReadout(layout: &layout, name: "r", neuronPositions: [(0, 0), (1, 1)],
                                        channels: 2, gridHeight: 2, gridWidth: 3)
        let store = ParameterStore(layout: layout, seed: 1)
        // Zero the grid predictor's output layer so mu = tanh(0) = 0 and the shift alone places the sample.
        for name in ["r.gridPredictor.output.weight", "r.gridPredictor.output.bias"] {
            let slice = layout.slice(named: name)!
            store.setValues(Array(repeating: 0, count: slice.count), of: slice)
        }
        store.setValues([1, 0, 0, 1], of: readout.features)
        store.setValues([0.5, 0.5], of: readout.bias)
        var map: [Float] = []
        for _ in 0..<batch {
            for r in 0..<2 { for col in 0..<3 { map += [Float(1 + 3 * r + col), Float(100 * (1 + 3 * r + col))] } }
        }
        let shift = positions.flatMap { [$0.x, $0.y] }
        let out = readout.forward(map, shift: shift, batch: batch, params: store.values.baseAddress!,
                                  context: .evaluation(batch: batch))
        for b in 0..<batch {
            XCTAssertEqual(out[2 * b], expected[b] + 0.5, accuracy: 1e-5, "channel 0 at \(positions[b])")
            XCTAssertEqual(out[2 * b + 1], 100 * expected[b] + 0.5, accuracy: 1e-3, "channel 1 at \(positions[b])")
        }

        // The mean position itself reaches a corner: tanh(±20) is ±1 in Float.
        let outputBias = layout.slice(named: "r.gridPredictor.output.bias")!
        store.setValues([20, -20], of: outputBias)
        let mu = readout.meanPositions(params: store.values.baseAddress!)
        XCTAssertEqual(mu.map(\.x), [1, 1])
        XCTAssertEqual(mu.map(\.y), [-1, -1])
        let top = readout.forward(map, shift: nil, batch: 1, params: store.values.baseAddress!, context: .evaluation(batch: 1))
        XCTAssertEqual(top[0], 3 + 0.5, accuracy: 1e-5, "(1, -1) is the top-right cell")
    }

    /// The whole training-mode forward against a direct re-implementation: noise from the same keyed
    /// streams, clamp, shift, and sampling written as a tent-kernel sum over every cell.
    func testTrainingForwardMatchesIndependentComputation() {
        let f = ReadoutFixture(training: true, useShift: true)
        let sigma = f.readout.sigma
        f.store.setValues(f.store.values(of: sigma).map { $0 * 8 }, of: sigma)  // make some clamps bind
        let out = f.forward()
        let mu = f.readout.meanPositions(params: f.params)
        let sigmas = f.store.values(of: sigma), weights = f.store.values(of: f.readout.features)
        let biases = f.store.values(of: f.readout.bias)
        let n = f.readout.neurons, c = f.channels
        var clamped = 0
        for b in 0..<f.batch {
            var random = f.context.random(sample: b, purpose: Gaussian2DReadout.noisePurpose)
            for j in 0..<n {
                let e = (Double(random.nextNormal()), Double(random.nextNormal()))
                var position = [0.0, 0.0]
                for axis in 0..<2 {
                    let m = axis == 0 ? Double(mu[j].x) : Double(mu[j].y)
                    let raw = m + Double(sigmas[j * 4 + axis * 2]) * e.0 + Double(sigmas[j * 4 + axis * 2 + 1]) * e.1
                    if abs(raw) > 1 { clamped += 1 }
                    position[axis] = min(max(raw, -1), 1) + Double(f.shift[b * 2 + axis])
                }
                let ix = (position[0] + 1) / 2 * Double(f.width - 1), iy = (position[1] + 1) / 2 * Double(f.height - 1)
                var expected = Double(biases[j])
                for r in 0..<f.height {
                    for col in 0..<f.width {
                        let tent = max(0, 1 - abs(ix - Double(col))) * max(0, 1 - abs(iy - Double(r)))
                        for k in 0..<c {
                            expected += tent * Double(f.map[((b * f.height + r) * f.width + col) * c + k]) * Double(weights[j * c + k])
                        }
                    }
                }
                XCTAssertEqual(Double(out[b * n + j]), expected, accuracy: 1e-4, "sample \(b) neuron \(j)")
            }
        }
        XCTAssertGreaterThan(clamped, 0, "the fixture should exercise the clamp")
    }

    /// A sample draws the same position noise whichever micro-batch it is in: data-parallel runs
    /// depend on it.
    func testNoiseIsKeyedByTrialNotBatchPosition() {
        let whole = ReadoutFixture(batch: 2, training: true, useShift: false)
        let outWhole = Array(UnsafeBufferPointer(start: whole.forward(), count: 2 * whole.readout.neurons))
        let again = Array(UnsafeBufferPointer(start: whole.forward(), count: 2 * whole.readout.neurons))
        XCTAssertEqual(outWhole, again)

        let second = ReadoutFixture(batch: 2, training: true, useShift: false)
        // Put sample 1's map and trial first, alone.
        let plane = second.height * second.width * second.channels
        second.map.update(from: whole.map + plane, count: plane)
        second.context.trialIndices = [whole.context.trialIndices[1]]
        let outAlone = second.readout.forward(second.map, shift: nil, batch: 1, params: second.params, context: second.context)
        let n = whole.readout.neurons
        XCTAssertEqual(Array(UnsafeBufferPointer(start: outAlone, count: n)), Array(outWhole[n..<(2 * n)]))

        let evaluation = ReadoutFixture(batch: 2, training: false, useShift: false)
        let outMean = Array(UnsafeBufferPointer(start: evaluation.forward(), count: 2 * n))
        XCTAssertNotEqual(outMean, outWhole, "training samples around the mean, evaluation at it")
    }

    func testInitialisationAndSourceGrid() {
        var layout = ParameterLayout()
        let readout = Gaussian2DReadout(layout: &layout, name: "m", neuronPositions: [(0, 0), (4, 0), (2, 8)],
                                        channels: 4, gridHeight: 2, gridWidth: 2)
        let store = ParameterStore(layout: layout, seed: 2)
        XCTAssertEqual(store.values(of: readout.features), Array(repeating: 0.25, count: 12))
        XCTAssertEqual(store.values(of: readout.bias), [0, 0, 0])
        XCTAssertTrue(store.values(of: readout.sigma).allSatisfy { abs($0) <= 0.1 })
        XCTAssertEqual(readout.sigma.shape, [3, 2, 2])
        let hidden = layout.slice(named: "m.gridPredictor.hidden.weight")!
        XCTAssertEqual(hidden.shape, [30, 2])
        XCTAssertTrue(store.values(of: hidden).allSatisfy { abs($0) <= 1 / Float(2).squareRoot() })
        XCTAssertEqual(layout.slice(named: "m.gridPredictor.output.weight")!.shape, [2, 30])
        XCTAssertTrue(layout.slices.allSatisfy { $0.group == .readout })
        // Mean (2, 8/3); centred (-2, -8/3), (2, -8/3), (0, 16/3); largest |.| = 16/3.
        let source = ReadoutGridPredictor.normalisedSource([(0, 0), (4, 0), (2, 8)])
        let expected: [Float] = [-0.375, -0.5, 0.375, -0.5, 0, 1]
        for (s, e) in zip(source, expected) { XCTAssertEqual(s, e, accuracy: 1e-6) }
        XCTAssertEqual(ReadoutGridPredictor.normalisedSource([(5, 7)]), [0, 0])
    }
}
