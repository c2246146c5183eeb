/// One layer of the stacked2d core: a convolution (dense, or V1T's depthwise-separable
/// pointwise -> depthwise -> pointwise), batch norm, then ELU. It owns its activations; the
/// gradients live in two buffers the core passes in (see `backward`).
final class Stacked2dLayer {
    enum Convolution {
        case dense(Convolution2D)
        /// V1T's `DepthSeparableConv2d`: in_depth_conv (1x1), spatial_conv (depthwise), out_depth_conv (1x1).
        case separable(pointwiseIn: Convolution2D, depthwise: DepthwiseConvolution2D, pointwiseOut: Convolution2D)
    }

    let convolution: Convolution
    let norm: BatchNorm2D
    /// Floats per sample of every map after the convolution.
    let outputFloatsPerSample: Int
    /// [batch, height, width, channels]: the separable convolution's two intermediate maps.
    private let pointwiseOutput = FloatBuffer()
    private let depthwiseOutput = FloatBuffer()
    /// [batch, height, width, channels]: the convolution's output, batch norm's input.
    private let normInput = FloatBuffer()
    /// [batch, height, width, channels]: the layer's output after ELU (the next layer's input).
    private let output = FloatBuffer()
    private var input: UnsafePointer<Float>?
    private var batch = 0

    init(convolution: Convolution, norm: BatchNorm2D) {
        self.convolution = convolution
        self.norm = norm
        switch convolution {
        case .dense(let conv): outputFloatsPerSample = conv.outputFloatsPerSample
        case .separable(_, _, let pointwiseOut): outputFloatsPerSample = pointwiseOut.outputFloatsPerSample
        }
    }

    /// x (the previous layer's kept output, or the core's input copy) -> the layer's output
    /// [batch, height, width, channels] (owned, valid until the next forward).
    func forward(_ x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        input = x
        self.batch = batch
        let count = batch * outputFloatsPerSample
        let z = normInput.reserve(count)
        switch convolution {
        case .dense(let conv):
            LayerProfile.time("forward  conv \(conv.kernel)x\(conv.kernel) (im2col + sgemm)") {
                conv.forward(x, batch: batch, params: params, into: z)
            }
        case .separable(let pointwiseIn, let depthwise, let pointwiseOut):
            let t1 = pointwiseOutput.reserve(count), t2 = depthwiseOutput.reserve(count)
            LayerProfile.time("forward  conv 1x1 (sgemm)") { pointwiseIn.forward(x, batch: batch, params: params, into: t1) }
            LayerProfile.time("forward  depthwise conv") { depthwise.forward(t1, batch: batch, params: params, into: t2) }
            LayerProfile.time("forward  conv 1x1 (sgemm)") { pointwiseOut.forward(t2, batch: batch, params: params, into: z) }
        }
        let y = output.reserve(count)
        LayerProfile.time("forward  batch norm + ELU") {
            norm.forward(z, batch: batch, params: params, context: context, into: y)
            ELU.forward(y, count: count)
        }
        return UnsafePointer(y)
    }

    /// gradient: dL/d(output) on entry, overwritten; scratch: as large, overwritten. Adds every
    /// parameter gradient into grads and, when `dx` is given, writes dL/dx there (it may be
    /// `gradient` itself).
    func backward(_ gradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, params: UnsafePointer<Float>,
                  grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        guard let input else { preconditionFailure("Stacked2dLayer: backward before forward") }
        LayerProfile.time("backward batch norm + ELU") {
            ELU.backward(gradient, output: output.pointer, count: batch * outputFloatsPerSample)
            norm.backward(gradient, input: normInput.pointer, params: params, grads: grads, into: scratch)
        }
        switch convolution {
        case .dense(let conv):
            LayerProfile.time("backward conv \(conv.kernel)x\(conv.kernel) (im2col + sgemm)") {
                conv.backward(scratch, input: input, batch: batch, params: params, grads: grads, dx: dx)
            }
        case .separable(let pointwiseIn, let depthwise, let pointwiseOut):
            LayerProfile.time("backward conv 1x1 (sgemm)") {
                pointwiseOut.backward(scratch, input: depthwiseOutput.pointer, batch: batch, params: params, grads: grads, dx: gradient)
            }
            LayerProfile.time("backward depthwise conv") {
                depthwise.backward(gradient, input: pointwiseOutput.pointer, batch: batch, params: params, grads: grads, dx: scratch)
            }
            LayerProfile.time("backward conv 1x1 (sgemm)") {
                pointwiseIn.backward(scratch, input: input, batch: batch, params: params, grads: grads, dx: dx)
            }
        }
    }

    var activationFloatsPerSample: Int {
        let maps: Int
        if case .separable = convolution { maps = 4 } else { maps = 2 }
        return maps * outputFloatsPerSample + norm.activationFloatsPerSample
    }

    var scratchFloats: Int {
        if case .separable(_, let depthwise, _) = convolution { return depthwise.scratchFloats }
        return 0
    }

    var buffers: [FloatBuffer] {
        var all = [normInput, output] + norm.buffers
        if case .separable(_, let depthwise, _) = convolution { all += [pointwiseOutput, depthwiseOutput] + depthwise.buffers }
        return all
    }
}
