/// Summary statistics of one kind of data over the training tier, one entry per channel
/// (1 for images, one per neuron for responses, 3 for behaviour, 2 for pupil centre).
/// `std` is the population standard deviation (ddof 0, as numpy's default), `median` averages
/// the two middle values of an even count.
public struct Summary: Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]
    public var min: [Float]
    public var max: [Float]
    public var median: [Float]

    public init(mean: [Float], std: [Float], min: [Float], max: [Float], median: [Float]) {
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
        self.median = median
    }

    public var channels: Int { mean.count }

    /// Summary of each column of `matrix` over the rows `rows`; with `includes`, column `c` uses only
    /// the rows `r` where `includes(r, c)` (a neuron over the trials of sessions that recorded it).
    static func columns(of matrix: Matrix<Float>, rows: [Int], includes: ((Int, Int) -> Bool)? = nil) -> Summary {
        var summary = Summary(mean: [], std: [], min: [], max: [], median: [])
        var column = [Float]()
        column.reserveCapacity(rows.count)
        for channel in 0..<matrix.columns {
            column.removeAll(keepingCapacity: true)
            for row in rows where includes?(row, channel) ?? true { column.append(matrix[row, channel]) }
            summary.append(column)
        }
        return summary
    }

    private mutating func append(_ values: [Float]) {
        guard !values.isEmpty else {
            for keyPath in [\Summary.mean, \.std, \.min, \.max, \.median] { self[keyPath: keyPath].append(.nan) }
            return
        }
        var sum = 0.0
        for value in values { sum += Double(value) }
        let average = sum / Double(values.count)
        var squares = 0.0
        for value in values { squares += (Double(value) - average) * (Double(value) - average) }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? Double(sorted[middle]) : (Double(sorted[middle - 1]) + Double(sorted[middle])) / 2
        mean.append(Float(average))
        std.append(Float((squares / Double(values.count)).squareRoot()))
        min.append(sorted[0])
        max.append(sorted[sorted.count - 1])
        self.median.append(Float(median))
    }
}

/// Training-tier statistics, used to standardise inputs and responses as V1T does. Computed from
/// the training tier only so that validation and test data never leak into training.
public struct Statistics: Equatable, Sendable {
    /// Over every pixel of every training trial's image (an image shown 50 times counts 50 times),
    /// in raw 0...255 units; one channel.
    public var images: Summary
    /// Per neuron.
    public var responses: Summary
    /// Per behaviour variable (an unavailable variable gives zeros).
    public var behaviour: Summary
    /// Per pupil-centre coordinate.
    public var pupilCenter: Summary

    public init(images: Summary, responses: Summary, behaviour: Summary, pupilCenter: Summary) {
        self.images = images
        self.responses = responses
        self.behaviour = behaviour
        self.pupilCenter = pupilCenter
    }

    public static func compute(for recording: Recording) -> Statistics {
        compute(images: recording.images, trials: recording.trials, recorded: recording.sessions.map(\.recorded))
    }

    /// `recorded[s][n]`: whether session `s` recorded neuron `n`; a neuron's response statistics use
    /// only the training trials of sessions that recorded it.
    static func compute(images: ImageStack, trials: Trials, recorded: [[Bool]]) -> Statistics {
        let training = trials.indices(in: .train)
        let everyNeuron = recorded.allSatisfy { !$0.contains(false) }
        let sessions = trials.sessionIndex
        return Statistics(
            images: imageSummary(images: images, trials: trials, training: training),
            responses: .columns(of: trials.responses, rows: training, includes: everyNeuron ? nil : { trial, neuron in
                let session = Int(sessions[trial])
                return recorded.indices.contains(session) && recorded[session].indices.contains(neuron) && recorded[session][neuron]
            }),
            behaviour: .columns(of: trials.behaviour, rows: training),
            pupilCenter: .columns(of: trials.pupilCenter, rows: training))
    }

    /// Exact statistics from a 256-bin histogram, each image's histogram weighted by how many
    /// training trials show it: no need to materialise millions of pixels.
    private static func imageSummary(images: ImageStack, trials: Trials, training: [Int]) -> Summary {
        var showings = [Int](repeating: 0, count: images.count)
        for trial in training {
            let image = Int(trials.imageIndex[trial])
            if showings.indices.contains(image) { showings[image] += 1 }
        }
        var histogram = [Int](repeating: 0, count: 256)
        for image in 0..<images.count where showings[image] > 0 {
            var own = [Int](repeating: 0, count: 256)
            for pixel in images.image(image) { own[Int(pixel)] += 1 }
            for value in 0..<256 { histogram[value] += own[value] * showings[image] }
        }
        let total = histogram.reduce(0, +)
        guard total > 0 else { return Summary(mean: [.nan], std: [.nan], min: [.nan], max: [.nan], median: [.nan]) }
        var sum = 0.0
        for value in 0..<256 { sum += Double(value * histogram[value]) }
        let mean = sum / Double(total)
        var squares = 0.0
        for value in 0..<256 { squares += Double(histogram[value]) * (Double(value) - mean) * (Double(value) - mean) }
        let present = (0..<256).filter { histogram[$0] > 0 }
        /// The value at 0-based position `rank` of the sorted pixels.
        func value(atRank rank: Int) -> Double {
            var seen = 0
            for value in 0..<256 {
                seen += histogram[value]
                if seen > rank { return Double(value) }
            }
            return 255
        }
        let median = total % 2 == 1 ? value(atRank: total / 2) : (value(atRank: total / 2 - 1) + value(atRank: total / 2)) / 2
        return Summary(mean: [Float(mean)], std: [Float((squares / Double(total)).squareRoot())],
                       min: [Float(present.first!)], max: [Float(present.last!)], median: [Float(median)])
    }
}
