import Foundation

/// A simulated Allen-like natural-scenes session with known ground truth, deterministic by seed:
/// natural-like images shown in random order, neurons with retinotopically placed Gabor-like
/// receptive fields (simple and complex cells) whose gain follows running and arousal, eye
/// movements that shift every receptive field, and Poisson trial-to-trial noise with a shared gain
/// fluctuation. Use it to try the pipeline without data and to check that a model recovers what
/// generated the responses (`Recording.groundTruth`).
public enum Simulator {
    /// Image width spanned by one degree of visual angle: the Allen monitor covers about 120°.
    static let degreesAcrossImage = 120.0

    public static func simulate(_ options: SimulationOptions) throws -> Recording {
        let (scenes, neurons) = try simulateScenes(options)
        let movieOne = SimulatedMovie(options: options, neurons: neurons, name: "natural_movie_one", frameCount: options.movieFrames)
        return appending(options.movieFrames > 0 ? [movieOne] : [], to: scenes, session: 0, options: options, neurons: neurons)
    }

    /// The natural-scenes part of `simulate` and the neurons that responded.
    static func simulateScenes(_ options: SimulationOptions) throws -> (Recording, [SimulatedNeuron]) {
        try options.validate()
        let height = options.imageHeight, width = options.imageWidth, seed = options.seed
        let generator = NaturalImageGenerator(height: height, width: width)
        var pixels = [UInt8]()
        pixels.reserveCapacity((options.images + 1) * height * width)
        for index in 0..<options.images { pixels += generator.image(seed: seed, index: index) }
        pixels += generator.gray()
        let images = ImageStack(count: options.images + 1, height: height, width: width, pixels: pixels)
        let grayImage = Int32(options.images)

        // Each pass shows every image once and one blank, in random order (as the Allen's stimulus does).
        var order = SeededRandom(seed: seed, stream: 0x0DE4_0001)
        var imageIndex = [Int32](), stimulusFrame = [Int32]()
        for _ in 0..<options.repeats {
            var pass = Array(0...grayImage)
            order.shuffle(&pass)
            imageIndex += pass
            stimulusFrame += pass.map { $0 == grayImage ? -1 : $0 }
        }
        let trialCount = imageIndex.count

        let behaviour = BehaviourProcess(secondsPerTrial: SimulationOptions.secondsPerTrial).simulate(trials: trialCount, seed: seed)
        let neurons = NeuronPopulation.sample(count: options.neurons, imageHeight: height, imageWidth: width, seed: seed)
        let expected = ResponseModel(neurons: neurons, images: images, behaviour: behaviour)
            .expectedResponses(imageIndex: imageIndex)
        let observed = addTrialNoise(to: expected, neurons: neurons, seed: seed)

        let trials = Trials(
            imageIndex: imageIndex, stimulusFrame: stimulusFrame,
            responses: observed,
            behaviour: behaviourMatrix(behaviour, eyeTracking: options.eyeTracking),
            behaviourAvailable: [options.eyeTracking, options.eyeTracking, true],
            pupilCenter: pupilCenterMatrix(behaviour, eyeTracking: options.eyeTracking),
            pupilCenterAvailable: options.eyeTracking,
            tiers: TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction, seed: seed)
                .tiers(imageIndex: imageIndex, isBlank: stimulusFrame.map { $0 < 0 }),
            onsetTimes: onsetTimes(trialCount: trialCount))
        let neuronTable = Neurons(
            ids: (0..<options.neurons).map { 700_000_000 + Int64($0) },
            positions: Matrix(rows: options.neurons, columns: 3, values: neurons.flatMap { [Float($0.x), Float($0.y), Float($0.depth)] }),
            areas: Array(repeating: "VISp", count: options.neurons))
        // Pixel i spans [i, i + 1), so its centre is at (i + 0.5) / size in normalised coordinates.
        let truth = GroundTruth(
            noiselessResponses: expected,
            receptiveFieldCenters: Matrix(rows: options.neurons, columns: 2, values: neurons.flatMap {
                [Float(($0.centerX + 0.5) / Double(width)), Float(($0.centerY + 0.5) / Double(height))]
            }),
            receptiveFieldSizes: neurons.map { Float($0.sigma / Double(width)) })
        let metadata = RecordingMetadata(
            source: .simulated, experimentID: "simulated-seed-\(seed)", sessionType: "simulated_natural_scenes",
            creLine: "simulated", area: "VISp", responseKind: .simulated,
            responseWindowStart: 0, responseWindowEnd: 0.5, frameRate: 30)
        return (Recording(metadata: metadata, images: images, trials: trials, neurons: neuronTable, groundTruth: truth), neurons)
    }

    /// Poisson events around the expected response, scaled back to response units, with a gain
    /// shared by all neurons on a trial (correlated variability, as in cortex).
    static func addTrialNoise(to expected: Matrix<Float>, neurons: [SimulatedNeuron], seed: UInt64) -> Matrix<Float> {
        var random = SeededRandom(seed: seed, stream: 0x0015_E001)
        var observed = expected
        for trial in 0..<expected.rows {
            let sharedGain = exp(0.25 * random.normal() - 0.03)
            for (index, neuron) in neurons.enumerated() {
                let rate = Double(expected[trial, index]) * sharedGain * neuron.eventsPerUnit
                observed[trial, index] = Float(Double(poisson(rate, &random)) / neuron.eventsPerUnit)
            }
        }
        return observed
    }

    private static func poisson(_ mean: Double, _ random: inout SeededRandom) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * random.normal()).rounded())) }
        // Knuth: multiply uniforms until the product drops below e^-mean.
        let limit = exp(-mean)
        var count = 0, product = random.uniform()
        while product > limit {
            count += 1
            product *= random.uniform()
        }
        return count
    }

    static func behaviourMatrix(_ trace: BehaviourTrace, eyeTracking: Bool) -> Matrix<Float> {
        var matrix = Matrix<Float>(rows: trace.runningSpeed.count, columns: 3, repeating: 0)
        for trial in 0..<matrix.rows {
            if eyeTracking {
                matrix[trial, BehaviourVariable.pupilSize.rawValue] = Float(trace.pupilSize[trial])
                matrix[trial, BehaviourVariable.pupilSizeDerivative.rawValue] = Float(trace.pupilSizeDerivative[trial])
            }
            matrix[trial, BehaviourVariable.runningSpeed.rawValue] = Float(trace.runningSpeed[trial])
        }
        return matrix
    }

    static func pupilCenterMatrix(_ trace: BehaviourTrace, eyeTracking: Bool) -> Matrix<Float> {
        var matrix = Matrix<Float>(rows: trace.pupilCenterX.count, columns: 2, repeating: 0)
        if eyeTracking {
            for trial in 0..<matrix.rows {
                matrix[trial, 0] = Float(trace.pupilCenterX[trial])
                matrix[trial, 1] = Float(trace.pupilCenterY[trial])
            }
        }
        return matrix
    }

    /// Three blocks of back-to-back images separated by other stimuli (15 min), as in session B.
    private static func onsetTimes(trialCount: Int) -> [Double] {
        let blockLength = (trialCount + 2) / 3
        return (0..<trialCount).map { trial in
            600 + Double(trial) * SimulationOptions.secondsPerTrial + Double(trial / blockLength) * 900
        }
    }
}
