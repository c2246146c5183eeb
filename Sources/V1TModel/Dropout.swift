import LayerKernels

/// Inverted dropout: in training each element is zeroed with probability `rate` and the survivors
/// are scaled by 1/(1 - rate), so evaluation needs no rescaling.
///
/// Masks come from each sample's keyed stream (`PassContext.random(sample:purpose:)`), so a sample
/// draws the same mask whichever rank or micro-batch processes it. A primitive that works in place
/// and keeps no mask: backward draws the same decisions again from the forward's context, which
/// costs about what the forward's drawing did and saves a float per element for every dropout.
public final class Dropout {
    private let noise: KeyedNoise

    public var rate: Float { noise.rate }
    public var purpose: UInt64 { noise.purpose }

    /// `name` must be unique among the model's noisy layers: it keys the random stream.
    public init(name: String, rate: Float) {
        noise = KeyedNoise(kind: "dropout", name: name, rate: rate)
    }

    /// x [count], the micro-batch's samples one after another (count/batch floats each), in place.
    /// Inactive (evaluation, no context, or rate 0) it leaves x unchanged.
    public func forward(_ x: UnsafeMutablePointer<Float>, count: Int, context: PassContext?) {
        noise.forward(x, count: count, context: context, apply: applyMasks)
    }

    /// dy [count] in place: multiplied by the forward's masks (unchanged when it was inactive).
    public func backward(_ dy: UnsafeMutablePointer<Float>) {
        noise.backward(dy, apply: applyMasks)
    }

    private func applyMasks(to x: UnsafeMutablePointer<Float>, perSample: Int, context: PassContext) {
        for b in 0..<context.batch {
            var random = context.random(sample: b, purpose: purpose)
            var decisions = DropDecisions(rate: rate, random: &random)
            Dropout.apply(to: x + b * perSample, count: perSample, keepScale: 1 / (1 - rate), decisions: &decisions)
        }
    }

    /// x [count] <- x * keepScale where kept, 0 where dropped, 16 decisions at a time (a tail of
    /// fewer takes a whole draw); in C with AVX-512 or AVX2 where the core has them, the same decisions.
    static func apply(to x: UnsafeMutablePointer<Float>, count: Int, keepScale: Float, decisions: inout DropDecisions,
                      kernels: VectorKernels = .inUse) {
        if kernels != .portable {
            let dropout = kernels == .avx512 ? vita_dropout_avx512 : vita_dropout_avx2
            return decisions.withState { state, threshold in dropout(x, count, keepScale, threshold, state) }
        }
        let vectorEnd = count - count % 16
        var j = 0
        while j < vectorEnd {
            storeLanes((loadLanes(x + j) * keepScale).replacing(with: 0, where: decisions.next()), x + j)
            j += 16
        }
        if vectorEnd < count {
            let tail = count - vectorEnd
            let lanes = loadPartialLanes(x + vectorEnd, count: tail, padding: 0) * keepScale
            storePartialLanes(lanes.replacing(with: 0, where: decisions.next()), x + vectorEnd, count: tail)
        }
    }
}

/// What Dropout and DropPath share: a rate, a random stream named after the layer, and the
/// bookkeeping that lets backward redraw the forward's decisions (the context of the last forward
/// pass while it applied noise, and its size) instead of storing them.
final class KeyedNoise {
    typealias Application = (_ x: UnsafeMutablePointer<Float>, _ perSample: Int, _ context: PassContext) -> Void

    let rate: Float
    let purpose: UInt64
    /// The last forward's context when it applied noise (training with a positive rate), else nil.
    private var activeContext: PassContext?
    private var count = 0

    init(kind: String, name: String, rate: Float) {
        precondition((0..<1).contains(rate), "\(kind) rate of \(name) must be in [0, 1), got \(rate)")
        self.rate = rate
        purpose = RandomPurpose.named(name)
    }

    /// Applies the noise to x [count] in place when the pass trains with a positive rate.
    func forward(_ x: UnsafeMutablePointer<Float>, count: Int, context: PassContext?, apply: Application) {
        self.count = count
        activeContext = context?.training == true && rate > 0 ? context : nil
        guard let context = activeContext else { return }
        precondition(count % context.batch == 0, "noise on \(count) floats does not split into \(context.batch) samples")
        apply(x, count / context.batch, context)
    }

    /// Applies the same noise to dy [count] in place (nothing when the forward applied none).
    func backward(_ dy: UnsafeMutablePointer<Float>, apply: Application) {
        guard let context = activeContext else { return }
        apply(dy, count / context.batch, context)
    }
}

/// Dropout decisions, 16 at a time: lanes set in `next()`'s mask are dropped, each with
/// probability `rate` (to 2^-23), independently.
///
/// Vectorised because the attention probabilities need ~11 million decisions per block and sample
/// at the published size: sixteen xorshift128 generators run side by side in SIMD lanes (shifts and
/// xors only), seeded from a keyed stream, so the decisions remain a function of (seed, step, trial,
/// purpose). Each lane's 32 bits become a float uniform in [1, 2) (exponent bits forced to 1.0) and
/// one vector compare decides 16 elements. xorshift's known weakness (linear dependencies visible
/// to matrix-rank tests) does not matter for dropout masks.
struct DropDecisions {
    private var x: SIMD16<UInt32>
    private var y: SIMD16<UInt32>
    private var z: SIMD16<UInt32>
    private var w: SIMD16<UInt32>
    private let threshold: Float

    /// Seeds the generators with 32 draws of `random`.
    init(rate: Float, random: inout CounterRandom) {
        threshold = 1 + rate
        func seed() -> SIMD16<UInt32> {
            var bits = SIMD8<UInt64>()
            for k in 0..<8 { bits[k] = random.next() }
            return unsafeBitCast(bits, to: SIMD16<UInt32>.self)
        }
        x = seed()
        y = seed()
        z = seed()
        // A lane whose four words were all zero would stay zero.
        w = seed() | 1
    }

    /// Runs `body` on the generators' state as the C kernels take it (LayerKernels'
    /// `vita_drop_state`) and the drop threshold, and continues from the state it leaves.
    mutating func withState<Result>(_ body: (UnsafeMutablePointer<vita_drop_state>, Float) -> Result) -> Result {
        var state = vita_drop_state()
        withUnsafeMutableBytes(of: &state) { raw in
            for (k, words) in [x, y, z, w].enumerated() { raw.storeBytes(of: words, toByteOffset: 64 * k, as: SIMD16<UInt32>.self) }
        }
        let result = body(&state, threshold)
        withUnsafeBytes(of: state) { raw in
            x = raw.loadUnaligned(fromByteOffset: 0, as: SIMD16<UInt32>.self)
            y = raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<UInt32>.self)
            z = raw.loadUnaligned(fromByteOffset: 128, as: SIMD16<UInt32>.self)
            w = raw.loadUnaligned(fromByteOffset: 192, as: SIMD16<UInt32>.self)
        }
        return result
    }

    @inline(__always)
    mutating func next() -> SIMDMask<SIMD16<Int32>> {
        let t = x ^ (x &<< 11)
        (x, y, z) = (y, z, w)
        w = w ^ (w &>> 19) ^ t ^ (t &>> 8)
        let uniform = unsafeBitCast((w &>> 9) | 0x3F80_0000, to: Float16Lanes.self)
        return uniform .< threshold
    }
}
