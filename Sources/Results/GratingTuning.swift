import Foundation

/// Orientation and spatial-frequency tuning of every neuron from its predicted responses to static
/// gratings (mean over phases), relative to its response to the blank gray screen.
public struct GratingTuning {
    public let gratings: StaticGratings
    public let neurons: Int
    /// [neurons, orientations, spatialFrequencies]: mean response over phases.
    public let responses: [Double]
    /// [neurons]: response to the blank screen.
    public let blank: [Double]

    /// Per neuron: preferred orientation and spatial frequency, selectivity.
    public struct Summary: Equatable {
        public let preferredOrientation: Double
        public let preferredSpatialFrequency: Double
        /// Evoked (minus blank) response at the preferred condition.
        public let peakEvoked: Double
        /// (r_pref - r_orth) / (r_pref + r_orth) at the preferred spatial frequency, r the evoked
        /// response floored at 0, orth = preferred + 90°: in [0, 1]; NaN without an evoked response.
        public let orientationSelectivity: Double
        /// |Σ r(θ) e^{2iθ}| / Σ r(θ) at the preferred spatial frequency (global OSI, uses every orientation).
        public let globalOrientationSelectivity: Double
    }

    /// `responses` [conditions, neurons] in `gratings.conditions` order, then `blank` [neurons].
    public init(gratings: StaticGratings, neurons: Int, conditionResponses: [Float], blankResponses: [Float]) {
        precondition(conditionResponses.count == gratings.conditions.count * neurons && blankResponses.count == neurons,
                     "tuning: responses do not match the gratings")
        self.gratings = gratings
        self.neurons = neurons
        let (o, f, p) = (gratings.orientations.count, gratings.spatialFrequencies.count, gratings.phases.count)
        var means = [Double](repeating: 0, count: neurons * o * f)
        for (index, _) in gratings.conditions.enumerated() {
            let cell = index / p  // orientation-major, then frequency: the condition order without phase
            for n in 0..<neurons { means[n * o * f + cell] += Double(conditionResponses[index * neurons + n]) / Double(p) }
        }
        responses = means
        blank = blankResponses.map(Double.init)
    }

    public func response(neuron: Int, orientation: Int, spatialFrequency: Int) -> Double {
        let (o, f) = (gratings.orientations.count, gratings.spatialFrequencies.count)
        return responses[neuron * o * f + orientation * f + spatialFrequency]
    }

    /// Evoked responses over orientations at one spatial frequency.
    public func orientationCurve(neuron: Int, spatialFrequency: Int) -> [Double] {
        gratings.orientations.indices.map { response(neuron: neuron, orientation: $0, spatialFrequency: spatialFrequency) - blank[neuron] }
    }

    /// Evoked responses over spatial frequencies at one orientation.
    public func frequencyCurve(neuron: Int, orientation: Int) -> [Double] {
        gratings.spatialFrequencies.indices.map { response(neuron: neuron, orientation: orientation, spatialFrequency: $0) - blank[neuron] }
    }

    /// Indices (orientation, spatial frequency) of the largest response.
    public func preferred(neuron: Int) -> (orientation: Int, spatialFrequency: Int) {
        let f = gratings.spatialFrequencies.count
        let best = (0..<(gratings.orientations.count * f)).max { responses[neuron * gratings.orientations.count * f + $0] < responses[neuron * gratings.orientations.count * f + $1] }!
        return (best / f, best % f)
    }

    public func summary(neuron: Int) -> Summary {
        let (o, f) = preferred(neuron: neuron)
        let curve = orientationCurve(neuron: neuron, spatialFrequency: f).map { max($0, 0) }
        let angles = gratings.orientations
        let preferredAngle = angles[o]
        // The orthogonal orientation, or the nearest one tested (angles are taken modulo 180°).
        let orthogonal = angles.indices.min { circularDistance(angles[$0], preferredAngle + 90) < circularDistance(angles[$1], preferredAngle + 90) }!
        let peak = curve[o], orth = curve[orthogonal]
        let osi = peak > 0 ? (peak - orth) / (peak + orth) : .nan
        let total = curve.reduce(0, +)
        var real = 0.0, imaginary = 0.0
        for (angle, value) in zip(angles, curve) {
            real += value * cos(2 * angle * Double.pi / 180)
            imaginary += value * sin(2 * angle * Double.pi / 180)
        }
        return Summary(preferredOrientation: preferredAngle, preferredSpatialFrequency: gratings.spatialFrequencies[f],
                       peakEvoked: response(neuron: neuron, orientation: o, spatialFrequency: f) - blank[neuron],
                       orientationSelectivity: osi, globalOrientationSelectivity: total > 0 ? hypot(real, imaginary) / total : .nan)
    }

    private func circularDistance(_ a: Double, _ b: Double) -> Double {
        let d = abs(a - b).truncatingRemainder(dividingBy: 180)
        return min(d, 180 - d)
    }
}
