/// The Sensorium metrics of a model's predictions, per neuron. Every function takes row-major
/// (trials x neurons) arrays of `predictions` and `targets` and, where repeats matter, the image
/// id of every trial. Averages over neurons count NaN (a constant neuron) as 0, as Sensorium does:
/// use `meanCountingNaNAsZero`.

/// Pearson correlation across all trials (repeats included), per neuron.
public func singleTrialCorrelation(predictions: [Float], targets: [Float], neurons: Int) -> [Double] {
    var accumulator = CorrelationAccumulator(neurons: neurons)
    accumulator.add(predictions: predictions, targets: targets)
    return accumulator.correlations()
}

/// Correlation between the repeat-averaged prediction and the repeat-averaged response, across
/// images, per neuron.
public func correlationToAverage(predictions: [Float], targets: [Float], neurons: Int, imageIDs: [Int]) -> [Double] {
    var accumulator = CorrelationAccumulator(neurons: neurons)
    for rows in RepeatGroups(imageIDs: imageIDs).trials {
        let predicted = meanOverRows(predictions, rows: rows, neurons: neurons)
        let observed = meanOverRows(targets, rows: rows, neurons: neurons)
        for neuron in 0..<neurons { accumulator.add(prediction: predicted[neuron], target: observed[neuron], neuron: neuron) }
    }
    return accumulator.correlations()
}

/// Fraction of explainable variance (FEV) of each neuron, and the fraction of it the model explains (FEVE).
public struct ExplainableVariance: Sendable {
    /// (total - noise) / total: how much of a neuron's variance is stimulus-driven.
    public let fev: [Double]
    /// 1 - (mean squared error - noise) / (total - noise).
    public let feve: [Double]

    public init(fev: [Double], feve: [Double]) {
        self.fev = fev
        self.feve = feve
    }

    /// Sensorium's headline FEVE: the mean over neurons whose FEV reaches `threshold` (NaN if none do).
    public func meanFEVE(threshold: Double = 0.15) -> Double {
        let kept = fev.indices.filter { fev[$0] >= threshold && feve[$0].isFinite }
        guard !kept.isEmpty else { return .nan }
        return kept.reduce(0) { $0 + feve[$1] } / Double(kept.count)
    }

    /// How many neurons count towards `meanFEVE(threshold:)`.
    public func neuronCount(threshold: Double = 0.15) -> Int {
        fev.indices.filter { fev[$0] >= threshold && feve[$0].isFinite }.count
    }
}

/// FEV and FEVE (Sensorium): total = var(y, ddof 1) over all trials; noise = mean over images of
/// var(repeats, ddof 1); FEV = (total - noise) / total; FEVE = 1 - (mean((y - ŷ)²) - noise) / (total - noise).
/// Images shown once carry no noise estimate and are left out of the noise term.
public func explainableVariance(predictions: [Float], targets: [Float], neurons: Int, imageIDs: [Int]) -> ExplainableVariance {
    let allTrials = Array(0..<imageIDs.count)
    let total = varianceOverRows(targets, rows: allTrials, neurons: neurons)
    let repeated = RepeatGroups(imageIDs: imageIDs).withRepeats(atLeast: 2)
    var noise = [Double](repeating: 0, count: neurons)
    for rows in repeated {
        let variance = varianceOverRows(targets, rows: rows, neurons: neurons)
        for neuron in 0..<neurons { noise[neuron] += variance[neuron] }
    }
    noise = noise.map { repeated.isEmpty ? .nan : $0 / Double(repeated.count) }
    var squaredError = [Double](repeating: 0, count: neurons)
    for trial in allTrials {
        for neuron in 0..<neurons {
            let error = Double(targets[trial * neurons + neuron]) - Double(predictions[trial * neurons + neuron])
            squaredError[neuron] += error * error
        }
    }
    var fev = [Double](repeating: .nan, count: neurons), feve = [Double](repeating: .nan, count: neurons)
    for neuron in 0..<neurons {
        let explainable = total[neuron] - noise[neuron]
        let meanSquaredError = squaredError[neuron] / Double(imageIDs.count)
        fev[neuron] = explainable / total[neuron]
        feve[neuron] = 1 - (meanSquaredError - noise[neuron]) / explainable
    }
    return ExplainableVariance(fev: fev, feve: feve)
}

/// The oracle (a noise ceiling needing no model): each trial's response against the mean of the
/// other repeats of its image (leave one out), correlated across all trials of images shown at
/// least twice, per neuron. A model predicting single trials can rarely beat it.
public func oracleCorrelation(targets: [Float], neurons: Int, imageIDs: [Int]) -> [Double] {
    var accumulator = CorrelationAccumulator(neurons: neurons)
    for rows in RepeatGroups(imageIDs: imageIDs).withRepeats(atLeast: 2) {
        var sum = [Double](repeating: 0, count: neurons)
        for row in rows {
            for neuron in 0..<neurons { sum[neuron] += Double(targets[row * neurons + neuron]) }
        }
        let others = Double(rows.count - 1)
        for row in rows {
            for neuron in 0..<neurons {
                let response = Double(targets[row * neurons + neuron])
                accumulator.add(prediction: (sum[neuron] - response) / others, target: response, neuron: neuron)
            }
        }
    }
    return accumulator.correlations()
}

/// Normalised correlation (Schoppe et al. 2016, Front. Comput. Neurosci. 10:10), per neuron.
public struct NormalizedCorrelation: Sendable {
    /// Correlation of repeat-averaged prediction and response across images.
    public let absolute: [Double]
    /// The highest `absolute` a perfect model could reach given the trial-to-trial noise.
    public let maximum: [Double]
    /// absolute / maximum; NaN when the neuron shows no measurable signal (signal power <= 0).
    public let normalized: [Double]
}

/// CCnorm = CCabs / CCmax with CCmax = sqrt(SP / var(ȳ)), over images shown at least twice.
/// Signal power SP = var(ȳ) - mean over images of var(repeats, ddof 1) / n_image: the variance of
/// the repeat means minus the part their own noise contributes. With equal repeat counts this has
/// the expectation of Schoppe et al.'s (var(Σ R_n) - Σ var(R_n)) / (N (N - 1)); unlike theirs it needs
/// no "n-th repeat" alignment, which random presentation order does not give, and allows unequal counts.
public func normalizedCorrelation(predictions: [Float], targets: [Float], neurons: Int, imageIDs: [Int]) -> NormalizedCorrelation {
    let groups = RepeatGroups(imageIDs: imageIDs).withRepeats(atLeast: 2)
    var accumulator = CorrelationAccumulator(neurons: neurons)
    var meanResponses = [[Double]]()
    var noiseOfMeans = [Double](repeating: 0, count: neurons)
    for rows in groups {
        let predicted = meanOverRows(predictions, rows: rows, neurons: neurons)
        let observed = meanOverRows(targets, rows: rows, neurons: neurons)
        let variance = varianceOverRows(targets, rows: rows, neurons: neurons)
        for neuron in 0..<neurons {
            accumulator.add(prediction: predicted[neuron], target: observed[neuron], neuron: neuron)
            noiseOfMeans[neuron] += variance[neuron] / Double(rows.count)
        }
        meanResponses.append(observed)
    }
    let absolute = accumulator.correlations()
    var maximum = [Double](repeating: .nan, count: neurons)
    if groups.count >= 2 {
        for neuron in 0..<neurons {
            let means = meanResponses.map { $0[neuron] }
            let average = means.reduce(0, +) / Double(means.count)
            let varianceOfMeans = means.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(means.count - 1)
            let signalPower = varianceOfMeans - noiseOfMeans[neuron] / Double(groups.count)
            if signalPower > 0, varianceOfMeans > 0 { maximum[neuron] = (signalPower / varianceOfMeans).squareRoot() }
        }
    }
    return NormalizedCorrelation(absolute: absolute, maximum: maximum,
                                 normalized: (0..<neurons).map { absolute[$0] / maximum[$0] })
}
