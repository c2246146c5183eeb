import Foundation

/// Batch normalisation over channel-last maps (PyTorch's `BatchNorm2d`, affine, eps 1e-5), with
/// "ghost" batches so that data-parallel training does not depend on how the batch is split.
///
/// Training: the micro-batch is cut, from its first sample, into groups of `groupSize` consecutive
/// samples (the last may be shorter); each group is normalised with its own mean and biased
/// variance over its samples and pixels. The trainer's sharding hands out whole groups of the
/// global batch's seeded order, so every group, and hence every output, is the same on 1, 2 or N
/// ranks and for any micro-batch size (see docs/distributed.md).
///
/// Running statistics: backward adds each group's mean and unbiased variance, and a count of
/// groups, into the gradient slots of `runningMean`, `runningVariance` and `batchesTracked` (group
/// `.statistics`, which the optimiser skips). The gradient allreduce sums them over ranks; then
/// `finishStep` moves the running statistics towards the step's mean group statistics by
/// `momentum` (PyTorch's convention: new = (1 - momentum) · old + momentum · batch) and counts the
/// step. Evaluation normalises with the running statistics.
public final class BatchNorm2D {
    public let channels: Int
    /// Pixels per sample (height · width).
    public let pixels: Int
    public let groupSize: Int
    public let momentum: Float
    public let epsilon: Float = 1e-5
    /// [channels], learned, start at 1 and 0.
    public let weight: ParameterSlice
    public let bias: ParameterSlice
    /// [channels] and [1], not learned: start at 0, 1 and 0.
    public let runningMean: ParameterSlice
    public let runningVariance: ParameterSlice
    public let batchesTracked: ParameterSlice

    /// [batch, 3, channels]: group g's mean, 1/σ and unbiased variance in row g (room for a group
    /// per sample, so the size grows exactly with the batch).
    private let statistics = FloatBuffer()
    private var batch = 0
    private var trained = false

    public init(layout: inout ParameterLayout, name: String, channels: Int, pixels: Int, groupSize: Int, momentum: Float) {
        precondition(groupSize >= 1, "\(name): the batch-norm group needs at least one sample, got \(groupSize)")
        self.channels = channels
        self.pixels = pixels
        self.groupSize = groupSize
        self.momentum = momentum
        weight = layout.add("\(name).weight", shape: [channels], group: .core, initializer: .constant(1))
        bias = layout.add("\(name).bias", shape: [channels], group: .core, initializer: .zeros)
        runningMean = layout.add("\(name).running_mean", shape: [channels], group: .statistics, initializer: .zeros)
        runningVariance = layout.add("\(name).running_var", shape: [channels], group: .statistics, initializer: .constant(1))
        batchesTracked = layout.add("\(name).num_batches_tracked", shape: [1], group: .statistics, initializer: .zeros)
    }

    var floatsPerSample: Int { pixels * channels }
    var activationFloatsPerSample: Int { 3 * channels }

    /// x [batch, pixels, channels] -> y [batch, pixels, channels]; group statistics in training
    /// (context.training), running statistics otherwise.
    public func forward(_ x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?,
                        into y: UnsafeMutablePointer<Float>) {
        self.batch = batch
        trained = context?.training ?? false
        let w = params + weight.offset, b = params + bias.offset, c = channels
        guard trained else {
            let mean = params + runningMean.offset, variance = params + runningVariance.offset
            let scale = (0..<c).map { w[$0] / (variance[$0] + epsilon).squareRoot() }
            for p in 0..<(batch * pixels) {
                let xp = x + p * c, yp = y + p * c
                for channel in 0..<c { yp[channel] = (xp[channel] - mean[channel]) * scale[channel] + b[channel] }
            }
            return
        }
        let stats = statistics.reserve(batch * 3 * c)
        var sum = [Double](repeating: 0, count: c), squares = sum
        for (group, samples) in groups.enumerated() {
            let start = x + samples.lowerBound * floatsPerSample, count = samples.count * pixels
            for channel in 0..<c { sum[channel] = 0; squares[channel] = 0 }
            for p in 0..<count {
                for channel in 0..<c { sum[channel] += Double(start[p * c + channel]) }
            }
            let mean = sum.map { $0 / Double(count) }
            // Two passes (mean first), as LayerNorm, rather than E[x²] - mean².
            for p in 0..<count {
                for channel in 0..<c {
                    let d = Double(start[p * c + channel]) - mean[channel]
                    squares[channel] += d * d
                }
            }
            let row = stats + group * 3 * c
            for channel in 0..<c {
                let variance = squares[channel] / Double(count)
                row[channel] = Float(mean[channel])
                row[c + channel] = Float(1 / (variance + Double(epsilon)).squareRoot())
                row[2 * c + channel] = Float(count > 1 ? squares[channel] / Double(count - 1) : variance)
            }
            let out = y + samples.lowerBound * floatsPerSample
            for p in 0..<count {
                for channel in 0..<c {
                    out[p * c + channel] = (start[p * c + channel] - row[channel]) * row[c + channel] * w[channel] + b[channel]
                }
            }
        }
    }

    /// dy [batch, pixels, channels] and the training forward's input x: adds dWeight, dBias and
    /// the groups' statistics into grads and WRITES dx [batch, pixels, channels].
    ///
    /// Per group and channel, with x̂ the normalised input and n its size:
    /// dx = (1/σ) · (g - mean(g) - x̂ · mean(g x̂)), g = dy · weight.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, params: UnsafePointer<Float>,
                         grads: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        precondition(trained, "BatchNorm2D: backward needs a training forward pass (group statistics)")
        let w = params + weight.offset, c = channels
        let dw = grads + weight.offset, db = grads + bias.offset
        let meanSums = grads + runningMean.offset, varianceSums = grads + runningVariance.offset
        var sumG = [Float](repeating: 0, count: c), sumGH = sumG
        for (group, samples) in groups.enumerated() {
            let row = statistics.pointer + group * 3 * c
            let offset = samples.lowerBound * floatsPerSample, count = samples.count * pixels
            let xs = x + offset, dys = dy + offset, dxs = dx + offset
            for channel in 0..<c { sumG[channel] = 0; sumGH[channel] = 0 }
            for p in 0..<count {
                for channel in 0..<c {
                    let i = p * c + channel
                    let h = (xs[i] - row[channel]) * row[c + channel]
                    sumG[channel] += dys[i]
                    sumGH[channel] += dys[i] * h
                }
            }
            for channel in 0..<c {
                db[channel] += sumG[channel]
                dw[channel] += sumGH[channel]
                meanSums[channel] += row[channel]
                varianceSums[channel] += row[2 * c + channel]
                sumG[channel] /= Float(count)
                sumGH[channel] /= Float(count)
            }
            grads[batchesTracked.offset] += 1
            for p in 0..<count {
                for channel in 0..<c {
                    let i = p * c + channel
                    let h = (xs[i] - row[channel]) * row[c + channel]
                    dxs[i] = row[c + channel] * w[channel] * (dys[i] - sumG[channel] - h * sumGH[channel])
                }
            }
        }
    }

    /// Folds the step's summed group statistics (in the gradient slots) into the running statistics.
    public func finishStep(values: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>) {
        let groups = gradients[batchesTracked.offset]
        guard groups > 0 else { return }
        for channel in 0..<channels {
            for slice in [runningMean, runningVariance] {
                let i = slice.offset + channel
                values[i] = (1 - momentum) * values[i] + momentum * gradients[i] / groups
            }
        }
        values[batchesTracked.offset] += 1
    }

    /// The sample ranges of the last forward's groups.
    private var groups: [Range<Int>] {
        stride(from: 0, to: batch, by: groupSize).map { $0..<min($0 + groupSize, batch) }
    }

    var buffers: [FloatBuffer] { [statistics] }
}
