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
        let kept = Float16Lanes(repeating: 1 / (1 - rate))
        let decisions = DropDecisions(rate: rate)
        let vectorEnd = perSample - perSample % 16
        for b in 0..<context.batch {
            var random = context.random(sample: b, purpose: purpose)
            let sampleMask = m + b * perSample
            var j = 0
            while j < vectorEnd {
                storeLanes(kept.replacing(with: 0, where: decisions.next(&random)), sampleMask + j)
                j += 16
            }
            if vectorEnd < perSample {
                storePartialLanes(kept.replacing(with: 0, where: decisions.next(&random)), sampleMask + vectorEnd, count: perSample - vectorEnd)
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

/// Dropout decisions, 16 at a time: lanes set in `next(_:)`'s mask are dropped, each with
/// probability `rate` (to 2^-23), independently.
///
/// Vectorised because the attention probabilities need ~11 million decisions per block and sample
/// at the published size: 32 random bits per element become a float uniform in [1, 2) (exponent
/// bits forced to 1.0) and one vector compare decides 16 elements.
struct DropDecisions {
    private let threshold: Float

    init(rate: Float) { threshold = 1 + rate }

    @inline(__always)
    func next(_ random: inout CounterRandom) -> SIMDMask<SIMD16<Int32>> {
        var bits = SIMD8<UInt64>()
        for k in 0..<8 { bits[k] = random.next() }
        let words = unsafeBitCast(bits, to: SIMD16<UInt32>.self)
        let uniform = unsafeBitCast((words &>> 9) | 0x3F80_0000, to: Float16Lanes.self)
        return uniform .< threshold
    }
}
