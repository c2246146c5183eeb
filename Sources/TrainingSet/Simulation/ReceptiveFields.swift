import Foundation

/// One simulated V1 neuron: a Gabor-like receptive field and how its response scales.
struct SimulatedNeuron {
    /// Cortical position, micrometres.
    var x: Double, y: Double, depth: Double
    /// Receptive-field centre in image pixels with the eye at rest, and the envelope's σ in pixels.
    var centerX: Double, centerY: Double, sigma: Double
    var wavelength: Double, orientation: Double, phase: Double
    /// Complex cells respond to the energy of a quadrature pair (phase invariant); simple cells
    /// to the rectified output of one filter.
    var isComplex: Bool
    var baseline: Double, amplitude: Double, exponent: Double
    /// Gain change per 20 cm/s of running, and per unit of arousal above its typical level.
    var runningGain: Double, arousalGain: Double
    /// Events per response unit: sets the Poisson trial-to-trial noise (more events, less noise).
    var eventsPerUnit: Double
}

/// The neurons' quadrature filter pairs, each cut to a square window of ±2.5σ around its centre,
/// applied to image contrast ((pixel - 128) / 128) at whole-pixel shifts of the eye.
struct ReceptiveFields {
    let imageHeight: Int, imageWidth: Int
    /// Per neuron: window top-left corner (pixels, eye at rest) and side length.
    private(set) var originX: [Int] = [], originY: [Int] = [], side: [Int] = []
    /// Per neuron: even then odd weights, side² each; `offsets[n]` is where neuron n's even weights start.
    private var weights: [Float] = []
    private var offsets: [Int] = []

    init(neurons: [SimulatedNeuron], imageHeight: Int, imageWidth: Int) {
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        for neuron in neurons { append(neuron) }
    }

    private mutating func append(_ neuron: SimulatedNeuron) {
        let radius = Int((2.5 * neuron.sigma).rounded(.up))
        let x0 = Int(neuron.centerX.rounded()) - radius, y0 = Int(neuron.centerY.rounded()) - radius
        let size = 2 * radius + 1
        let kx = 2 * Double.pi / neuron.wavelength * cos(neuron.orientation)
        let ky = 2 * Double.pi / neuron.wavelength * sin(neuron.orientation)
        var even = [Double](), odd = [Double](), envelope = [Double]()
        for v in 0..<size {
            for u in 0..<size {
                let dx = Double(x0 + u) - neuron.centerX, dy = Double(y0 + v) - neuron.centerY
                let gauss = exp(-(dx * dx + dy * dy) / (2 * neuron.sigma * neuron.sigma))
                let argument = kx * dx + ky * dy + neuron.phase
                envelope.append(gauss)
                even.append(gauss * cos(argument))
                odd.append(gauss * sin(argument))
            }
        }
        // No response to uniform luminance: remove each filter's envelope-weighted mean.
        let envelopeSum = envelope.reduce(0, +)
        let evenMean = even.reduce(0, +) / envelopeSum, oddMean = odd.reduce(0, +) / envelopeSum
        // Unit norm, so that drive scales alike across sizes.
        let evenFilter = zip(even, envelope).map { $0 - evenMean * $1 }
        let oddFilter = zip(odd, envelope).map { $0 - oddMean * $1 }
        let norm = (evenFilter.reduce(0) { $0 + $1 * $1 } + oddFilter.reduce(0) { $0 + $1 * $1 }).squareRoot() / 2.0.squareRoot()
        offsets.append(weights.count)
        weights += evenFilter.map { Float($0 / norm) } + oddFilter.map { Float($0 / norm) }
        originX.append(x0)
        originY.append(y0)
        side.append(size)
    }

    var count: Int { offsets.count }

    /// Even and odd filter outputs of every neuron (`[even0, odd0, even1, odd1, ...]`) for image
    /// `contrast` (row-major, values in about -1...1) with every receptive field moved by
    /// (`shiftX`, `shiftY`) pixels. Pixels outside the image count as gray (contrast 0).
    func linearResponses(contrast: [Float], shiftX: Int, shiftY: Int) -> [Float] {
        var outputs = [Float](repeating: 0, count: 2 * count)
        contrast.withUnsafeBufferPointer { image in
            weights.withUnsafeBufferPointer { weights in
                for neuron in 0..<count {
                    let size = side[neuron], area = size * size
                    let left = originX[neuron] + shiftX, top = originY[neuron] + shiftY
                    let u0 = max(0, -left), u1 = min(size, imageWidth - left)
                    let v0 = max(0, -top), v1 = min(size, imageHeight - top)
                    var even: Float = 0, odd: Float = 0
                    if u0 < u1 {
                        for v in v0..<v1 {
                            let imageRow = (top + v) * imageWidth + left
                            let weightRow = offsets[neuron] + v * size
                            for u in u0..<u1 {
                                let pixel = image[imageRow + u]
                                even += weights[weightRow + u] * pixel
                                odd += weights[weightRow + area + u] * pixel
                            }
                        }
                    }
                    outputs[2 * neuron] = even
                    outputs[2 * neuron + 1] = odd
                }
            }
        }
        return outputs
    }
}
