import LayerKernels

/// A 2D convolution over channel-last maps, stride 1, zero padding, no bias (every convolution of
/// the stacked2d core feeds a batch norm, which removes a bias anyway).
///
/// Weights in PyTorch's layout [outputChannels, inputChannels, kernel, kernel], so V1T's
/// `nn.Conv2d` weights apply unchanged, Xavier-normal initialised as V1T's `init_conv`.
///
/// On OpenBLAS: a 1x1 convolution is one matrix product over every pixel of the batch; a larger
/// kernel unfolds one sample at a time (im2col, columns in the weights' (channel, row, column)
/// order) into scratch shared with the core's other convolutions and multiplies that. On cores with
/// AVX2 the products whose A is tall and whose other sides are the channels (the forward products
/// and the 1x1 input gradient) run in C (`vita_sgemm_tall_avx2`): OpenBLAS packs all of A first,
/// which on these shapes costs about as much as the arithmetic.
public final class Convolution2D {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernel: Int
    public let padding: Int
    public let inputHeight: Int
    public let inputWidth: Int
    public let outputHeight: Int
    public let outputWidth: Int
    /// [outputChannels, inputChannels, kernel, kernel]
    public let weight: ParameterSlice
    let scratch: ConvolutionScratch

    public init(layout: inout ParameterLayout, name: String, inputChannels: Int, outputChannels: Int, kernel: Int, padding: Int,
                inputHeight: Int, inputWidth: Int, scratch: ConvolutionScratch) {
        precondition(inputHeight + 2 * padding >= kernel && inputWidth + 2 * padding >= kernel,
                     "\(name): a \(kernel)x\(kernel) kernel with padding \(padding) does not fit a \(inputHeight)x\(inputWidth) map")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.padding = padding
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        outputHeight = inputHeight + 2 * padding - kernel + 1
        outputWidth = inputWidth + 2 * padding - kernel + 1
        let fanIn = inputChannels * kernel * kernel, fanOut = outputChannels * kernel * kernel
        weight = layout.add("\(name).weight", shape: [outputChannels, inputChannels, kernel, kernel], group: .core,
                            initializer: .normal(std: (2 / Float(fanIn + fanOut)).squareRoot()))
        self.scratch = scratch
    }

    var isPointwise: Bool { kernel == 1 && padding == 0 }
    var columns: Int { inputChannels * kernel * kernel }
    var inputFloatsPerSample: Int { inputHeight * inputWidth * inputChannels }
    public var outputFloatsPerSample: Int { outputHeight * outputWidth * outputChannels }
    /// Floats of shared scratch one sample's unfolded input (and, as much again, its gradient) takes.
    var unfoldedFloats: Int { isPointwise ? 0 : outputHeight * outputWidth * columns }

    /// x [batch, inputHeight, inputWidth, inputChannels] -> y [batch, outputHeight, outputWidth, outputChannels].
    public func forward(_ x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                        kernels: VectorKernels = .inUse) {
        let w = params + weight.offset
        /// y [m, outputChannels] = a [m, k] wᵀ.
        func product(_ a: UnsafePointer<Float>, m: Int, k: Int, _ y: UnsafeMutablePointer<Float>) {
            if kernels >= .avx2 { return vita_sgemm_tall_avx2(1, m, outputChannels, k, 1, a, k, w, k, 0, y, outputChannels) }
            gemm(transposeB: true, m: m, n: outputChannels, k: k, a, w, y)
        }
        if isPointwise { return product(x, m: batch * outputHeight * outputWidth, k: inputChannels, y) }
        let unfolded = scratch.unfolded.reserve(unfoldedFloats)
        for b in 0..<batch {
            unfold(x + b * inputFloatsPerSample, into: unfolded)
            product(unfolded, m: outputHeight * outputWidth, k: columns, y + b * outputFloatsPerSample)
        }
    }

    /// dy [batch, outputHeight, outputWidth, outputChannels] and the forward's input x: adds dWeight
    /// into grads and, when `dx` is given, WRITES dx [batch, inputHeight, inputWidth, inputChannels].
    public func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>,
                         grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?, kernels: VectorKernels = .inUse) {
        let w = params + weight.offset, dw = grads + weight.offset
        let pixels = outputHeight * outputWidth
        if isPointwise {
            gemm(transposeA: true, m: outputChannels, n: inputChannels, k: batch * pixels, dy, x, beta: 1, dw)
            guard let dx else { return }
            if kernels >= .avx2 {
                return vita_sgemm_tall_avx2(0, batch * pixels, inputChannels, outputChannels, 1, dy, outputChannels, w, inputChannels,
                                            0, dx, inputChannels)
            }
            gemm(m: batch * pixels, n: inputChannels, k: outputChannels, dy, w, dx)
            return
        }
        let unfolded = scratch.unfolded.reserve(unfoldedFloats)
        let unfoldedGradient = dx == nil ? nil : scratch.unfoldedGradient.reserve(unfoldedFloats)
        for b in 0..<batch {
            let dyb = dy + b * outputFloatsPerSample
            unfold(x + b * inputFloatsPerSample, into: unfolded)
            gemm(transposeA: true, m: outputChannels, n: columns, k: pixels, dyb, unfolded, beta: 1, dw)
            if let dx, let unfoldedGradient {
                gemm(m: pixels, n: columns, k: outputChannels, dyb, w, unfoldedGradient)
                fold(unfoldedGradient, into: dx + b * inputFloatsPerSample)
            }
        }
    }

    /// One sample [inputHeight, inputWidth, inputChannels] -> [outputHeight · outputWidth, columns],
    /// zero where the window reaches into the padding.
    private func unfold(_ x: UnsafePointer<Float>, into columnsOut: UnsafeMutablePointer<Float>) {
        let k = kernel, c = inputChannels, n = columns
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                let row = columnsOut + (oy * outputWidth + ox) * n
                for dy in 0..<k {
                    let iy = oy + dy - padding
                    for dx in 0..<k {
                        let ix = ox + dx - padding
                        let inside = iy >= 0 && iy < inputHeight && ix >= 0 && ix < inputWidth
                        let pixel = x + (iy * inputWidth + ix) * c
                        for ci in 0..<c { row[ci * k * k + dy * k + dx] = inside ? pixel[ci] : 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of `unfold`: sums each column entry back onto its input pixel (overwriting dx).
    private func fold(_ columnsIn: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let k = kernel, c = inputChannels, n = columns
        dx.update(repeating: 0, count: inputFloatsPerSample)
        for oy in 0..<outputHeight {
            for ox in 0..<outputWidth {
                let row = columnsIn + (oy * outputWidth + ox) * n
                for dy in 0..<k {
                    let iy = oy + dy - padding
                    guard iy >= 0 && iy < inputHeight else { continue }
                    for dx_ in 0..<k {
                        let ix = ox + dx_ - padding
                        guard ix >= 0 && ix < inputWidth else { continue }
                        let pixel = dx + (iy * inputWidth + ix) * c
                        for ci in 0..<c { pixel[ci] += row[ci * k * k + dy * k + dx_] }
                    }
                }
            }
        }
    }
}

/// The unfolded input of one sample and its gradient, shared by a core's convolutions (which run
/// one at a time), so the largest of them sets the size.
public final class ConvolutionScratch {
    let unfolded = FloatBuffer()
    let unfoldedGradient = FloatBuffer()

    public init() {}

    var buffers: [FloatBuffer] { [unfolded, unfoldedGradient] }
}
