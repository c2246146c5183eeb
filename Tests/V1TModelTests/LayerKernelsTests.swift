import XCTest
@testable import V1TModel

/// GELU, dropout and LayerNorm in every C set this core runs (AVX2, and AVX-512 where it has it)
/// against the portable Swift kernels: the same dropout decisions bit for bit, the rest to float rounding.
/// Sizes of 5 (a tail only), 8 and 24 (half a dropout draw at the end), 16 (whole vectors), 37 and 70
/// (vectors and a tail) and 64 (the small
/// configurations' embedding). The gradients themselves are checked against finite differences in
/// ActivationTests, DropoutTests and LayerNormTests, with the kernels in use.
final class LayerKernelsTests: XCTestCase {
    /// The C sets this core runs; none on a core without AVX2, where the portable kernels are all there is.
    private let vectorised = VectorKernels.runnable.filter { $0 != .portable }

    func testTheWidestSetTheCoreRunsIsChosen() {
        XCTAssertEqual(VectorKernels.widest(for: [.sse3]), .portable)
        XCTAssertEqual(VectorKernels.widest(for: [.sse3, .avx, .avx2]), .portable, "AVX2 without FMA")
        XCTAssertEqual(VectorKernels.widest(for: [.sse3, .avx2Kernels]), .avx2, "Zen 1-3, Haswell to Comet Lake")
        XCTAssertEqual(VectorKernels.widest(for: [.sse3, .avx2Kernels, .avx512f]), .avx2, "AVX-512 Foundation alone")
        XCTAssertEqual(VectorKernels.widest(for: [.sse3, .avx512Kernels]), .avx512)
        XCTAssertEqual(VectorKernels.inUse, VectorKernels.widest(for: CPUCore.current.features))
        XCTAssertEqual(VectorKernels.runnable.first, .portable)
        XCTAssertEqual(VectorKernels.runnable.last, VectorKernels.inUse)
    }

    func testGELUInUseComputesWhatThePortableOneDoes() {
        for count in [5, 8, 16, 24, 37, 1000] {
            let x = randomInput(count, std: 3, seed: UInt64(count)), dy = randomInput(count, seed: UInt64(count + 1))
            func run(kernels: VectorKernels) -> (y: [Float], dx: [Float]) {
                let y = written(count) { GELU.forward(x, into: $0, count: count, kernels: kernels) }
                let dx = written(count) { GELU.backward(dy, input: x, into: $0, count: count, kernels: kernels) }
                return (y, dx)
            }
            let portable = run(kernels: .portable)
            for kernels in vectorised {
                let used = run(kernels: kernels)
                assertClose(used.y, portable.y, 1e-6, "GELU of \(count), \(kernels)")
                assertClose(used.dx, portable.dx, 1e-6, "GELU backward of \(count), \(kernels)")
            }
        }
    }

    func testDropoutInUseDrawsWhatThePortableOneDraws() {
        for count in [5, 8, 16, 24, 37, 1000] {
            let x = randomInput(count, seed: UInt64(count))
            func run(kernels: VectorKernels) -> (y: [Float], next: [Bool]) {
                var y = x, random = CounterRandom(key: 3)
                var decisions = DropDecisions(rate: 0.3, random: &random)
                Dropout.apply(to: &y, count: count, keepScale: 1 / 0.7, decisions: &decisions, kernels: kernels)
                let next = decisions.next()
                return (y, (0..<16).map { next[$0] })
            }
            let portable = run(kernels: .portable)
            for kernels in vectorised {
                let used = run(kernels: kernels)
                XCTAssertEqual(used.y, portable.y, "dropout of \(count), \(kernels)")
                XCTAssertEqual(used.next, portable.next, "the dropout stream after \(count) entries")
                XCTAssertTrue(used.y.contains(0) || count < 16, "dropout of \(count) dropped nothing")
            }
        }
    }

    func testLayerNormInUseComputesWhatThePortableOneDoes() {
        for width in [5, 8, 16, 37, 64, 70] {
            let rows = 3
            var layout = ParameterLayout()
            let layer = LayerNorm(layout: &layout, name: "ln", width: width)
            let store = ParameterStore(layout: layout, seed: 2)
            randomiseParameters(store)
            let x = randomInput(rows * width, std: 2, seed: UInt64(width)).map { $0 + 1.5 }
            let dy = randomInput(rows * width, seed: UInt64(width + 1))
            let earlierGradient = randomInput(rows * width, seed: UInt64(width + 2))
            func run(kernels: VectorKernels) -> (y: [Float], statistics: [Float], dx: [Float], grads: [Float]) {
                store.gradients.update(repeating: 0.25)
                var statistics = [Float](repeating: 0, count: rows * LayerNorm.statisticsPerRow)
                let y = written(rows * width) {
                    layer.forward(x, rows: rows, params: store.values.baseAddress!, into: $0, statistics: &statistics, kernels: kernels)
                }
                // dx is added to what the residual stream's gradient already holds.
                var dx = earlierGradient
                layer.backward(dy, input: x, statistics: statistics, rows: rows, params: store.values.baseAddress!,
                               grads: store.gradients.baseAddress!, addingInto: &dx, kernels: kernels)
                return (y, statistics, dx, Array(store.gradients))
            }
            let portable = run(kernels: .portable)
            for kernels in vectorised {
                let used = run(kernels: kernels)
                let label = "LayerNorm of width \(width), \(kernels)"
                assertClose(used.y, portable.y, 1e-6, "\(label): output")
                assertClose(used.statistics, portable.statistics, 1e-6, "\(label): mean and 1/σ")
                assertClose(used.dx, portable.dx, 1e-6, "\(label): input gradient")
                assertClose(used.grads, portable.grads, 1e-6, "\(label): weight and bias gradients")
            }
        }
    }

    /// |a - b| within `tolerance` of the largest magnitude, entry by entry.
    private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ label: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, label, line: line)
        let scale = max(a.map(abs).max() ?? 0, 1e-30)
        if let i = a.indices.first(where: { abs(a[$0] - b[$0]) > tolerance * scale }) {
            XCTFail("\(label): entry \(i) is \(a[i]), portable \(b[i])", line: line)
        }
    }
}
