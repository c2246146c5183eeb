import LayerKernels

/// A depthwise 2D convolution over channel-last maps: each channel convolved with its own
/// kernel x kernel filter (PyTorch's `Conv2d(groups: channels)`), stride 1, "same" zero padding of
/// kernel/2, no bias (it feeds a pointwise convolution and a batch norm). The middle of V1T's
/// `DepthSeparableConv2d`.
///
/// Weights in PyTorch's layout [channels, 1, kernel, kernel], Xavier normal. The loops run over
/// channels innermost, where the channel-last maps are contiguous, from a copy of the weights
/// transposed to [kernel, kernel, channels]. On cores with AVX2 they run in C
/// (`Sources/LayerKernels/conv_kernels.c`: a pixel's channels summed in registers over the taps);
/// the Swift loops below, about 1 GFLOP/s, are for other cores and are what tests hold C to.
public final class DepthwiseConvolution2D {
    public let channels: Int
    public let kernel: Int
    public let height: Int
    public let width: Int
    /// [channels, 1, kernel, kernel]
    public let weight: ParameterSlice
    /// [kernel, kernel, channels]: the weights transposed, and their gradient in backward.
    private let transposedWeights = FloatBuffer()
    private let transposedGradient = FloatBuffer()

    public init(layout: inout ParameterLayout, name: String, channels: Int, kernel: Int, height: Int, width: Int) {
        precondition(kernel % 2 == 1, "\(name): 'same' padding needs an odd kernel, got \(kernel)")
        self.channels = channels
        self.kernel = kernel
        self.height = height
        self.width = width
        let fanIn = kernel * kernel, fanOut = channels * kernel * kernel
        weight = layout.add("\(name).weight", shape: [channels, 1, kernel, kernel], group: .core,
                            initializer: .normal(std: (2 / Float(fanIn + fanOut)).squareRoot()))
    }

    var floatsPerSample: Int { height * width * channels }
    /// Floats of scratch that do not grow with the batch.
    var scratchFloats: Int { 2 * kernel * kernel * channels }

    /// x [batch, height, width, channels] -> y [batch, height, width, channels].
    public func forward(_ x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                        kernels: VectorKernels = .inUse) {
        let c = channels, pad = kernel / 2
        let wt = transpose(params + weight.offset)
        if kernels >= .avx2 { return vita_depthwise_forward_avx2(x, wt, y, batch, height, width, c, kernel) }
        y.update(repeating: 0, count: batch * floatsPerSample)
        for b in 0..<batch {
            let xb = x + b * floatsPerSample, yb = y + b * floatsPerSample
            for oy in 0..<height {
                for ky in 0..<kernel {
                    let iy = oy + ky - pad
                    guard iy >= 0 && iy < height else { continue }
                    for ox in 0..<width {
                        let out = yb + (oy * width + ox) * c
                        for kx in 0..<kernel {
                            let ix = ox + kx - pad
                            guard ix >= 0 && ix < width else { continue }
                            let input = xb + (iy * width + ix) * c, tap = wt + (ky * kernel + kx) * c
                            for channel in 0..<c { out[channel] += tap[channel] * input[channel] }
                        }
                    }
                }
            }
        }
    }

    /// dy [batch, height, width, channels] and the forward's input x: adds dWeight into grads and
    /// WRITES dx [batch, height, width, channels].
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>,
                         grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>, kernels: VectorKernels = .inUse) {
        let taps = kernel * kernel, c = channels
        let wt = transpose(params + weight.offset), dw = grads + weight.offset
        let dwt = transposedGradient.zeroed(taps * c)
        if kernels >= .avx2 {
            vita_depthwise_backward_input_avx2(dy, wt, dx, batch, height, width, c, kernel)
            vita_depthwise_backward_weights_avx2(dy, x, dwt, batch, height, width, c, kernel)
        } else {
            backwardPortable(dy, input: x, batch: batch, weights: wt, weightGradient: dwt, dx: dx)
        }
        for channel in 0..<c {
            for tap in 0..<taps { dw[channel * taps + tap] += dwt[tap * c + channel] }
        }
    }

    private func backwardPortable(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int, weights wt: UnsafePointer<Float>,
                                  weightGradient dwt: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let c = channels, pad = kernel / 2
        dx.update(repeating: 0, count: batch * floatsPerSample)
        for b in 0..<batch {
            let xb = x + b * floatsPerSample, dyb = dy + b * floatsPerSample, dxb = dx + b * floatsPerSample
            for oy in 0..<height {
                for ky in 0..<kernel {
                    let iy = oy + ky - pad
                    guard iy >= 0 && iy < height else { continue }
                    for ox in 0..<width {
                        let g = dyb + (oy * width + ox) * c
                        for kx in 0..<kernel {
                            let ix = ox + kx - pad
                            guard ix >= 0 && ix < width else { continue }
                            let offset = (iy * width + ix) * c, tap = (ky * kernel + kx) * c
                            let input = xb + offset, inputGradient = dxb + offset, tapWeight = wt + tap, tapGradient = dwt + tap
                            for channel in 0..<c {
                                inputGradient[channel] += tapWeight[channel] * g[channel]
                                tapGradient[channel] += g[channel] * input[channel]
                            }
                        }
                    }
                }
            }
        }
    }

    private func transpose(_ w: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let taps = kernel * kernel
        let wt = transposedWeights.reserve(taps * channels)
        for channel in 0..<channels {
            for tap in 0..<taps { wt[tap * channels + channel] = w[channel * taps + tap] }
        }
        return UnsafePointer(wt)
    }

    var buffers: [FloatBuffer] { [transposedWeights, transposedGradient] }
}
