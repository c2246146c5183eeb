import XCTest
@testable import V1TModel

/// Checks a layer's parameter gradients (a few coordinates of every slice) and, when `input` is
/// given, its input gradient against central finite differences of loss = sum(output * R).
///
/// `forward` runs the layer on the current parameter values and input and returns its output;
/// `backward` receives dLoss/dOutput = R and returns dLoss/dInput (or nil).
func checkLayerGradients(
    _ label: String,
    store: ParameterStore,
    input: UnsafeMutablePointer<Float>? = nil,
    inputCount: Int = 0,
    outputCount: Int,
    perSlice: Int = 6,
    epsilon: Float = 1e-2,
    tolerance: Double = 2e-2,
    forward: () -> UnsafePointer<Float>,
    backward: (UnsafePointer<Float>) -> UnsafePointer<Float>?,
    file: StaticString = #filePath, line: UInt = #line
) {
    let projection = randomProjection(outputCount)
    func loss() -> Double {
        let y = forward()
        var total = 0.0
        for i in 0..<outputCount { total += Double(y[i]) * Double(projection[i]) }
        return total
    }
    store.zeroGradients()
    _ = forward()
    let dx = projection.withUnsafeBufferPointer { backward($0.baseAddress!) }
    // Copied now: the layer's buffers change on the next forward.
    let inputGradient = dx.map { Array(UnsafeBufferPointer(start: $0, count: inputCount)) }
    let parameterGradient = Array(store.gradients)

    var indices: [Int] = []
    // Running statistics are not differentiable parameters (their slots carry batch statistics).
    for (n, slice) in store.layout.slices.enumerated() where slice.group != .statistics {
        indices += sampledIndices(slice.count, limit: perSlice, seed: UInt64(n + 1)).map { slice.offset + $0 }
    }
    assertGradientsMatch("\(label) parameters", values: store.values.baseAddress!, analytic: parameterGradient,
                         indices: indices, epsilon: epsilon, tolerance: tolerance, loss: loss, file: file, line: line)
    if let input {
        XCTAssertNotNil(inputGradient, "\(label): backward returned no input gradient", file: file, line: line)
        assertGradientsMatch("\(label) input", values: input, analytic: inputGradient ?? [],
                             indices: sampledIndices(inputCount, limit: 40), epsilon: epsilon, tolerance: tolerance,
                             loss: loss, file: file, line: line)
    }
}

/// Fixed random numbers, normal with standard deviation `std`, for layer inputs.
func randomInput(_ count: Int, std: Float = 1, seed: UInt64 = 11) -> [Float] {
    var random = CounterRandom(key: seed)
    return (0..<count).map { _ in std * random.nextNormal() }
}

/// Overwrites every parameter with small random values, so that tests do not depend on the
/// initialisers' special values (zero biases, unit LayerNorm weights).
func randomiseParameters(_ store: ParameterStore, std: Float = 0.5, seed: UInt64 = 21) {
    var random = CounterRandom(key: seed)
    for i in 0..<store.count { store.values[i] = std * random.nextNormal() }
}

/// Total floats held by a set of layer buffers.
func allocatedFloats(_ buffers: [FloatBuffer]) -> Int { buffers.reduce(0) { $0 + $1.capacity } }

func array(_ pointer: UnsafePointer<Float>, _ count: Int) -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

func trainingContext(batch: Int, seed: UInt64 = 5, step: Int = 3, firstTrial: Int = 100) -> PassContext {
    PassContext(training: true, seed: seed, step: step, trialIndices: Array(firstTrial..<(firstTrial + batch)))
}

/// Runs `body` on a zeroed buffer of `count` floats and returns what it wrote (for layers that
/// write into the caller's memory).
func written(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return values
}

/// `count` floats of `source` copied into `buffer`, for layers whose backward overwrites the
/// gradient it is given.
func mutableCopy(_ source: UnsafePointer<Float>, count: Int, in buffer: FloatBuffer) -> UnsafeMutablePointer<Float> {
    let copy = buffer.reserve(count)
    copy.update(from: source, count: count)
    return copy
}
