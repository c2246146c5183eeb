import Foundation
import Plots
import Training

/// What the plots need from the evaluation of one recording's test tier.
public struct TestTierResult {
    public let data: MouseData
    /// The test trials, in the order of the prediction rows.
    public let trials: [Int]
    /// (trials x neurons) standardised predictions.
    public let predictions: [Float]
    public let scores: NeuronScores

    public init(data: MouseData, trials: [Int], predictions: [Float], scores: NeuronScores) {
        precondition(predictions.count == trials.count * data.neurons, "test predictions do not match the trials")
        self.data = data
        self.trials = trials
        self.predictions = predictions
        self.scores = scores
    }

    /// Picks the test tier out of `Evaluator.evaluate` results (nil for a recording without one).
    public static func fromEvaluation(_ results: [(recording: RecordingEvaluation, perNeuron: [NeuronScores], predictions: [[Float]])],
                                      mice: [MouseData]) -> [TestTierResult?] {
        zip(results, mice).map { result, data in
            guard let index = result.recording.tiers.firstIndex(where: { $0.tier == "test" }) else { return nil }
            return TestTierResult(data: data, trials: data.testTrials, predictions: result.predictions[index], scores: result.perNeuron[index])
        }
    }
}

/// Per-neuron plots of the test scores and of the predictions themselves.
enum NeuronPlots {
    static let binWidth = 0.05

    /// Bin centres and counts of `values` in bins of `width` aligned on multiples of it.
    static func histogram(_ values: [Double], width: Double) -> (centres: [Double], counts: [Double]) {
        guard let low = values.min(), let high = values.max() else { return ([], []) }
        let first = Int((low / width).rounded(.down)), last = max(first, Int((high / width).rounded(.down)))
        var counts = [Double](repeating: 0, count: last - first + 1)
        for value in values { counts[min(Int((value / width).rounded(.down)) - first, counts.count - 1)] += 1 }
        return ((first...last).map { (Double($0) + 0.5) * width }, counts)
    }

    static func correlationHistogram(_ result: TestTierResult, recording: String) -> Chart {
        let values = result.scores.singleTrial.filter(\.isFinite)
        let (centres, counts) = histogram(values, width: binWidth)
        let mean = values.reduce(0, +) / Double(max(values.count, 1))
        var chart = Chart(title: "\(recording): test correlation of \(values.count) neurons (mean \(String(format: "%.3f", mean)))",
                          xLabel: "single-trial correlation on test images", yLabel: "neurons")
        chart.series = [
            .init(name: "neurons", x: centres, y: counts, mark: .bars(width: binWidth)),
            .init(name: "mean", x: [mean, mean], y: [0, counts.max() ?? 1], mark: .line, color: "#d62728"),
        ]
        return chart
    }

    /// Test correlation against the noise ceiling, neuron by neuron; the slope through the origin is
    /// the Sensorium "fraction of oracle".
    static func oracleScatter(_ result: TestTierResult, recording: String) -> Chart {
        let pairs = zip(result.scores.oracle, result.scores.singleTrial).filter { $0.0.isFinite && $0.1.isFinite }
        let slope = pairs.reduce(0) { $0 + $1.0 * $1.1 } / max(pairs.reduce(0) { $0 + $1.0 * $1.0 }, 1e-12)
        var chart = Chart(title: "\(recording): test correlation = \(String(format: "%.0f", 100 * slope))% of the noise ceiling",
                          xLabel: "noise ceiling (oracle correlation)", yLabel: "test single-trial correlation")
        chart.series = [.init(name: "neurons", x: pairs.map(\.0), y: pairs.map(\.1), mark: .points(radius: 3))]
        chart.showsIdentityLine = true
        let values = pairs.flatMap { [$0.0, $0.1] }
        let low = min(0, values.min() ?? 0), high = max(values.max() ?? 1, 0.1), margin = 0.04 * (high - low)
        chart.xRange = (low - margin)...(high + margin)
        chart.yRange = chart.xRange
        chart.width = 520
        chart.height = 480
        return chart
    }

    /// Neurons spread over the range of test correlation to the average (best first), at most `count`.
    static func exampleNeurons(_ result: TestTierResult, count: Int) -> [Int] {
        let ranked = result.scores.toAverage.indices.filter { result.scores.toAverage[$0].isFinite }
            .sorted { result.scores.toAverage[$0] > result.scores.toAverage[$1] }
        guard ranked.count > count else { return ranked }
        return (0..<count).map { ranked[Int((Double($0) / Double(count - 1) * Double(ranked.count - 1)).rounded())] }
    }

    /// One panel per example neuron: over the test images, sorted by the recorded response (largest
    /// first), the recorded mean over repeats with a ±1 SD band and the predicted mean.
    static func exampleResponses(_ result: TestTierResult, neurons: [Int], recording: String) -> Figure {
        let data = result.data, n = data.neurons
        var rowsByImage: [Int: [Int]] = [:]
        for (row, trial) in result.trials.enumerated() { rowsByImage[Int(data.recording.trials.imageIndex[trial]), default: []].append(row) }
        let images = rowsByImage.keys.sorted()
        let panels = neurons.map { neuron -> Figure.Panel in
            // Only the trials that recorded the neuron (a container's sessions keep different cells).
            let statistics = images.compactMap { image -> (recorded: Double, sd: Double, predicted: Double)? in
                let rows = rowsByImage[image]!.filter { data.recorded?[result.trials[$0] * n + neuron] ?? true }
                guard !rows.isEmpty else { return nil }
                let recorded = rows.map { Double(data.responses[result.trials[$0] * n + neuron]) }
                let mean = recorded.reduce(0, +) / Double(recorded.count)
                let variance = recorded.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(recorded.count - 1, 1))
                let predicted = rows.reduce(0) { $0 + Double(result.predictions[$1 * n + neuron]) } / Double(rows.count)
                return (mean, variance.squareRoot(), predicted)
            }.sorted { $0.recorded > $1.recorded }
            let rank = statistics.indices.map { Double($0 + 1) }
            let id = data.recording.neurons.ids[neuron]
            let title = "neuron \(neuron) (id \(id)), r = \(String(format: "%.2f", result.scores.toAverage[neuron]))"
            var chart = Chart(title: title, xLabel: "test image, by recorded response", yLabel: "response (standardised)", series: [
                .init(name: "SD over repeats", x: rank, y: statistics.map(\.recorded),
                      mark: .band(lower: statistics.map { $0.recorded - $0.sd }, upper: statistics.map { $0.recorded + $0.sd }), color: "#1f77b4"),
                .init(name: "recorded", x: rank, y: statistics.map(\.recorded), color: "#1f77b4"),
                .init(name: "predicted", x: rank, y: statistics.map(\.predicted), color: "#d62728"),
            ])
            chart.xRange = 0.5...(Double(max(statistics.count, 1)) + 0.5)
            return .chart(chart)
        }
        return Figure(title: "\(recording): mean responses to the \(images.count) test images (r: correlation to the average)",
                      columns: 2, panels: panels, panelWidth: 460, panelHeight: 300)
    }
}
