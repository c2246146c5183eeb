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
    /// (trials x neurons): whether the neuron was recorded on the trial (`Recording.isRecorded`); nil
    /// when all were (a single session). An experiment container's neurons are the union of its
    /// sessions' cells, so each session's trials leave out the cells it did not keep: losses,
    /// gradients and metrics skip those entries, whose responses are held as 0.
    public let recorded: [Bool]?

    /// - limitTrainingTrials: keep N training trials drawn at random without replacement, seeded by
    ///   `seed` (V1T's --limit_data; the first N would be the earliest of a session recorded in time order).
    public init(recording: Recording, name: String, limitTrainingTrials: Int? = nil, seed: UInt64 = 0) {
        self.name = name
        self.recording = recording
        let trials = recording.trials
        let neurons = recording.neurons.count
        self.neurons = neurons
        let statistics = recording.statistics
        recorded = recording.recordsEveryNeuronOnEveryTrial ? nil : (0..<(trials.count * neurons)).map {
            recording.isRecorded(trial: $0 / neurons, neuron: $0 % neurons)
        }

        let std = statistics.responses.std
        let threshold = 0.01 * std.reduce(0, +) / Float(max(std.count, 1))
        responsePrecision = std.map { $0 > threshold ? 1 / $0 : (threshold > 0 ? 1 / threshold : 1) }
        var responses = trials.responses.values
        for t in 0..<trials.count {
            for n in 0..<neurons { responses[t * neurons + n] *= responsePrecision[n] }
        }
        if let mask = self.recorded {
            for index in mask.indices where !mask[index] { responses[index] = 0 }
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
        batch.responses = gatherRows(responses, width: neurons, rows: trials, empty: 0)
        batch.behaviour = gatherRows(behaviour, width: 3, rows: trials, empty: 0)
        batch.pupilCenter = gatherRows(pupilCenter, width: 2, rows: trials, empty: 0)
        batch.recorded = recorded.map { gatherRows($0, width: neurons, rows: trials, empty: false) }
    }

    private func gatherRows<T>(_ matrix: [T], width: Int, rows: [Int], empty: T) -> [T] {
        var out = [T](repeating: empty, count: rows.count * width)
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
    /// (batch x neurons) whether each neuron was recorded on each trial; nil: all were.
    public var recorded: [Bool]?

    public init() {}

    public var count: Int { trials.count }

    /// Calls `body` with a pointer to `recorded`, or nil when every neuron was recorded.
    public func withRecorded<R>(_ body: (UnsafePointer<Bool>?) throws -> R) rethrows -> R {
        guard let recorded else { return try body(nil) }
        return try recorded.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
