/// Neurons grouped by the trials they were recorded on, so that the per-neuron metrics (written for
/// full trials x neurons matrices) see only recorded entries: each group's
/// neurons share their recorded trials, and a metric runs once per group on that sub-matrix. An
/// experiment container has at most one group per combination of its sessions; a single session
/// has one group holding everything, and the metric then runs on the matrices as they are.
public struct RecordedNeurons {
    public let trials: Int
    public let neurons: Int
    /// The trials (rows) and the neurons recorded on exactly those trials.
    public let groups: [(rows: [Int], neurons: [Int])]

    /// - recorded: (trials x neurons), nil when every neuron was recorded on every trial.
    public init(_ recorded: [Bool]?, trials: Int, neurons: Int) {
        self.trials = trials
        self.neurons = neurons
        guard let recorded else {
            groups = [(Array(0..<trials), Array(0..<neurons))]
            return
        }
        var byRows = [[Int]: [Int]]()
        var order: [[Int]] = []
        for neuron in 0..<neurons {
            let rows = (0..<trials).filter { recorded[$0 * neurons + neuron] }
            if byRows[rows] == nil { order.append(rows) }
            byRows[rows, default: []].append(neuron)
        }
        groups = order.map { ($0, byRows[$0]!) }
    }

    /// Per neuron: whether it was recorded on at least one trial.
    public var hasTrials: [Bool] {
        var present = [Bool](repeating: false, count: neurons)
        for group in groups where !group.rows.isEmpty { group.neurons.forEach { present[$0] = true } }
        return present
    }

    /// Runs `metric` (predictions, targets, neurons, image ids of the rows -> per-neuron arrays) on each
    /// group's recorded entries and puts the results back in neuron order; NaN for a neuron never recorded.
    public func perNeuron(predictions: [Float], targets: [Float], imageIDs: [Int],
                   _ metric: ([Float], [Float], Int, [Int]) -> [[Double]]) -> [[Double]] {
        if groups.count == 1, groups[0].rows.count == trials {
            return metric(predictions, targets, neurons, imageIDs)
        }
        var results: [[Double]] = []
        for group in groups where !group.rows.isEmpty {
            let values = metric(sub(predictions, group), sub(targets, group), group.neurons.count, group.rows.map { imageIDs[$0] })
            if results.isEmpty { results = values.map { _ in [Double](repeating: .nan, count: neurons) } }
            for (result, groupValues) in zip(results.indices, values) {
                for (position, neuron) in group.neurons.enumerated() { results[result][neuron] = groupValues[position] }
            }
        }
        return results
    }

    /// The mean over neurons recorded on at least one trial, NaN (a constant neuron) counting as 0 as
    /// in Sensorium; neurons this tier never saw are left out rather than counted as 0.
    public func meanOverRecorded(_ values: [Double]) -> Double {
        let present = hasTrials
        let kept = values.indices.filter { present[$0] }
        guard !kept.isEmpty else { return .nan }
        return kept.reduce(0) { $0 + (values[$1].isNaN ? 0 : values[$1]) } / Double(kept.count)
    }

    /// `values` of the neurons recorded on at least one trial, in neuron order.
    public func recordedOnly(_ values: [Double]) -> [Double] {
        let present = hasTrials
        return values.indices.filter { present[$0] }.map { values[$0] }
    }

    /// The group's rows and neurons of a (trials x neurons) matrix.
    private func sub(_ matrix: [Float], _ group: (rows: [Int], neurons: [Int])) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(group.rows.count * group.neurons.count)
        for row in group.rows {
            for neuron in group.neurons { out.append(matrix[row * neurons + neuron]) }
        }
        return out
    }
}
