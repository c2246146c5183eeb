import Foundation
import XCTest
@testable import V1TModel

/// The stacked2d core's layers: convolutions against a direct sum in PyTorch's layout, every
/// gradient against finite differences, batch norm's groups and running statistics.
final class ConvolutionLayerTests: XCTestCase {
    /// y[b, oy, ox, o] = Σ w[o, i, ky, kx] · x[b, oy + ky - p, ox + kx - p, i] (zero outside), as torch.nn.Conv2d.
    private func directConvolution(_ x: [Float], _ w: [Float], batch: Int, height: Int, width: Int, inputs: Int, outputs: Int,
                                   kernel k: Int, padding p: Int) -> [Float] {
        let outHeight = height + 2 * p - k + 1, outWidth = width + 2 * p - k + 1
        var y = [Float](repeating: 0, count: batch * outHeight * outWidth * outputs)
        for b in 0..<batch {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for o in 0..<outputs {
                        var sum: Float = 0
                        for i in 0..<inputs {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy + ky - p, ix = ox + kx - p
                                    guard (0..<height).contains(iy), (0..<width).contains(ix) else { continue }
                                    sum += w[((o * inputs + i) * k + ky) * k + kx] * x[((b * height + iy) * width + ix) * inputs + i]
                                }
                            }
                        }
                        y[((b * outHeight + oy) * outWidth + ox) * outputs + o] = sum
                    }
                }
            }
        }
        return y
    }

    func testConvolutionMatchesTheDirectSumAndItsGradients() {
        for (kernel, padding) in [(3, 1), (3, 0), (1, 0), (4, 0)] {
            var layout = ParameterLayout()
            let conv = Convolution2D(layout: &layout, name: "conv", inputChannels: 2, outputChannels: 3, kernel: kernel, padding: padding,
                                     inputHeight: 5, inputWidth: 6, scratch: ConvolutionScratch())
            let store = ParameterStore(layout: layout, seed: 1)
            randomiseParameters(store)
            let batch = 2
            let values = randomInput(batch * conv.inputFloatsPerSample), storage = FloatBuffer()
            let x = mutableCopy(values, count: values.count, in: storage)
            let outputCount = batch * conv.outputFloatsPerSample
            let output = FloatBuffer(), inputGradient = FloatBuffer()
            func forward() -> UnsafePointer<Float> {
                let y = output.reserve(outputCount)
                conv.forward(x, batch: batch, params: store.values.baseAddress!, into: y)
                return UnsafePointer(y)
            }
            let expected = directConvolution(values, store.values(of: conv.weight), batch: batch, height: 5, width: 6, inputs: 2, outputs: 3,
                                             kernel: kernel, padding: padding)
            let got = array(forward(), outputCount)
            for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-4, "kernel \(kernel) padding \(padding)") }
            checkLayerGradients("conv k\(kernel) p\(padding)", store: store, input: x, inputCount: values.count,
                                outputCount: outputCount, forward: forward) { dy in
                let dx = inputGradient.reserve(values.count)
                conv.backward(dy, input: x, batch: batch, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, dx: dx)
                return UnsafePointer(dx)
            }
        }
    }

    /// Every implementation this core runs (portable Swift, and C with AVX2 where it has it).
    func testDepthwiseConvolutionIsAGroupedConvolutionAndItsGradients() {
        for kernels in VectorKernels.runnable.filter({ $0 <= .avx2 }) {
            checkDepthwiseConvolution(kernels: kernels)
        }
    }

    private func checkDepthwiseConvolution(kernels: VectorKernels) {
        var layout = ParameterLayout()
        let channels = 3, height = 4, width = 5, batch = 2
        let conv = DepthwiseConvolution2D(layout: &layout, name: "dw", channels: channels, kernel: 3, height: height, width: width)
        let store = ParameterStore(layout: layout, seed: 2)
        randomiseParameters(store)
        let values = randomInput(batch * conv.floatsPerSample, seed: 4), storage = FloatBuffer()
        let x = mutableCopy(values, count: values.count, in: storage)
        let output = FloatBuffer(), inputGradient = FloatBuffer()
        func forward() -> UnsafePointer<Float> {
            let y = output.reserve(batch * conv.floatsPerSample)
            conv.forward(x, batch: batch, params: store.values.baseAddress!, into: y, kernels: kernels)
            return UnsafePointer(y)
        }
        // The same as a dense convolution whose weight is zero between different channels.
        let w = store.values(of: conv.weight)
        var dense = [Float](repeating: 0, count: channels * channels * 9)
        for c in 0..<channels { for tap in 0..<9 { dense[(c * channels + c) * 9 + tap] = w[c * 9 + tap] } }
        let expected = directConvolution(values, dense, batch: batch, height: height, width: width, inputs: channels, outputs: channels,
                                         kernel: 3, padding: 1)
        for (a, b) in zip(array(forward(), expected.count), expected) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(kernels)") }
        checkLayerGradients("depthwise, \(kernels)", store: store, input: x, inputCount: values.count,
                            outputCount: batch * conv.floatsPerSample, forward: forward) { dy in
            let dx = inputGradient.reserve(values.count)
            conv.backward(dy, input: x, batch: batch, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, dx: dx,
                          kernels: kernels)
            return UnsafePointer(dx)
        }
    }

    /// The C kernels against the portable loops on maps larger than the kernel's reach and channel
    /// counts below, at and across the 32 channels a pixel's registers hold (1, 8, 32, 37, 64, 70).
    func testDepthwiseConvolutionInCComputesWhatThePortableLoopsDo() throws {
        try XCTSkipUnless(VectorKernels.inUse >= .avx2, "this core runs the portable loops only")
        for channels in [1, 8, 32, 37, 64, 70] {
            var layout = ParameterLayout()
            let height = 6, width = 9, batch = 2, kernel = 7
            let conv = DepthwiseConvolution2D(layout: &layout, name: "dw", channels: channels, kernel: kernel, height: height, width: width)
            let store = ParameterStore(layout: layout, seed: 3)
            randomiseParameters(store)
            let count = batch * conv.floatsPerSample
            let x = randomInput(count, seed: UInt64(channels)), dy = randomInput(count, seed: UInt64(channels + 1))
            func run(_ kernels: VectorKernels) -> (y: [Float], dx: [Float], dw: [Float]) {
                store.gradients.update(repeating: 0.5)
                let y = written(count) { conv.forward(x, batch: batch, params: store.values.baseAddress!, into: $0, kernels: kernels) }
                let dx = written(count) {
                    conv.backward(dy, input: x, batch: batch, params: store.values.baseAddress!, grads: store.gradients.baseAddress!,
                                  dx: $0, kernels: kernels)
                }
                return (y, dx, Array(store.gradients))
            }
            let portable = run(.portable), c = run(.avx2)
            for (label, a, b) in [("output", c.y, portable.y), ("input gradient", c.dx, portable.dx), ("weight gradient", c.dw, portable.dw)] {
                let scale = b.map(abs).max() ?? 1
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5 * scale, "\(channels) channels: \(label)")
            }
        }
    }

    private func makeNorm(groupSize: Int) -> (BatchNorm2D, ParameterStore) {
        var layout = ParameterLayout()
        let norm = BatchNorm2D(layout: &layout, name: "norm", channels: 3, pixels: 4, groupSize: groupSize, momentum: 0.9)
        return (norm, ParameterStore(layout: layout, seed: 3))
    }

    func testBatchNormGradientsWithGroupsOfTwoAndAShortLastGroup() {
        let (norm, store) = makeNorm(groupSize: 2)
        randomiseParameters(store)
        let batch = 5
        let values = randomInput(batch * norm.floatsPerSample, seed: 6).map { 3 * $0 + 1 }, storage = FloatBuffer()
        let x = mutableCopy(values, count: values.count, in: storage)
        let output = FloatBuffer(), inputGradient = FloatBuffer()
        let context = trainingContext(batch: batch)
        func forward() -> UnsafePointer<Float> {
            let y = output.reserve(batch * norm.floatsPerSample)
            norm.forward(x, batch: batch, params: store.values.baseAddress!, context: context, into: y)
            return UnsafePointer(y)
        }
        checkLayerGradients("batch norm", store: store, input: x, inputCount: values.count,
                            outputCount: batch * norm.floatsPerSample, forward: forward) { dy in
            let dx = inputGradient.reserve(values.count)
            norm.backward(dy, input: x, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, into: dx)
            return UnsafePointer(dx)
        }
    }

    /// The tall products in C against OpenBLAS's: a 1x1 convolution (37 -> 13 channels: panels and a
    /// tail) forward and its input gradient, and a 3x3 one forward, over 3 samples of 5 x 7 pixels.
    func testConvolutionProductsInCComputeWhatOpenBLASDoes() throws {
        try XCTSkipUnless(VectorKernels.inUse >= .avx2, "this core runs OpenBLAS's products only")
        for kernel in [1, 3] {
            var layout = ParameterLayout()
            let conv = Convolution2D(layout: &layout, name: "conv", inputChannels: 37, outputChannels: 13, kernel: kernel,
                                     padding: kernel / 2, inputHeight: 5, inputWidth: 7, scratch: ConvolutionScratch())
            let store = ParameterStore(layout: layout, seed: 5)
            randomiseParameters(store)
            let batch = 3
            let x = randomInput(batch * conv.inputFloatsPerSample, seed: 11), dy = randomInput(batch * conv.outputFloatsPerSample, seed: 12)
            func run(_ kernels: VectorKernels) -> (y: [Float], dx: [Float]) {
                store.zeroGradients()
                let y = written(batch * conv.outputFloatsPerSample) {
                    conv.forward(x, batch: batch, params: store.values.baseAddress!, into: $0, kernels: kernels)
                }
                let dx = written(batch * conv.inputFloatsPerSample) {
                    conv.backward(dy, input: x, batch: batch, params: store.values.baseAddress!, grads: store.gradients.baseAddress!,
                                  dx: $0, kernels: kernels)
                }
                return (y, dx)
            }
            let blas = run(.portable), c = run(.avx2)
            for (label, a, b) in [("output", c.y, blas.y), ("input gradient", c.dx, blas.dx)] {
                let scale = b.map(abs).max() ?? 1
                XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 0, 1e-5 * scale, "\(kernel)x\(kernel): \(label)")
            }
        }
    }

    /// The C loops give the portable ones' bits: 37 channels (vectors and a tail), 70 pixels a sample
    /// (past a 64-pixel block), groups of 2 with a short last one; then ELU to float rounding.
    func testBatchNormAndELUInCComputeWhatThePortableLoopsDo() throws {
        try XCTSkipUnless(VectorKernels.inUse >= .avx2, "this core runs the portable loops only")
        var layout = ParameterLayout()
        let norm = BatchNorm2D(layout: &layout, name: "norm", channels: 37, pixels: 70, groupSize: 2, momentum: 0.9)
        let store = ParameterStore(layout: layout, seed: 3)
        randomiseParameters(store)
        let batch = 5, count = batch * norm.floatsPerSample
        let x = randomInput(count, seed: 6).map { 3 * $0 + 1 }, dy = randomInput(count, seed: 7)
        func run(_ kernels: VectorKernels) -> (y: [Float], dx: [Float], grads: [Float], elu: [Float], eluGradient: [Float]) {
            store.gradients.update(repeating: 0.25)
            let y = written(count) {
                norm.forward(x, batch: batch, params: store.values.baseAddress!, context: trainingContext(batch: batch), into: $0,
                             kernels: kernels)
            }
            let dx = written(count) {
                norm.backward(dy, input: x, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, into: $0,
                              kernels: kernels)
            }
            var elu = x, eluGradient = dy
            ELU.forward(&elu, count: count, kernels: kernels)
            ELU.backward(&eluGradient, output: elu, count: count, kernels: kernels)
            return (y, dx, Array(store.gradients), elu, eluGradient)
        }
        let portable = run(.portable), c = run(.avx2)
        XCTAssertEqual(c.y, portable.y, "batch norm's output")
        XCTAssertEqual(c.dx, portable.dx, "batch norm's input gradient")
        XCTAssertEqual(c.grads, portable.grads, "weight, bias and running-statistics sums")
        for (a, b) in zip(c.elu, portable.elu) { XCTAssertEqual(a, b, accuracy: 2e-7 * max(1, abs(b)), "ELU") }
        for (a, b) in zip(c.eluGradient, portable.eluGradient) { XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "ELU's slope") }
    }

    /// Each group is normalised alone, so a sample's output depends only on its group: the same
    /// group gives the same output in any micro-batch, which is what makes training rank-invariant.
    func testGroupsAreNormalisedAloneAndRunningStatisticsFollowTheStep() {
        let (norm, store) = makeNorm(groupSize: 2)
        let perSample = norm.floatsPerSample
        let x = randomInput(4 * perSample, seed: 8).map { 2 * $0 + 5 }
        func run(_ samples: Range<Int>) -> [Float] {
            let part = Array(x[(samples.lowerBound * perSample)..<(samples.upperBound * perSample)])
            return written(part.count) { y in
                part.withUnsafeBufferPointer {
                    norm.forward($0.baseAddress!, batch: samples.count, params: store.values.baseAddress!,
                                 context: trainingContext(batch: samples.count), into: y)
                }
            }
        }
        let whole = run(0..<4)
        XCTAssertEqual(Array(whole[(2 * perSample)...]), run(2..<4), "the second group must not see the first")
        // Within a group, each channel has mean 0 and variance ~1 (weight 1, bias 0 at start).
        for channel in 0..<3 {
            let values = (0..<(2 * 4)).map { Double(whole[$0 * 3 + channel]) }
            XCTAssertEqual(values.reduce(0, +) / 8, 0, accuracy: 1e-5)
            XCTAssertEqual(values.map { $0 * $0 }.reduce(0, +) / 8, 1, accuracy: 1e-3)
        }
        // Backward leaves the two groups' statistics in the running statistics' gradient slots;
        // finishStep moves the running mean 0.9 of the way to their mean.
        store.zeroGradients()
        _ = run(0..<4)
        let dy = [Float](repeating: 0, count: 4 * perSample)
        _ = written(dy.count) { dx in
            x.withUnsafeBufferPointer { norm.backward(dy, input: $0.baseAddress!, params: store.values.baseAddress!, grads: store.gradients.baseAddress!, into: dx) }
        }
        XCTAssertEqual(store.gradients[norm.batchesTracked.offset], 2)
        norm.finishStep(values: store.values.baseAddress!, gradients: store.gradients.baseAddress!)
        for channel in 0..<3 {
            let mean = (0..<16).map { Double(x[$0 * 3 + channel]) }.reduce(0, +) / 16
            XCTAssertEqual(Double(store.values[norm.runningMean.offset + channel]), 0.9 * mean, accuracy: 1e-4)
        }
        XCTAssertEqual(store.values[norm.batchesTracked.offset], 1)
        // Evaluation uses the running statistics: a sample alone gives the same output in any batch.
        let evaluated = written(perSample) { y in
            x.withUnsafeBufferPointer { norm.forward($0.baseAddress!, batch: 1, params: store.values.baseAddress!, context: nil, into: y) }
        }
        let rm = store.values(of: norm.runningMean), rv = store.values(of: norm.runningVariance)
        for p in 0..<4 {
            for c in 0..<3 {
                XCTAssertEqual(evaluated[p * 3 + c], (x[p * 3 + c] - rm[c]) / (rv[c] + 1e-5).squareRoot(), accuracy: 1e-4)
            }
        }
    }

    func testELUMatchesExpm1AndItsSlope() {
        // 37 values: two full vectors of 16 and a partial one.
        let x = (0..<37).map { Float($0 - 20) / 4 } + [-1e-3, 1e-3, 0]
        let y = written(x.count) { out in
            out.update(from: x, count: x.count)
            ELU.forward(out, count: x.count)
        }
        for (input, output) in zip(x, y) {
            XCTAssertEqual(output, input > 0 ? input : Float(expm1(Double(input))), accuracy: 2e-7, "ELU(\(input))")
        }
        let slopes = written(x.count) { dy in
            dy.update(repeating: 1, count: x.count)
            ELU.backward(dy, output: y, count: x.count)
        }
        for (input, slope) in zip(x, slopes) {
            XCTAssertEqual(slope, input > 0 ? 1 : Float(exp(Double(input))), accuracy: 2e-7, "ELU'(\(input))")
        }
    }

    func testLaplaceSmoothnessValueAndGradient() {
        var layout = ParameterLayout()
        let slice = layout.add("w", shape: [2, 1, 3, 3], group: .core, initializer: .zeros)
        let store = ParameterStore(layout: layout, seed: 1)
        // One filter with a single 1 in the centre: its Laplace is 4 there and -1 at the four
        // neighbours, so Σ(L f)² = 20 and Σ f² = 1; the other filter is zero.
        store.values[4] = 1
        let regularizer = LaplaceSmoothness(scale: 0.5, weight: slice)
        XCTAssertEqual(regularizer.apply(values: store.values.baseAddress!, gradients: nil, weight: 1), 10, accuracy: 1e-9)
        randomiseParameters(store)
        store.zeroGradients()
        regularizer.apply(values: store.values.baseAddress!, gradients: store.gradients.baseAddress!, weight: 2)
        assertGradientsMatch("laplace", values: store.values.baseAddress!, analytic: Array(store.gradients), indices: Array(0..<18),
                             epsilon: 1e-3, tolerance: 1e-2) {
            regularizer.apply(values: store.values.baseAddress!, gradients: nil, weight: 2)
        }
    }

    func testGroupSparsityValueAndGradient() {
        var layout = ParameterLayout()
        let a = layout.add("a", shape: [2, 2, 2, 2], group: .core, initializer: .zeros)
        let b = layout.add("b", shape: [1, 2, 2, 2], group: .core, initializer: .zeros)
        let store = ParameterStore(layout: layout, seed: 1)
        // Layer a: one (output, input) pair of norm 2 among 4 pairs -> 0.5; layer b: one of norm 5 among 2 -> 2.5.
        store.values[a.offset] = 2
        store.values[b.offset] = 3
        store.values[b.offset + 1] = 4
        let regularizer = GroupSparsity(scale: 2, weights: [a, b])
        XCTAssertEqual(regularizer.apply(values: store.values.baseAddress!, gradients: nil, weight: 1), 2 * (0.5 + 2.5) / 2, accuracy: 1e-9)
        randomiseParameters(store)
        store.zeroGradients()
        regularizer.apply(values: store.values.baseAddress!, gradients: store.gradients.baseAddress!, weight: 1)
        assertGradientsMatch("group sparsity", values: store.values.baseAddress!, analytic: Array(store.gradients),
                             indices: Array(0..<store.count), epsilon: 1e-3, tolerance: 1e-2) {
            regularizer.apply(values: store.values.baseAddress!, gradients: nil, weight: 1)
        }
    }
}
