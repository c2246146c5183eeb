/// Inverted dropout: in training each element is zeroed with probability `rate` and the survivors
/// are scaled by 1/(1 - rate), so evaluation needs no rescaling.
///
/// Masks come from each sample's keyed stream (`PassContext.random(sample:purpose:)`), so a sample
/// draws the same mask whichever rank or micro-batch processes it.
public final class Dropout {
    public let rate: Float
    public let purpose: UInt64

    /// 0 or 1/(1 - rate) per element.
    private let mask = FloatBuffer()
    private let output = FloatBuffer()
    private let inputGradient = FloatBuffer()
    private var active = false
    private var count = 0

    /// `name` must be unique among the model's noisy layers: it keys the random stream.
    public init(name: String, rate: Float) {
        precondition((0..<1).contains(rate), "dropout rate of \(name) must be in [0, 1), got \(rate)")
        self.rate = rate
        purpose = RandomPurpose.named(name)
    }

    /// x [count], the micro-batch's samples one after another (count/batch floats each)
    /// -> y [count]. Inactive (evaluation, no context, or rate 0) it returns x itself.
    public func forward(_ x: UnsafePointer<Float>, count: Int, context: PassContext?) -> UnsafePointer<Float> {
        self.count = count
        guard let context, context.training, rate > 0 else {
            active = false
            return x
        }
        active = true
        precondition(count % context.batch == 0, "dropout input of \(count) floats does not split into \(context.batch) samples")
        let perSample = count / context.batch
        let m = mask.reserve(count), y = output.reserve(count)
        let scale = 1 / (1 - rate)
        for b in 0..<context.batch {
            var random = context.random(sample: b, purpose: purpose)
            let sampleMask = m + b * perSample
            forEachDropDecision(count: perSample, rate: rate, random: &random) { i, dropped in
                sampleMask[i] = dropped ? 0 : scale
            }
        }
        for i in 0..<count { y[i] = x[i] * m[i] }
        return UnsafePointer(y)
    }

    /// dy [count] -> dx [count]: the same mask (dy itself when the forward was inactive).
    public func backward(_ dy: UnsafePointer<Float>) -> UnsafePointer<Float> {
        guard active else { return dy }
        let m = mask.pointer, dx = inputGradient.reserve(count)
        for i in 0..<count { dx[i] = dy[i] * m[i] }
        return UnsafePointer(dx)
    }

    /// Floats held per sample in training for `floatsPerSample` inputs: mask, output and dx.
    public func activationFloats(floatsPerSample n: Int) -> Int { rate > 0 ? 3 * n : 0 }

    var buffers: [FloatBuffer] { [mask, output, inputGradient] }
}

/// Calls `body(i, dropped)` for i in 0..<count, each `dropped` true with probability `rate`.
///
/// Two decisions per 64-bit draw (32 bits each, so the rate is exact to 2^-32): the attention
/// probabilities need ~11 million decisions per block and sample, where the generator's cost shows.
@inline(__always)
func forEachDropDecision(count: Int, rate: Float, random: inout CounterRandom, _ body: (Int, Bool) -> Void) {
    let threshold = UInt64(Double(rate) * 4_294_967_296.0)
    var i = 0
    while i + 1 < count {
        let bits = random.next()
        body(i, bits & 0xFFFF_FFFF < threshold)
        body(i + 1, bits >> 32 < threshold)
        i += 2
    }
    if i < count { body(i, random.next() & 0xFFFF_FFFF < threshold) }
}
