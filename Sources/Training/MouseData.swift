import TrainingSet
import V1TModel

/// One recording made ready for V1T: responses, behaviour and pupil centre standardised with the
/// training-tier statistics exactly as the original code standardises Sensorium data:
/// responses are divided by each neuron's standard deviation (floored at 1% of the mean standard
/// deviation) with no mean subtraction, so they stay non-negative for the Poisson loss; behaviour is
/// divided by its standard deviation; the pupil centre is centred and scaled. Images stay uint8 and
/// are standardised by the model's image cropper.
public final class MouseData {
    public let name: String
    public let recording: Recording
    public let neurons: Int
    /// (trials x neurons) standardised responses.
    public let responses: [Float]
    /// Per neuron: what raw responses were multiplied by.
    public let responsePrecision: [Float]
    /// (trials x 3) standardised behaviour; zeros for variables the session lacks.
    public let behaviour: [Float]
    /// (trials x 2) standardised pupil centre; zeros without eye tracking.
    public let pupilCenter: [Float]
    public let trainTrials: [Int]
    public let validationTrials: [Int]
    public let testTrials: [Int]

    /// - limitTrainingTrials: keep N training trials drawn at random without replacement, seeded by
    ///   `seed` (V1T's --limit_data; the first N would be the earliest of a session recorded in time order).
    public init(recording: Recording, name: String, limitTrainingTrials: Int? = nil, seed: UInt64 = 0) {
        self.name = name
        self.recording = recording
        let trials = recording.trials
        neurons = recording.neurons.count
        let statistics = recording.statistics

        let std = statistics.responses.std
        let threshold = 0.01 * std.reduce(0, +) / Float(max(std.count, 1))
        responsePrecision = std.map { $0 > threshold ? 1 / $0 : (threshold > 0 ? 1 / threshold : 1) }
        var responses = trials.responses.values
        for t in 0..<trials.count {
            for n in 0..<neurons { responses[t * neurons + n] *= responsePrecision[n] }
        }
        self.responses = responses

        var behaviour = trials.behaviour.values
        for variable in 0..<3 {
            let deviation = statistics.behaviour.std[variable]
            let usable = trials.behaviourAvailable[variable] && deviation > 0 && deviation.isFinite
            for t in 0..<trials.count {
                behaviour[t * 3 + variable] = usable ? behaviour[t * 3 + variable] / deviation : 0
            }
        }
        self.behaviour = behaviour

        var pupil = trials.pupilCenter.values
        for axis in 0..<2 {
            let mean = statistics.pupilCenter.mean[axis], deviation = statistics.pupilCenter.std[axis]
            let usable = trials.pupilCenterAvailable && deviation > 0 && deviation.isFinite
            for t in 0..<trials.count {
                pupil[t * 2 + axis] = usable ? (pupil[t * 2 + axis] - mean) / deviation : 0
            }
        }
        pupilCenter = pupil

        let train = trials.indices(in: .train)
        trainTrials = limitTrainingTrials.map { Self.randomSubset(of: train, count: $0, seed: seed) } ?? train
        validationTrials = trials.indices(in: .validation)
        testTrials = trials.indices(in: .test)
    }

    /// `count` of `trials` drawn without replacement (partial Fisher-Yates), in their original order.
    static func randomSubset(of trials: [Int], count: Int, seed: UInt64) -> [Int] {
        guard count < trials.count else { return trials }
        var pool = trials
        var random = CounterRandom(key: RandomKey.combine(seed, 0x11A1_7DA7A))
        for i in 0..<count {
            let j = i + Int(random.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return pool.prefix(count).sorted()
    }

    public func trials(in tier: Tier) -> [Int] {
        switch tier {
        case .train: return trainTrials
        case .validation: return validationTrials
        case .test: return testTrials
        }
    }

    /// Which behaviour inputs the recording really has, by name, for messages.
    public var missingBehaviour: [String] {
        var missing = BehaviourVariable.allCases.filter { !recording.trials.behaviourAvailable[$0.rawValue] }.map(\.description)
        if !recording.trials.pupilCenterAvailable { missing.append("pupil_center") }
        return missing
    }

    /// Copies the inputs and targets of `trials` into `batch`, resizing it.
    public func gather(_ trials: [Int], into batch: inout Batch) {
        batch.trials = trials
        batch.imageIndices = trials.map { Int(recording.trials.imageIndex[$0]) }
        batch.responses = gatherRows(responses, width: neurons, rows: trials)
        batch.behaviour = gatherRows(behaviour, width: 3, rows: trials)
        batch.pupilCenter = gatherRows(pupilCenter, width: 2, rows: trials)
    }

    private func gatherRows(_ matrix: [Float], width: Int, rows: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * width)
        for (i, row) in rows.enumerated() {
            for j in 0..<width { out[i * width + j] = matrix[row * width + j] }
        }
        return out
    }
}

/// The inputs and targets of one micro-batch of one mouse.
public struct Batch {
    public var trials: [Int] = []
    public var imageIndices: [Int] = []
    /// (batch x neurons) standardised targets.
    public var responses: [Float] = []
    /// (batch x 3)
    public var behaviour: [Float] = []
    /// (batch x 2)
    public var pupilCenter: [Float] = []

    public init() {}

    public var count: Int { trials.count }
}
