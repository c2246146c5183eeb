import Foundation

/// V1T scales its losses by √(training set size / batch size) (`--ds_scale 1`, the default), so a
/// loss summed over a batch is on the scale of the whole training set's loss times √(batch / size).
/// `batchSize` is the full batch of the optimiser step, also when the loss is computed per micro-batch.
public func datasetScale(trainingSetSize: Int, batchSize: Int) -> Double {
    precondition(trainingSetSize > 0 && batchSize > 0, "dataset scale needs positive sizes, got \(trainingSetSize) and \(batchSize)")
    return (Double(trainingSetSize) / Double(batchSize)).squareRoot()
}

/// V1T's Poisson loss (its default criterion): scale · Σ_{b,n} (ŷ + ε − (y + ε) · log(ŷ + ε)), the
/// negative Poisson log-likelihood without the constant log y! term, with ε = Float32 machine
/// epsilon added to targets and predictions. It is a sum, so micro-batch values and gradients add up
/// to the batch's.
public enum PoissonLoss {
    /// torch.finfo(torch.float32).eps, as V1T.
    public static let epsilon = Double(Float.ulpOfOne)

    /// predictions, targets [count] -> the loss; writes dLoss/dPrediction = scale · (1 − (y + ε)/(ŷ + ε))
    /// into `gradient` [count] when it is given. Accumulates in Double.
    /// - recorded: [count], false where the neuron was not recorded on that trial (a container's
    ///   session without it): such entries add nothing and get a zero gradient, exactly as if absent.
    public static func evaluate(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int,
                                scale: Double, gradient: UnsafeMutablePointer<Float>?,
                                recorded: UnsafePointer<Bool>? = nil) -> Double {
        var total = 0.0
        for i in 0..<count {
            if let recorded, !recorded[i] {
                gradient?[i] = 0
                continue
            }
            let p = Double(predictions[i]) + epsilon, y = Double(targets[i]) + epsilon
            total += p - y * log(p)
            gradient?[i] = Float(scale * (1 - y / p))
        }
        return scale * total
    }
}

/// The sufficient statistics of the per-neuron Pearson correlation over samples: per neuron, the
/// sample count, Σy, Σŷ, Σy², Σŷ², Σyŷ (counts are per neuron because a container's neurons are not
/// all recorded on every trial). They add across micro-batches and ranks, so a distributed
/// trainer sums `values` (an allreduce of one Double buffer) and then computes the loss and each
/// rank's gradient from the global sums.
public struct CorrelationStatistics: Equatable {
    public let neurons: Int
    /// Six blocks of `neurons` sums, in the order count, Σy, Σŷ, Σy², Σŷ², Σyŷ.
    public var values: [Double]

    public init(neurons: Int) {
        precondition(neurons > 0, "correlation statistics need at least one neuron")
        self.neurons = neurons
        values = Array(repeating: 0, count: 6 * neurons)
    }

    /// Samples of neuron j.
    public func count(_ j: Int) -> Double { values[j] }

    /// Adds a micro-batch: predictions, targets and `recorded` (nil: all) [batch, neurons]; an
    /// unrecorded entry adds nothing.
    public mutating func accumulate(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch: Int,
                                    recorded: UnsafePointer<Bool>? = nil) {
        let n = neurons
        values.withUnsafeMutableBufferPointer { sums in
            for b in 0..<batch {
                for j in 0..<n {
                    if let recorded, !recorded[b * n + j] { continue }
                    let y = Double(targets[b * n + j]), p = Double(predictions[b * n + j])
                    sums[j] += 1
                    sums[n + j] += y
                    sums[2 * n + j] += p
                    sums[3 * n + j] += y * y
                    sums[4 * n + j] += p * p
                    sums[5 * n + j] += y * p
                }
            }
        }
    }

    /// Adds another set of sums (e.g. another micro-batch's, when not using an allreduce).
    public mutating func add(_ other: CorrelationStatistics) {
        precondition(other.neurons == neurons, "correlation statistics of \(other.neurons) and \(neurons) neurons cannot be added")
        for i in values.indices { values[i] += other.values[i] }
    }

    /// Means, population standard deviations and covariance of neuron j.
    /// Zeros for a neuron without samples.
    func moments(_ j: Int) -> (meanY: Double, meanP: Double, stdY: Double, stdP: Double, covariance: Double) {
        let n = neurons, count = values[j]
        guard count > 0 else { return (0, 0, 0, 0, 0) }
        let meanY = values[n + j] / count, meanP = values[2 * n + j] / count
        // Rounding can make a zero variance slightly negative.
        let varY = max(values[3 * n + j] / count - meanY * meanY, 0)
        let varP = max(values[4 * n + j] / count - meanP * meanP, 0)
        let covariance = values[5 * n + j] / count - meanY * meanP
        return (meanY, meanP, varY.squareRoot(), varP.squareRoot(), covariance)
    }
}

/// V1T's correlation criterion: scale · (N − Σ_n corr_n), where corr_n is neuron n's correlation
/// between targets and predictions across the samples of the batch, with population standard
/// deviations and ε = Float32 machine epsilon added to each:
/// corr = mean_b[(y − ȳ)/(σ_y + ε) · (ŷ − mean ŷ)/(σ_ŷ + ε)] = cov(y, ŷ) / ((σ_y + ε)(σ_ŷ + ε)).
/// Minimising it maximises the mean correlation, the metric the model is judged by.
public enum CorrelationLoss {
    public static let epsilon = Double(Float.ulpOfOne)

    /// The loss from (global) statistics.
    /// A neuron without samples in the batch (unrecorded throughout) counts as absent, not as 0.
    public static func value(_ statistics: CorrelationStatistics, scale: Double) -> Double {
        var sum = 0.0, present = 0
        for j in 0..<statistics.neurons where statistics.count(j) > 0 {
            let m = statistics.moments(j)
            sum += m.covariance / ((m.stdY + epsilon) * (m.stdP + epsilon))
            present += 1
        }
        return scale * (Double(present) - sum)
    }

    /// Writes dLoss/dPrediction [batch, neurons] for the local samples, given the statistics of the
    /// whole batch they belong to (which includes them). With corr = cov / (A (σ_ŷ + ε)), A = σ_y + ε
    /// and B the global count: ∂corr/∂ŷ_i = (y_i − ȳ) / (B A (σ_ŷ + ε)) − cov (ŷ_i − mean ŷ) / (B A (σ_ŷ + ε)² σ_ŷ).
    /// `recorded` (nil: all) [batch, neurons]: unrecorded entries get a zero gradient.
    public static func gradient(_ statistics: CorrelationStatistics, predictions: UnsafePointer<Float>,
                                targets: UnsafePointer<Float>, batch: Int, scale: Double,
                                into gradient: UnsafeMutablePointer<Float>, recorded: UnsafePointer<Bool>? = nil) {
        let n = statistics.neurons
        for j in 0..<n {
            let m = statistics.moments(j), count = statistics.count(j)
            let a = m.stdY + epsilon, spread = m.stdP + epsilon
            let targetTerm = 1 / (count * a * spread)
            // Constant predictions have σ_ŷ = 0 and cov = 0: the spread term vanishes (PyTorch gives NaN).
            let predictionTerm = m.stdP > 0 ? m.covariance / (count * a * spread * spread * m.stdP) : 0
            for b in 0..<batch {
                if let recorded, !recorded[b * n + j] {
                    gradient[b * n + j] = 0
                    continue
                }
                let y = Double(targets[b * n + j]), p = Double(predictions[b * n + j])
                let dCorrelation = (y - m.meanY) * targetTerm - (p - m.meanP) * predictionTerm
                gradient[b * n + j] = Float(-scale * dCorrelation)
            }
        }
    }

    /// One batch on its own: predictions, targets [batch, neurons] -> the loss; writes the gradient
    /// [batch, neurons] when `gradient` is given.
    public static func evaluate(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch: Int,
                                neurons: Int, scale: Double, gradient: UnsafeMutablePointer<Float>?) -> Double {
        var statistics = CorrelationStatistics(neurons: neurons)
        statistics.accumulate(predictions: predictions, targets: targets, batch: batch)
        if let gradient {
            Self.gradient(statistics, predictions: predictions, targets: targets, batch: batch, scale: scale, into: gradient)
        }
        return value(statistics, scale: scale)
    }
}
