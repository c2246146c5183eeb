import Foundation

/// Each neuron's spatial receptive field as the model sees it, by reverse correlation with sparse
/// noise: for every cell and polarity, the mean predicted response over the frames with that square
/// minus the mean over all frames. Only forward passes are needed (the model has no input gradient).
public struct ReceptiveFieldMaps {
    public let noise: SparseNoise
    public let neurons: Int
    /// [neurons, cells]: response to a white square in the cell minus the mean response.
    public let on: [Double]
    /// [neurons, cells]: the same for black squares.
    public let off: [Double]

    public var cells: Int { noise.rows * noise.columns }

    /// Runs the probe over every frame and correlates.
    public static func measure(probe: ModelProbe, noise: SparseNoise) -> ReceptiveFieldMaps {
        measure(noise: noise, neurons: probe.neurons, height: probe.imageHeight, width: probe.imageWidth,
                gray: probe.data.recording.screenGray, respond: probe.predict)
    }

    /// The same for any responder: `respond(images, count)` maps [count, height, width] images to
    /// [count, neurons] responses. Frames go through in chunks, so memory stays small.
    public static func measure(noise: SparseNoise, neurons n: Int, height: Int, width: Int, gray: UInt8, chunk: Int = 256,
                               respond: ([UInt8], Int) -> [Float]) -> ReceptiveFieldMaps {
        let cells = noise.rows * noise.columns
        var sums = [Double](repeating: 0, count: n * cells * 2), counts = [Double](repeating: 0, count: cells * 2)
        var total = [Double](repeating: 0, count: n)
        var start = 0
        while start < noise.frames.count {
            let range = start..<min(start + chunk, noise.frames.count)
            let images = noise.images(range, height: height, width: width, gray: gray)
            let responses = respond(images, range.count)
            for (slot, frame) in range.enumerated() {
                for neuron in 0..<n { total[neuron] += Double(responses[slot * n + neuron]) }
                for square in noise.frames[frame] {
                    let column = square.cell * 2 + (square.polarity > 0 ? 0 : 1)
                    counts[column] += 1
                    for neuron in 0..<n { sums[neuron * cells * 2 + column] += Double(responses[slot * n + neuron]) }
                }
            }
            start = range.upperBound
        }
        var on = [Double](repeating: 0, count: n * cells), off = on
        for neuron in 0..<n {
            let mean = total[neuron] / Double(noise.frames.count)
            for cell in 0..<cells {
                let base = neuron * cells * 2 + cell * 2
                if counts[cell * 2] > 0 { on[neuron * cells + cell] = sums[base] / counts[cell * 2] - mean }
                if counts[cell * 2 + 1] > 0 { off[neuron * cells + cell] = sums[base + 1] / counts[cell * 2 + 1] - mean }
            }
        }
        return ReceptiveFieldMaps(noise: noise, neurons: n, on: on, off: off)
    }

    public init(noise: SparseNoise, neurons: Int, on: [Double], off: [Double]) {
        precondition(on.count == neurons * noise.rows * noise.columns && off.count == on.count, "receptive-field maps do not match the grid")
        self.noise = noise
        self.neurons = neurons
        self.on = on
        self.off = off
    }

    /// |on| + |off| per cell: where the neuron responds to contrast of either sign (simple and
    /// complex cells alike).
    public func energy(_ neuron: Int) -> [Double] {
        (0..<cells).map { abs(on[neuron * cells + $0]) + abs(off[neuron * cells + $0]) }
    }

    /// on - off per cell: the linear (simple-cell) part, positive where brightening excites.
    public func signed(_ neuron: Int) -> [Double] {
        (0..<cells).map { on[neuron * cells + $0] - off[neuron * cells + $0] }
    }
}

/// Centre and size of one receptive field, from the moments of its energy map above half maximum.
public struct ReceptiveFieldFit: Equatable {
    /// Fractions of the stored image's width and height, from the top-left corner (NaN: no field).
    public let centerX: Double
    public let centerY: Double
    /// σ of the Gaussian with the same area above half maximum, as a fraction of the image width.
    /// It measures the response to a small square: for a neuron that squares its filter's output
    /// (complex-cell-like) that profile is the filter envelope squared, σ/√2 of the envelope's.
    public let size: Double
    /// (peak - median) of the energy map in units of its robust spread (1.4826 MAD; the mean
    /// absolute deviation when more than half the map is exactly the median, as around a
    /// convolutional model's field, which does not answer at all far from it): how clearly the
    /// field stands out of the background.
    public let strength: Double

    /// The half-maximum region is the connected set of cells (4-neighbours) around the peak whose
    /// energy exceeds median + (peak - median) / 2; its centroid, weighted by energy above the
    /// median, is the centre; for a 2-D Gaussian that region is a disc of radius σ √(2 ln 2).
    public static func fit(energy: [Double], noise: SparseNoise, height: Int, width: Int) -> ReceptiveFieldFit {
        let sorted = energy.sorted()
        let median = sorted[sorted.count / 2]
        let deviations = energy.map { abs($0 - median) }.sorted()
        let medianDeviation = deviations[deviations.count / 2]
        let spread = medianDeviation > 0 ? 1.4826 * medianDeviation : deviations.reduce(0, +) / Double(deviations.count)
        guard let peakCell = energy.indices.max(by: { energy[$0] < energy[$1] }), energy[peakCell] > median else {
            return ReceptiveFieldFit(centerX: .nan, centerY: .nan, size: .nan, strength: 0)
        }
        let peak = energy[peakCell], threshold = median + (peak - median) / 2
        var region: Set<Int> = [peakCell], frontier = [peakCell]
        while let cell = frontier.popLast() {
            let row = cell / noise.columns, column = cell % noise.columns
            for (r, c) in [(row - 1, column), (row + 1, column), (row, column - 1), (row, column + 1)]
            where (0..<noise.rows).contains(r) && (0..<noise.columns).contains(c) {
                let neighbour = r * noise.columns + c
                if energy[neighbour] >= threshold && region.insert(neighbour).inserted { frontier.append(neighbour) }
            }
        }
        var weight = 0.0, x = 0.0, y = 0.0, area = 0.0
        for cell in region {
            let box = noise.bounds(cell: cell, height: height, width: width)
            let w = energy[cell] - median
            weight += w
            x += w * Double(box.left + box.right) / 2
            y += w * Double(box.top + box.bottom) / 2
            area += Double((box.bottom - box.top) * (box.right - box.left))
        }
        let sigma = (area / (2 * Double.pi * log(2))).squareRoot()
        return ReceptiveFieldFit(centerX: x / weight / Double(width), centerY: y / weight / Double(height), size: sigma / Double(width),
                                 strength: (peak - median) / spread)
    }
}

/// Fitted centres against the true ones of a simulated recording.
public struct ReceptiveFieldComparison {
    /// Per neuron: distance between fitted and true centre, as a fraction of the image width.
    public let errors: [Double]
    public let medianError: Double
    /// The median error of guessing every neuron at the population's mean true centre: what a map
    /// without any per-neuron information scores.
    public let populationBaseline: Double

    /// - truth: (x, y) fractions per neuron; aspect: height / width of the image.
    public init(fits: [ReceptiveFieldFit], truth: [(x: Double, y: Double)], aspect: Double) {
        func distance(_ a: (Double, Double), _ b: (x: Double, y: Double)) -> Double { hypot(a.0 - b.x, (a.1 - b.y) * aspect) }
        errors = zip(fits, truth).map { $0.centerX.isFinite ? distance(($0.centerX, $0.centerY), $1) : .infinity }
        medianError = Self.median(errors)
        let mean = (truth.map(\.x).reduce(0, +) / Double(truth.count), truth.map(\.y).reduce(0, +) / Double(truth.count))
        populationBaseline = Self.median(truth.map { distance(mean, $0) })
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
