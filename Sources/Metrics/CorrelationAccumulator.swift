/// Per-neuron Pearson correlation between predictions and targets, gathered as sums
/// (n, Σx, Σy, Σx², Σy², Σxy in Double, per neuron) so that it can be built batch by batch and
/// summed across ranks: two accumulators over disjoint trials add up to the accumulator of all
/// trials, so an MPI allreduce of `packed` gives the global correlation. x = prediction, y = target.
///
/// Sums lose precision when a neuron's mean is huge relative to its spread (cancellation in
/// Σx² - (Σx)²/n); for responses standardised by their std, as here, Double sums are ample.
public struct CorrelationAccumulator: Equatable, Sendable {
    public let neurons: Int
    /// Six sums per neuron, laid out sum by sum: `sums[k * neurons + n]` is sum `k` of neuron `n`,
    /// k = 0 n, 1 Σx, 2 Σy, 3 Σx², 4 Σy², 5 Σxy.
    public private(set) var packed: [Double]

    public static let sumsPerNeuron = 6

    public init(neurons: Int) {
        self.neurons = neurons
        packed = [Double](repeating: 0, count: Self.sumsPerNeuron * neurons)
    }

    /// Rebuilds an accumulator from `packed` sums (e.g. after an allreduce).
    public init(neurons: Int, packed: [Double]) {
        precondition(packed.count == Self.sumsPerNeuron * neurons, "\(packed.count) sums for \(neurons) neurons")
        self.neurons = neurons
        self.packed = packed
    }

    /// Adds rows of (predictions, targets), both row-major (rows x neurons).
    public mutating func add(predictions: [Float], targets: [Float]) {
        precondition(predictions.count == targets.count && predictions.count % max(neurons, 1) == 0,
                     "predictions and targets must both be rows x \(neurons)")
        predictions.withUnsafeBufferPointer { x in
            targets.withUnsafeBufferPointer { y in add(predictions: x, targets: y) }
        }
    }

    /// Adds rows of (predictions, targets), both row-major (rows x neurons).
    public mutating func add(predictions: UnsafeBufferPointer<Float>, targets: UnsafeBufferPointer<Float>) {
        let rows = neurons == 0 ? 0 : predictions.count / neurons
        let n = neurons
        packed.withUnsafeMutableBufferPointer { sums in
            for row in 0..<rows {
                let base = row * n
                for neuron in 0..<n {
                    let x = Double(predictions[base + neuron]), y = Double(targets[base + neuron])
                    sums[neuron] += 1
                    sums[n + neuron] += x
                    sums[2 * n + neuron] += y
                    sums[3 * n + neuron] += x * x
                    sums[4 * n + neuron] += y * y
                    sums[5 * n + neuron] += x * y
                }
            }
        }
    }

    /// Adds one (prediction, target) pair of one neuron.
    public mutating func add(prediction x: Double, target y: Double, neuron: Int) {
        let n = neurons
        packed[neuron] += 1
        packed[n + neuron] += x
        packed[2 * n + neuron] += y
        packed[3 * n + neuron] += x * x
        packed[4 * n + neuron] += y * y
        packed[5 * n + neuron] += x * y
    }

    public static func + (lhs: CorrelationAccumulator, rhs: CorrelationAccumulator) -> CorrelationAccumulator {
        var sum = lhs
        sum += rhs
        return sum
    }

    public static func += (lhs: inout CorrelationAccumulator, rhs: CorrelationAccumulator) {
        precondition(lhs.neurons == rhs.neurons, "accumulators of \(lhs.neurons) and \(rhs.neurons) neurons")
        for index in lhs.packed.indices { lhs.packed[index] += rhs.packed[index] }
    }

    /// Pearson correlation per neuron; NaN when either side is constant (or fewer than 2 pairs).
    public func correlations() -> [Double] {
        let n = neurons
        return (0..<n).map { neuron in
            let count = packed[neuron]
            guard count >= 2 else { return .nan }
            let sx = packed[n + neuron], sy = packed[2 * n + neuron]
            let sxx = packed[3 * n + neuron], syy = packed[4 * n + neuron], sxy = packed[5 * n + neuron]
            let varianceX = sxx - sx * sx / count
            let varianceY = syy - sy * sy / count
            // A constant column leaves only rounding error; call it constant rather than divide by noise.
            guard varianceX > 1e-12 * Swift.max(sxx, .leastNormalMagnitude),
                  varianceY > 1e-12 * Swift.max(syy, .leastNormalMagnitude) else { return .nan }
            let r = (sxy - sx * sy / count) / (varianceX * varianceY).squareRoot()
            return Swift.min(1, Swift.max(-1, r))
        }
    }

    /// Mean correlation over neurons, a NaN (constant neuron) counting as 0 as in Sensorium.
    public func meanCorrelation() -> Double {
        meanCountingNaNAsZero(correlations())
    }
}

/// The mean over neurons with NaN counted as 0 (Sensorium's convention for constant neurons).
public func meanCountingNaNAsZero(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    return values.reduce(0) { $0 + ($1.isNaN ? 0 : $1) } / Double(values.count)
}
