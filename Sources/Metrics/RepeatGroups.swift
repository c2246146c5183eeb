/// Trials grouped by the image they showed: the repeats of each image. Metrics that compare a
/// response with other presentations of the same image (correlation to average, FEV, oracle,
/// CCnorm) start from here.
public struct RepeatGroups: Sendable {
    /// The distinct image ids, ascending.
    public let imageIDs: [Int]
    /// `trials[g]` = indices of the trials that showed `imageIDs[g]`, in trial order.
    public let trials: [[Int]]

    public init(imageIDs perTrial: [Int]) {
        var byImage = [Int: [Int]]()
        for (trial, image) in perTrial.enumerated() { byImage[image, default: []].append(trial) }
        imageIDs = byImage.keys.sorted()
        trials = imageIDs.map { byImage[$0]! }
    }

    /// Only the images shown at least `count` times.
    public func withRepeats(atLeast count: Int) -> [[Int]] {
        trials.filter { $0.count >= count }
    }
}

/// Per-neuron mean of `values` (row-major rows x neurons) over `rows`.
func meanOverRows(_ values: [Float], rows: [Int], neurons: Int) -> [Double] {
    var mean = [Double](repeating: 0, count: neurons)
    for row in rows {
        for neuron in 0..<neurons { mean[neuron] += Double(values[row * neurons + neuron]) }
    }
    return mean.map { $0 / Double(rows.count) }
}

/// Per-neuron sample variance (ddof 1) of `values` over `rows` (needs two or more rows).
func varianceOverRows(_ values: [Float], rows: [Int], neurons: Int) -> [Double] {
    let mean = meanOverRows(values, rows: rows, neurons: neurons)
    var squares = [Double](repeating: 0, count: neurons)
    for row in rows {
        for neuron in 0..<neurons {
            let deviation = Double(values[row * neurons + neuron]) - mean[neuron]
            squares[neuron] += deviation * deviation
        }
    }
    return squares.map { $0 / Double(rows.count - 1) }
}
