/// The training-tier statistics stored in a file, checked against the data they summarise.
///
/// `train` and `evaluate` standardise with the stored statistics, so a file whose statistics were
/// edited or damaged (a zeroed standard deviation, a NaN) would train and score without a word and
/// report nonsense (a FEVE of -132). On read they are recomputed from the file's own data and must
/// agree within a float32 tolerance; the first disagreement is named with its channel.
extension Recording {
    /// Relative agreement required between a stored and a recomputed statistic (both are float32
    /// roundings of the same double-precision sums, so they agree far more closely in any file
    /// VITA wrote).
    static let statisticsTolerance: Float = 1e-3

    /// Throws when a stored statistic is non-finite where the data give a number, disagrees with the
    /// recomputed one, or when a neuron's training responses have no spread to standardise by.
    public func checkStatistics() throws {
        let computed = Statistics.compute(for: self)
        for ((group, stored), (_, fresh)) in zip(statistics.named, computed.named) {
            for ((statistic, storedValues), (_, freshValues)) in zip(stored.named, fresh.named) {
                for channel in storedValues.indices {
                    let value = storedValues[channel], expected = freshValues[channel]
                    // No training trial gives NaN on both sides: nothing to standardise, nothing wrong.
                    if value.isNaN && expected.isNaN { continue }
                    guard value.isFinite, abs(value - expected) <= Self.statisticsTolerance * max(1, abs(expected)) else {
                        throw TrainingSetError(
                            field: "/statistics/\(group)/\(statistic)",
                            problem: "\(channelName(group, channel)) is stored as \(value), but the training-tier data give \(expected): "
                                + "the statistics do not describe this file's data (edited or damaged)",
                            remedy: TrainingSetError.regenerate)
                    }
                }
            }
        }
        if let flat = computed.responses.std.firstIndex(where: { $0 == 0 }) {
            throw TrainingSetError(
                field: "/statistics/responses/std",
                problem: "\(channelName("responses", flat)) has the same response in every training trial: no spread to standardise by",
                remedy: "Drop the neuron: `v1t-dist convert` leaves out cells without signal; a simulated file needs other settings")
        }
    }

    private func channelName(_ group: String, _ channel: Int) -> String {
        switch group {
        case "responses": return "neuron \(channel) (id \(neurons.ids[channel]))"
        case "behaviour": return BehaviourVariable(rawValue: channel).map { "\($0)" } ?? "variable \(channel)"
        case "pupil_center": return channel == 0 ? "the pupil centre's first coordinate" : "the pupil centre's second coordinate"
        default: return "the pixel values"
        }
    }
}

extension ResponseKind {
    /// The largest response magnitude this kind can take in a real recording, with a wide margin:
    /// dF/F is a fraction (100 is a 10,000 % change), events are in the same units, simulated
    /// responses are event counts per unit. A larger value is damage or a unit mistake, and would only
    /// surface later as a diverged training.
    public var largestPlausibleMagnitude: Float {
        switch self {
        case .dff, .events: return 100
        case .simulated: return 10_000
        }
    }
}

extension Recording {
    /// Throws at the first response outside `±responseKind.largestPlausibleMagnitude`.
    func validateResponseMagnitudes() throws {
        let limit = metadata.responseKind.largestPlausibleMagnitude
        let values = trials.responses.values
        guard let bad = values.firstIndex(where: { abs($0) > limit }) else { return }
        let columns = max(trials.responses.columns, 1)
        throw TrainingSetError(
            field: "/trials/responses",
            problem: "trial \(bad / columns), neuron \(bad % columns) is \(values[bad]), beyond the ±\(limit) that \(metadata.responseKind.rawValue) responses can reach",
            remedy: "The responses are damaged or in other units: " + TrainingSetError.regenerate.lowercasedFirst)
    }
}
