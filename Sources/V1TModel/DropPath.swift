/// Stochastic depth (V1T's `utils.DropPath`): in training a residual branch is dropped for a whole
/// sample with probability `rate` and kept branches are scaled by 1/(1 - rate).
///
/// The decision is the first uniform of the sample's stream for this layer: u < rate drops, which
/// is V1T's floor(keep + u) = 0. A primitive that works in place; backward redraws the decisions.
public final class DropPath {
    private let noise: KeyedNoise

    public var rate: Float { noise.rate }
    public var purpose: UInt64 { noise.purpose }

    /// `name` must be unique among the model's noisy layers: it keys the random stream.
    public init(name: String, rate: Float) {
        noise = KeyedNoise(kind: "drop path", name: name, rate: rate)
    }

    /// x [count] (context.batch samples of count/batch floats each), in place.
    /// Inactive (evaluation, no context, or rate 0) it leaves x unchanged.
    public func forward(_ x: UnsafeMutablePointer<Float>, count: Int, context: PassContext?) {
        noise.forward(x, count: count, context: context, apply: scalePerSample)
    }

    /// dy [count] in place, scaled as the forward scaled x (unchanged when it was inactive).
    public func backward(_ dy: UnsafeMutablePointer<Float>) {
        noise.backward(dy, apply: scalePerSample)
    }

    private func scalePerSample(_ x: UnsafeMutablePointer<Float>, perSample: Int, context: PassContext) {
        for b in 0..<context.batch {
            var random = context.random(sample: b, purpose: purpose)
            let factor = random.nextUniform() < rate ? 0 : 1 / (1 - rate)
            let sample = x + b * perSample
            for i in 0..<perSample { sample[i] *= factor }
        }
    }
}
