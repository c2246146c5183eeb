import Foundation

/// Expected (noiseless) responses: receptive-field drive at the trial's eye position, a saturating power-law
/// output nonlinearity, and a gain set by running and arousal.
struct ResponseModel {
    let neurons: [SimulatedNeuron]
    let images: ImageStack
    let behaviour: BehaviourTrace

    /// Drive (in units of the neuron's typical drive) at which the output reaches half its ceiling:
    /// responses saturate, as firing rates and calcium indicators do.
    static let saturation = 8.0

    /// Receptive fields follow the eye by this many pixels per degree, up to `maximumShift` pixels.
    var pixelsPerDegree: Double { Double(images.width) / Simulator.degreesAcrossImage }
    var maximumShift: Double { max(1, (0.04 * Double(images.width)).rounded()) }

    /// Each neuron's mean drive over the images at rest. Responses divide by it, so that `amplitude`
    /// and `exponent` mean the same for large and small, well and poorly driven neurons.
    func typicalDrives() -> [Double] {
        let fields = ReceptiveFields(neurons: neurons, imageHeight: images.height, imageWidth: images.width)
        var typicalDrive = [Double](repeating: 0, count: neurons.count)
        for image in 0..<images.count {
            let outputs = fields.linearResponses(contrast: images.image(image).map { (Float($0) - 128) / 128 }, shiftX: 0, shiftY: 0)
            for index in neurons.indices { typicalDrive[index] += drive(outputs, index) / Double(images.count) }
        }
        return typicalDrive.map { max($0, 1e-6) }
    }

    /// (trials x neurons) expected responses for trials showing `imageIndex`; `typicalDrive` from
    /// another stack (the same neurons' scenes, for movie frames) or, when nil, from these images.
    func expectedResponses(imageIndex: [Int32], typicalDrive given: [Double]? = nil) -> Matrix<Float> {
        let fields = ReceptiveFields(neurons: neurons, imageHeight: images.height, imageWidth: images.width)
        let contrasts = (0..<images.count).map { image in images.image(image).map { (Float($0) - 128) / 128 } }
        let typicalDrive = given ?? typicalDrives()

        var trialsOfImage = [[Int]](repeating: [], count: images.count)
        for (trial, image) in imageIndex.enumerated() { trialsOfImage[Int(image)].append(trial) }

        var expected = Matrix<Float>(rows: imageIndex.count, columns: neurons.count, repeating: 0)
        for image in 0..<images.count where !trialsOfImage[image].isEmpty {
            // Filter outputs at whole-pixel shifts, computed once per image and shift; a trial's
            // fractional shift interpolates its four neighbours (= filtering the shifted image).
            var cache = [Int: [Float]]()
            func outputs(_ x: Int, _ y: Int) -> [Float] {
                let key = (x + 512) * 1024 + (y + 512)
                if let known = cache[key] { return known }
                let computed = fields.linearResponses(contrast: contrasts[image], shiftX: x, shiftY: y)
                cache[key] = computed
                return computed
            }
            for trial in trialsOfImage[image] {
                let (shiftX, shiftY) = receptiveFieldShift(trial: trial)
                let x0 = Int(shiftX.rounded(.down)), y0 = Int(shiftY.rounded(.down))
                let fx = Float(shiftX - Double(x0)), fy = Float(shiftY - Double(y0))
                let a = outputs(x0, y0), b = outputs(x0 + 1, y0), c = outputs(x0, y0 + 1), d = outputs(x0 + 1, y0 + 1)
                var blended = [Float](repeating: 0, count: a.count)
                for k in blended.indices {
                    blended[k] = (a[k] * (1 - fx) + b[k] * fx) * (1 - fy) + (c[k] * (1 - fx) + d[k] * fx) * fy
                }
                for (index, neuron) in neurons.enumerated() {
                    let normalised = drive(blended, index) / typicalDrive[index]
                    let gain = max(0.1, 1 + neuron.runningGain * min(behaviour.runningSpeed[trial], 40) / 20
                                      + neuron.arousalGain * (behaviour.arousal[trial] - 0.4))
                    let powered = pow(normalised, neuron.exponent)
                    let saturated = powered / (1 + powered / ResponseModel.saturation)
                    expected[trial, index] = Float(gain * (neuron.baseline + neuron.amplitude * saturated))
                }
            }
        }
        return expected
    }

    /// Simple cells: the rectified even filter; complex cells: the quadrature pair's energy (amplitude).
    private func drive(_ outputs: [Float], _ index: Int) -> Double {
        let even = Double(outputs[2 * index]), odd = Double(outputs[2 * index + 1])
        return neurons[index].isComplex ? (even * even + odd * odd).squareRoot() : max(0, even)
    }

    /// Where the eye points moves every receptive field on the screen: right for a rightward eye,
    /// up (smaller image y) for an upward eye.
    private func receptiveFieldShift(trial: Int) -> (Double, Double) {
        let limit = maximumShift
        let x = pixelsPerDegree * behaviour.pupilCenterX[trial]
        let y = -pixelsPerDegree * behaviour.pupilCenterY[trial]
        return (min(limit, max(-limit, x)), min(limit, max(-limit, y)))
    }
}
