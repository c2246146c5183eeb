/// Stochastic depth (V1T's `utils.DropPath`): in training a residual branch is dropped for a whole
/// sample with probability `rate` and kept branches are scaled by 1/(1 - rate).
///
/// The decision is the first uniform of the sample's stream for this layer: u < rate drops, which
/// is V1T's floor(keep + u) = 0.
public final class DropPath {
    public let rate: Float
    public let purpose: UInt64

    /// 0 or 1/(1 - rate) per sample.
    private let factors = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var active = false
    private var batch = 0
    private var count = 0

    /// `name` must be unique among the model's noisy layers: it keys the random stream.
    public init(name: String, rate: Float) {
        precondition((0..<1).contains(rate), "drop path rate of \(name) must be in [0, 1), got \(rate)")
        self.rate = rate
        purpose = RandomPurpose.named(name)
    }

    /// x [count] (context.batch samples of count/batch floats each) -> y [count].
    /// Inactive (evaluation, no context, or rate 0) it returns x itself.
    public func forward(_ x: UnsafePointer<Float>, count: Int, context: PassContext?) -> UnsafePointer<Float> {
        self.count = count
        guard let context, context.training, rate > 0 else {
            active = false
            return x
        }
        active = true
        batch = context.batch
        precondition(count % batch == 0, "drop path input of \(count) floats does not split into \(batch) samples")
        let f = factors.reserve(batch), y = output.reserve(count)
        for b in 0..<batch {
            var random = context.random(sample: b, purpose: purpose)
            f[b] = random.nextUniform() < rate ? 0 : 1 / (1 - rate)
        }
        scalePerSample(x, into: y)
        return UnsafePointer(y)
    }

    /// dy [count] -> dx [count] (dy itself when the forward was inactive).
    public func backward(_ dy: UnsafePointer<Float>) -> UnsafePointer<Float> {
        guard active else { return dy }
        let dx = inputGradient.reserve(count)
        scalePerSample(dy, into: dx)
        return UnsafePointer(dx)
    }

    private func scalePerSample(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let perSample = count / batch
        for b in 0..<batch {
            let f = factors.pointer[b]
            for i in (b * perSample)..<((b + 1) * perSample) { y[i] = x[i] * f }
        }
    }

    /// Floats held per sample in training for `floatsPerSample` inputs: factor, output and dx.
    public func activationFloats(floatsPerSample n: Int) -> Int { rate > 0 ? 1 + 2 * n : 0 }

    var buffers: [FloatBuffer] { [factors, output, inputGradient] }
}
