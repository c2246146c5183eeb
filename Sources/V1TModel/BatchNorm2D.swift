import LayerKernels

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
///
/// On cores with AVX2 the training loops run in C (`Sources/LayerKernels/conv_kernels.c`): the same
/// operations in the same order per channel, vectorised over the channels, so the same bits; the
/// Swift loops ran at 1-2 ns an element.
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
                        into y: UnsafeMutablePointer<Float>, kernels: VectorKernels = .inUse) {
        let vectorised = kernels >= .avx2
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
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: 2 * c)
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: c)
        let scale = UnsafeMutablePointer<Float>.allocate(capacity: 2 * c)
        defer { sums.deallocate(); partial.deallocate(); scale.deallocate() }
        for (group, samples) in groups.enumerated() {
            let start = x + samples.lowerBound * floatsPerSample, count = samples.count * pixels
            // Mean, then the sum of squared deviations (two passes, as LayerNorm, rather than
            // E[x²] - mean²); Float partial sums over 64 pixels, added up in Double.
            sums.update(repeating: 0, count: 2 * c)
            if vectorised {
                vita_channel_sums_avx2(start, count, c, nil, sums, partial)
            } else {
                Self.accumulate(count: count, channels: c, into: sums, partial: partial) { p, channel in start[p * c + channel] }
            }
            for channel in 0..<c { sums[channel] /= Double(count) }
            let means = UnsafeMutablePointer<Float>(scale + c)
            for channel in 0..<c { means[channel] = Float(sums[channel]) }
            if vectorised {
                vita_channel_sums_avx2(start, count, c, means, sums + c, partial)
            } else {
                Self.accumulate(count: count, channels: c, into: sums + c, partial: partial) { p, channel in
                    let d = start[p * c + channel] - means[channel]
                    return d * d
                }
            }
            let row = stats + group * 3 * c
            for channel in 0..<c {
                let squares = sums[c + channel], variance = squares / Double(count)
                row[channel] = means[channel]
                row[c + channel] = Float(1 / (variance + Double(epsilon)).squareRoot())
                row[2 * c + channel] = Float(count > 1 ? squares / Double(count - 1) : variance)
                // y = x · scale + shift, scale = w/σ, shift = b - mean · w/σ.
                scale[channel] = row[c + channel] * w[channel]
                means[channel] = b[channel] - row[channel] * scale[channel]
            }
            let out = y + samples.lowerBound * floatsPerSample
            if vectorised {
                vita_channel_affine_avx2(start, count, c, scale, means, out)
                continue
            }
            for p in 0..<count {
                let xp = start + p * c, yp = out + p * c
                for channel in 0..<c { yp[channel] = xp[channel] * scale[channel] + means[channel] }
            }
        }
    }

    /// sums[channel] += Σ_p value(p, channel) over `count` pixels, in Float over 64 pixels at a
    /// time (contiguous channels vectorise) and in Double across those blocks.
    @inline(__always)
    private static func accumulate(count: Int, channels c: Int, into sums: UnsafeMutablePointer<Double>,
                                   partial: UnsafeMutablePointer<Float>, _ value: (Int, Int) -> Float) {
        var block = 0
        while block < count {
            partial.update(repeating: 0, count: c)
            for p in block..<min(block + 64, count) {
                for channel in 0..<c { partial[channel] += value(p, channel) }
            }
            for channel in 0..<c { sums[channel] += Double(partial[channel]) }
            block += 64
        }
    }

    /// dy [batch, pixels, channels] and the training forward's input x: adds dWeight, dBias and
    /// the groups' statistics into grads and WRITES dx [batch, pixels, channels].
    ///
    /// Per group and channel, with x̂ the normalised input and n its size:
    /// dx = (1/σ) · (g - mean(g) - x̂ · mean(g x̂)), g = dy · weight.
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, params: UnsafePointer<Float>,
                         grads: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>, kernels: VectorKernels = .inUse) {
        let vectorised = kernels >= .avx2
        precondition(trained, "BatchNorm2D: backward needs a training forward pass (group statistics)")
        let w = params + weight.offset, c = channels
        let dw = grads + weight.offset, db = grads + bias.offset
        let meanSums = grads + runningMean.offset, varianceSums = grads + runningVariance.offset
        let sumG = UnsafeMutablePointer<Float>.allocate(capacity: 4 * c)
        defer { sumG.deallocate() }
        let sumGH = sumG + c, inputScale = sumG + 2 * c, offsetTerm = sumG + 3 * c
        for (group, samples) in groups.enumerated() {
            let row = UnsafePointer(statistics.pointer + group * 3 * c)
            let offset = samples.lowerBound * floatsPerSample, count = samples.count * pixels
            let xs = x + offset, dys = dy + offset, dxs = dx + offset
            sumG.update(repeating: 0, count: 2 * c)
            if vectorised {
                vita_batch_norm_backward_sums_avx2(xs, dys, count, c, row, row + c, sumG, sumGH)
            } else {
                for p in 0..<count {
                    let xp = xs + p * c, gp = dys + p * c
                    for channel in 0..<c {
                        let h = (xp[channel] - row[channel]) * row[c + channel]
                        sumG[channel] += gp[channel]
                        sumGH[channel] += gp[channel] * h
                    }
                }
            }
            for channel in 0..<c {
                db[channel] += sumG[channel]
                dw[channel] += sumGH[channel]
                meanSums[channel] += row[channel]
                varianceSums[channel] += row[2 * c + channel]
                // dx = k (dy - mean(g) - x̂ mean(g x̂)) with k = w/σ and x̂ = (x - mean)/σ:
                // dx = k dy + inputScale · x + offsetTerm.
                let k = row[c + channel] * w[channel], meanG = sumG[channel] / Float(count)
                let meanGH = sumGH[channel] / Float(count)
                sumG[channel] = k
                inputScale[channel] = -k * meanGH * row[c + channel]
                offsetTerm[channel] = -k * (meanG - meanGH * row[c + channel] * row[channel])
            }
            grads[batchesTracked.offset] += 1
            if vectorised {
                vita_batch_norm_backward_apply_avx2(xs, dys, count, c, sumG, inputScale, offsetTerm, dxs)
                continue
            }
            for p in 0..<count {
                let xp = xs + p * c, gp = dys + p * c, out = dxs + p * c
                for channel in 0..<c {
                    out[channel] = sumG[channel] * gp[channel] + inputScale[channel] * xp[channel] + offsetTerm[channel]
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
