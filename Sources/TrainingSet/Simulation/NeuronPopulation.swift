import Foundation

/// Draws the neurons of one imaging field. Receptive-field centres follow cortical position
/// (retinotopy): a linear map, rotated at random, from the 400 x 400 µm field onto a patch of the
/// image covering about 35 % of its width, plus individual scatter, as in mouse V1 where
/// neighbouring neurons see neighbouring parts of the visual field.
struct NeuronPopulation {
    static let fieldOfViewMicrometres = 400.0
    static let planeDepthMicrometres = 175.0

    static func sample(count: Int, imageHeight: Int, imageWidth: Int, seed: UInt64) -> [SimulatedNeuron] {
        var random = SeededRandom(seed: seed, stream: 0x4E55_0001)
        let width = Double(imageWidth), height = Double(imageHeight)
        let mapAngle = random.uniform(-0.35, 0.35)
        let pixelsPerMicrometre = 0.35 * width / fieldOfViewMicrometres
        let mapCenterX = random.uniform(0.4, 0.6) * width, mapCenterY = random.uniform(0.4, 0.6) * height
        return (0..<count).map { _ in
            let x = random.uniform(0, fieldOfViewMicrometres), y = random.uniform(0, fieldOfViewMicrometres)
            let dx = (x - fieldOfViewMicrometres / 2) * pixelsPerMicrometre
            let dy = (y - fieldOfViewMicrometres / 2) * pixelsPerMicrometre
            let scatter = 0.03 * width
            let centerX = mapCenterX + dx * cos(mapAngle) - dy * sin(mapAngle) + random.normal() * scatter
            let centerY = mapCenterY + dx * sin(mapAngle) + dy * cos(mapAngle) + random.normal() * scatter
            let sigma = random.uniform(0.03, 0.05) * width
            let runsUp = random.uniform() < 0.7  // most V1 neurons gain when the mouse runs
            return SimulatedNeuron(
                x: x, y: y, depth: planeDepthMicrometres,
                centerX: min(0.9 * width, max(0.1 * width, centerX)),
                centerY: min(0.9 * height, max(0.1 * height, centerY)),
                sigma: sigma,
                wavelength: sigma / random.uniform(0.3, 0.55),
                orientation: random.uniform(0, .pi),
                phase: random.uniform(0, 2 * .pi),
                isComplex: random.uniform() < 0.6,
                baseline: random.uniform(0.05, 0.3),
                amplitude: exp(log(0.3) + 0.7 * random.normal()),
                exponent: random.uniform(1.0, 1.6),
                runningGain: runsUp ? random.uniform(0.05, 0.6) : random.uniform(-0.3, 0.05),
                arousalGain: random.uniform(-0.2, 0.5),
                eventsPerUnit: random.uniform(2, 6))
        }
    }
}
