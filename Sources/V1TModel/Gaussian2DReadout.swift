import Foundation

/// Per-mouse readout from the core's feature map to the neurons (V1T's `Gaussian2DReadout`, after
/// neuralpredictors' FullGaussian2d). Each neuron looks at one point of the feature map, a learned
/// mean position with learned 2x2 spread, and weighs the C channels found there:
///
///     grid[b,n]  = clamp(mu[n] + sigma[n] · eps[b,n], -1, 1)   training, eps ~ N(0, I) per sample and neuron
///                = mu[n]                                      evaluation
///     pos[b,n]   = grid[b,n] + shift[b]                        (shift from the `Shifter`, added after the clamp)
///     out[b,n]   = Σ_c bilinear(map[b], pos[b,n])[c] · features[n,c] + bias[n]
///
/// Positions are (x, y) in [-1, 1]: x spans the width and y the height of the map, with -1 and +1 on
/// the centres of the outermost cells (grid_sample with align_corners=True). Points outside the map
/// read zeros (padding "zeros"), which can happen once the shift is added.
///
/// Sampling noise keeps a neuron's gradient from depending on a single point, so its position can
/// move; at evaluation the mean is used. The noise is drawn from `context.random(sample:purpose:)`,
/// so a sample draws the same noise on any rank or in any micro-batch.
public final class Gaussian2DReadout {
    /// The random-stream purpose of the position noise.
    public static let noisePurpose: UInt64 = 0x6EAD_0A17_6A55_0001

    public let neurons: Int
    public let channels: Int
    public let gridHeight: Int
    public let gridWidth: Int
    /// [neurons, channels], init 1/channels. The readout L1 penalty applies to this slice only.
    public let features: ParameterSlice
    /// [neurons], init 0 (V1T's default bias mode 0).
    public let bias: ParameterSlice
    /// V1T's initial spread of the position noise.
    public static let defaultInitialSigma: Float = 0.1
    /// [neurons, 2, 2]: row c maps the noise (eps_x, eps_y) to coordinate c; init U(-s, s), s = `initialSigma`.
    public let sigma: ParameterSlice
    private let gridPredictor: ReadoutGridPredictor

    // Saved by forward for backward.
    private var batch = 0
    private var featureMap: UnsafePointer<Float>?
    private var hadShift = false
    private let noise = FloatBuffer()          // [batch, neurons, 2]
    private let clampPasses = FloatBuffer()    // [batch, neurons, 2], 1 where the clamp did not bind
    /// [batch, neurons, 2]: the final (x, y) of the last forward, shift included (tests read it).
    let sampled = FloatBuffer()
    private let samples = FloatBuffer()        // [batch, neurons, channels]
    private let output = FloatBuffer()         // [batch, neurons]
    /// [batch, gridHeight, gridWidth, channels]: possibly shared with other readouts (see `init`).
    private let mapGradient: FloatBuffer
    private let shiftGradientBuffer = FloatBuffer()  // [batch, 2]
    private let muGradient = FloatBuffer()     // [neurons, 2]
    private let sampleGradient = FloatBuffer() // [channels]

    /// Parameters: `<name>.features`, `<name>.bias`, `<name>.sigma`, and the grid predictor's
    /// `<name>.gridPredictor.hidden.{weight [30,2], bias [30]}`, `<name>.gridPredictor.output.{weight [2,30], bias [2]}`.
    /// - neuronPositions: each neuron's cortical (x, y), in any unit (they are normalised).
    /// - channels, gridHeight, gridWidth: the core's feature map [gridHeight, gridWidth, channels].
    /// - initialSigma: the position noise starts as U(-initialSigma, initialSigma) per matrix entry.
    /// - featureMapGradient: where `backward` writes the feature map's gradient. The readouts of
    ///   several mice can share one (`V1T` does): only one mouse's backward runs at a time, and the
    ///   core consumes the gradient before the next.
    public init(layout: inout ParameterLayout, name: String, neuronPositions: [(x: Float, y: Float)],
                channels: Int, gridHeight: Int, gridWidth: Int, group: ParameterGroup = .readout,
                initialSigma: Float = defaultInitialSigma, featureMapGradient: FloatBuffer = FloatBuffer()) {
        precondition(!neuronPositions.isEmpty, "readout \(name): the mouse has no neurons")
        precondition(neuronPositions.allSatisfy { $0.x.isFinite && $0.y.isFinite },
                     "readout \(name): neuron positions must be finite numbers")
        precondition(channels > 0 && gridHeight > 0 && gridWidth > 0,
                     "readout \(name): empty feature map \(gridHeight)x\(gridWidth)x\(channels)")
        neurons = neuronPositions.count
        self.channels = channels
        self.gridHeight = gridHeight
        self.gridWidth = gridWidth
        mapGradient = featureMapGradient
        gridPredictor = ReadoutGridPredictor(layout: &layout, name: "\(name).gridPredictor",
                                             neuronPositions: neuronPositions, group: group)
        sigma = layout.add("\(name).sigma", shape: [neurons, 2, 2], group: group,
                           initializer: .uniform(low: -initialSigma, high: initialSigma))
        features = layout.add("\(name).features", shape: [neurons, channels], group: group,
                              initializer: .constant(1 / Float(channels)))
        bias = layout.add("\(name).bias", shape: [neurons], group: group, initializer: .zeros)
    }

    /// Each neuron's mean position mu (x, y) in [-1, 1], for plots of the learned receptive fields.
    public func meanPositions(params: UnsafePointer<Float>) -> [(x: Float, y: Float)] {
        let mu = gridPredictor.forward(params: params)
        return (0..<neurons).map { (x: mu[2 * $0], y: mu[2 * $0 + 1]) }
    }

    /// featureMap [batch, gridHeight, gridWidth, channels], shift [batch, 2] or nil -> responses
    /// [batch, neurons] (owned, valid until the next forward). The feature map is read again by
    /// `backward`, so it must stay unchanged until then.
    public func forward(_ featureMap: UnsafePointer<Float>, shift: UnsafePointer<Float>?, batch: Int,
                        params: UnsafePointer<Float>, context: PassContext) -> UnsafePointer<Float> {
        precondition(!context.training || context.batch == batch,
                     "readout: the pass context keys \(context.batch) samples but the batch has \(batch)")
        self.batch = batch
        self.featureMap = featureMap
        hadShift = shift != nil
        let mu = gridPredictor.forward(params: params)
        let sigmas = params + sigma.offset
        let eps = noise.reserve(batch * neurons * 2)
        let passes = clampPasses.reserve(batch * neurons * 2)
        let positions = sampled.reserve(batch * neurons * 2)
        for b in 0..<batch {
            var random = context.training ? context.random(sample: b, purpose: Self.noisePurpose) : nil
            for n in 0..<neurons {
                let i = (b * neurons + n) * 2
                eps[i] = random?.nextNormal() ?? 0
                eps[i + 1] = random?.nextNormal() ?? 0
                for c in 0..<2 {
                    let s = sigmas + n * 4 + c * 2
                    let raw = mu[2 * n + c] + s[0] * eps[i] + s[1] * eps[i + 1]
                    // As torch.clamp: the gradient passes where -1 <= raw <= 1, ends included.
                    passes[i + c] = abs(raw) <= 1 ? 1 : 0
                    positions[i + c] = min(max(raw, -1), 1) + (shift?[b * 2 + c] ?? 0)
                }
            }
        }
        sampleAll(featureMap, params: params)
        return UnsafePointer(output.pointer)
    }

    /// dResponses [batch, neurons] -> dFeatureMap [batch, gridHeight, gridWidth, channels] (owned).
    /// Adds the gradients of features, bias, sigma and the grid predictor into grads, and leaves the
    /// gradient of the shift in `shiftGradient`.
    public func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        guard let map = featureMap else { preconditionFailure("readout: backward called before forward") }
        let c = channels
        let dMap = mapGradient.zeroed(batch * gridHeight * gridWidth * c)
        let dShift = shiftGradientBuffer.zeroed(batch * 2)
        let dMu = muGradient.zeroed(neurons * 2)
        let dSample = sampleGradient.reserve(c)
        let weights = params + features.offset
        let dWeights = grads + features.offset
        let dBias = grads + bias.offset
        let dSigma = grads + sigma.offset
        let eps = noise.pointer, passes = clampPasses.pointer
        for b in 0..<batch {
            let mapOfSample = map + b * gridHeight * gridWidth * c
            let dMapOfSample = dMap + b * gridHeight * gridWidth * c
            for n in 0..<neurons {
                let g = dy[b * neurons + n]
                let row = samples.pointer + (b * neurons + n) * c
                let w = weights + n * c
                for k in 0..<c {
                    dWeights[n * c + k] += g * row[k]
                    dSample[k] = g * w[k]
                }
                dBias[n] += g
                let i = (b * neurons + n) * 2
                let cell = BilinearCell(x: sampled.pointer[i], y: sampled.pointer[i + 1], height: gridHeight, width: gridWidth)
                // v[corner] = dSample · map[corner]; the position gradient is how the corner weights
                // change with the position, weighted by these.
                var v: (Float, Float, Float, Float) = (0, 0, 0, 0)
                cell.forEachCorner { corner, offset, weight in
                    let source = mapOfSample + offset * c
                    let target = dMapOfSample + offset * c
                    for k in 0..<c { target[k] += weight * dSample[k] }
                    let dot = dotProduct(dSample, source, count: c)
                    switch corner {
                    case 0: v.0 = dot
                    case 1: v.1 = dot
                    case 2: v.2 = dot
                    default: v.3 = dot
                    }
                }
                let (fx, fy) = (cell.fractionX, cell.fractionY)
                let dx = ((1 - fy) * (v.1 - v.0) + fy * (v.3 - v.2)) * Float(gridWidth - 1) / 2
                let dyPosition = ((1 - fx) * (v.2 - v.0) + fx * (v.3 - v.1)) * Float(gridHeight - 1) / 2
                dShift[b * 2] += dx
                dShift[b * 2 + 1] += dyPosition
                let dGrid = (dx * passes[i], dyPosition * passes[i + 1])
                dMu[2 * n] += dGrid.0
                dMu[2 * n + 1] += dGrid.1
                let s = dSigma + n * 4
                s[0] += dGrid.0 * eps[i]
                s[1] += dGrid.0 * eps[i + 1]
                s[2] += dGrid.1 * eps[i]
                s[3] += dGrid.1 * eps[i + 1]
            }
        }
        gridPredictor.backward(dMu, params: params, grads: grads)
        return UnsafePointer(dMap)
    }

    /// dLoss/dShift [batch, 2] from the last backward, for `Shifter.backward`; nil when the last
    /// forward had no shift.
    public var shiftGradient: UnsafePointer<Float>? {
        hadShift ? UnsafePointer(shiftGradientBuffer.pointer) : nil
    }

    /// Floats held per sample of a training micro-batch: noise, clamp flags, positions, the
    /// bilinear reads, the output and the shift gradient (the feature map's gradient, which may be
    /// shared, is `featureMapGradientFloatsPerSample`).
    public var activationFloatsPerSample: Int { neurons * (2 + 2 + 2 + channels + 1) + 2 }

    public var featureMapGradientFloatsPerSample: Int { gridHeight * gridWidth * channels }

    /// Floats held whatever the batch: per-neuron gradients, one sample's channel gradient and the
    /// grid predictor's buffers.
    public var fixedFloats: Int { 2 * neurons + channels + gridPredictor.fixedFloats }

    /// Every buffer but the feature map's gradient.
    var buffers: [FloatBuffer] {
        [noise, clampPasses, sampled, samples, output, shiftGradientBuffer, muGradient, sampleGradient] + gridPredictor.buffers
    }

    /// Fills `samples` with the bilinear reads at `sampled` and `output` with the feature-weighted sums.
    private func sampleAll(_ map: UnsafePointer<Float>, params: UnsafePointer<Float>) {
        let c = channels
        let reads = samples.reserve(batch * neurons * c)
        let out = output.reserve(batch * neurons)
        let weights = params + features.offset
        let biases = params + bias.offset
        for b in 0..<batch {
            let mapOfSample = map + b * gridHeight * gridWidth * c
            for n in 0..<neurons {
                let i = (b * neurons + n) * 2
                let row = reads + (b * neurons + n) * c
                row.update(repeating: 0, count: c)
                let cell = BilinearCell(x: sampled.pointer[i], y: sampled.pointer[i + 1], height: gridHeight, width: gridWidth)
                cell.forEachCorner { _, offset, weight in
                    let source = mapOfSample + offset * c
                    for k in 0..<c { row[k] += weight * source[k] }
                }
                out[b * neurons + n] = dotProduct(row, weights + n * c, count: c) + biases[n]
            }
        }
    }
}

/// Σ a[k] b[k] in sixteen partial sums: one chain of dependent additions per neuron and corner
/// made the readout's backward a visible part of the demo preset's pass.
private func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = Float16Lanes.zero
    var k = 0
    while k + 16 <= count {
        lanes += loadLanes(a + k) * loadLanes(b + k)
        k += 16
    }
    var sum = lanes.sum()
    while k < count {
        sum += a[k] * b[k]
        k += 1
    }
    return sum
}

/// The four cells around a sampling position with grid_sample(align_corners=True) semantics:
/// x = -1 is the centre of column 0 and x = +1 the centre of column width-1 (y likewise for rows).
struct BilinearCell {
    let column: Int
    let row: Int
    /// Position inside the cell, in [0, 1): the weight of the right (bottom) neighbour.
    let fractionX: Float
    let fractionY: Float
    let height: Int
    let width: Int

    init(x: Float, y: Float, height: Int, width: Int) {
        self.height = height
        self.width = width
        var ix = (x + 1) / 2 * Float(width - 1)
        var iy = (y + 1) / 2 * Float(height - 1)
        guard ix.isFinite, iy.isFinite else {
            // A diverged model: let the NaN reach the loss, where training stops on it.
            (column, row, fractionX, fractionY) = (0, 0, .nan, .nan)
            return
        }
        // Points more than a cell outside read zeros whatever their exact place; bounding them
        // keeps the integer conversion safe.
        ix = min(max(ix, -2), Float(width + 1))
        iy = min(max(iy, -2), Float(height + 1))
        let left = ix.rounded(.down), top = iy.rounded(.down)
        column = Int(left)
        row = Int(top)
        fractionX = ix - left
        fractionY = iy - top
    }

    /// Calls body(corner, row * width + column, weight) for the corners inside the map, in the order
    /// top-left (0), top-right (1), bottom-left (2), bottom-right (3); corners outside read zero.
    @inline(__always)
    func forEachCorner(_ body: (Int, Int, Float) -> Void) {
        let weights = ((1 - fractionX) * (1 - fractionY), fractionX * (1 - fractionY),
                       (1 - fractionX) * fractionY, fractionX * fractionY)
        for corner in 0..<4 {
            let r = row + corner / 2, col = column + corner % 2
            guard r >= 0, r < height, col >= 0, col < width else { continue }
            let weight: Float
            switch corner {
            case 0: weight = weights.0
            case 1: weight = weights.1
            case 2: weight = weights.2
            default: weight = weights.3
            }
            body(corner, r * width + col, weight)
        }
    }
}
