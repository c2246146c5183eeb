import Foundation

/// A natural movie shown to a simulated session's neurons after its scenes, as `natural_movie_one`
/// is shown in every Allen session: natural-like frames (shots of 5 s, each a natural-like scene
/// panning slowly past, so neighbouring frames look alike), repeated back to back. Each neuron's
/// response to each frame (its receptive field at rest, normalised as for the scenes) drives its
/// dF/F frame by frame through a GCaMP6f-like `CalciumKernel`; a trial, every `movieFrameStep`-th
/// frame of every repeat, is the mean over the window `responseWindow` after the frame's onset (as
/// `convert` makes it), times the trial's running and arousal gain, with trial-to-trial noise. The
/// trial's stored image is its frame, or the mean of a run of frames from it (`storedImage`).
struct SimulatedMovie {
    let options: SimulationOptions
    let neurons: [SimulatedNeuron]

    static let name = "natural_movie_one"
    /// Seconds after a frame's onset the response averages: what `convert` uses by default (docs/allen.md).
    static let responseWindow = (start: 0.1, end: 0.5)
    static let shotFrames = 150
    static let panPixelsPerFrame = 0.4

    /// The movie's frames, (movieFrames x height x width).
    func frames() -> ImageStack {
        let height = options.imageHeight, width = options.imageWidth
        let margin = Int((Double(Self.shotFrames) * Self.panPixelsPerFrame).rounded(.up)) + 1
        let generator = NaturalImageGenerator(height: height, width: width + margin)
        var pixels = [UInt8]()
        pixels.reserveCapacity(options.movieFrames * height * width)
        var shot: [UInt8] = []
        for frame in 0..<options.movieFrames {
            if frame % Self.shotFrames == 0 { shot = generator.image(seed: options.seed ^ 0x0303_1E00, index: frame / Self.shotFrames) }
            let offset = Int((Double(frame % Self.shotFrames) * Self.panPixelsPerFrame).rounded())
            for y in 0..<height {
                let row = y * (width + margin) + offset
                pixels += shot[row..<(row + width)]
            }
        }
        return ImageStack(count: options.movieFrames, height: height, width: width, pixels: pixels)
    }

    /// (frames x neurons): each frame's window mean of the calcium trace at rest (gain 1), the
    /// movie repeating back to back so that frame 0 follows the last frame.
    func windowMeans(frames: ImageStack, typicalDrive: [Double]) -> [[Double]] {
        let count = frames.count
        let rest = BehaviourTrace(runningSpeed: .init(repeating: 0, count: count), pupilSize: .init(repeating: 0, count: count),
                                  pupilSizeDerivative: .init(repeating: 0, count: count), pupilCenterX: .init(repeating: 0, count: count),
                                  pupilCenterY: .init(repeating: 0, count: count), arousal: .init(repeating: 0.4, count: count))
        let rates = ResponseModel(neurons: neurons, images: frames, behaviour: rest)
            .expectedResponses(imageIndex: (0..<count).map(Int32.init), typicalDrive: typicalDrive)
        let kernel = CalciumKernel()
        let weights = kernel.samples.map { $0 / kernel.samples.reduce(0, +) }
        let first = Int((Self.responseWindow.start * kernel.frameRate).rounded())
        let last = Int((Self.responseWindow.end * kernel.frameRate).rounded())
        func wrapped(_ frame: Int) -> Int { ((frame % count) + count) % count }
        return (0..<count).map { frame in
            var means = [Double](repeating: 0, count: neurons.count)
            for t in (frame + first)..<(frame + last) {
                for (lag, weight) in weights.enumerated() {
                    let shown = wrapped(t - lag)
                    for n in neurons.indices { means[n] += weight * Double(rates[shown, n]) }
                }
            }
            return means.map { $0 / Double(last - first) }
        }
    }

    /// What a trial at `frame` stores as its image: the rounded (to nearest, halves up) mean of the
    /// `movieFrameRun` frames from it, clipped at the movie's last frame, as `convert` stores it. Only
    /// the stored image changes: the responses stay those the calcium kernel makes of the frames shown.
    func storedImage(_ frame: Int, of frames: ImageStack) -> [UInt8] {
        let run = MovieFrameRun(length: options.movieFrameRun).frames(from: frame, templateFrames: frames.count)
        guard run.count > 1 else { return Array(frames.image(frame)) }
        return MovieFrameRun.mean(run.map { frames.image($0).map(Float.init) }).map { UInt8($0.rounded()) }
    }

    /// `scenes` with the movie's trials after its own, its kept frames after its images, movie tiers
    /// by segment (`TierSplit.assign`) and the movie's ground truth.
    func appended(to scenes: Recording) -> Recording {
        let all = frames()
        let typicalDrive = ResponseModel(neurons: neurons, images: scenes.images, behaviour: BehaviourProcess(secondsPerTrial: 1).simulate(trials: 0, seed: 0))
            .typicalDrives()
        let means = windowMeans(frames: all, typicalDrive: typicalDrive)
        let kept = Array(stride(from: 0, to: options.movieFrames, by: options.movieFrameStep))
        let trialCount = kept.count * options.movieRepeats
        let behaviour = BehaviourProcess(secondsPerTrial: Double(options.movieFrameStep) / 30)
            .simulate(trials: trialCount, seed: options.seed &+ 0x30F1E)

        var expected = Matrix<Float>(rows: trialCount, columns: neurons.count, repeating: 0)
        for trial in 0..<trialCount {
            let frame = kept[trial % kept.count]
            for (n, neuron) in neurons.enumerated() {
                let gain = max(0.1, 1 + neuron.runningGain * min(behaviour.runningSpeed[trial], 40) / 20
                                  + neuron.arousalGain * (behaviour.arousal[trial] - 0.4))
                expected[trial, n] = Float(gain * means[frame][n])
            }
        }
        let observed = Simulator.addTrialNoise(to: expected, neurons: neurons, seed: options.seed &+ 0x30F1E)

        var recording = scenes
        var pixels = scenes.images.pixels
        for frame in kept { pixels += storedImage(frame, of: all) }
        recording.images = ImageStack(count: scenes.images.count + kept.count, height: all.height, width: all.width, pixels: pixels)
        let firstImage = Int32(scenes.images.count)
        let start = (scenes.trials.onsetTimes?.last ?? 0) + 60
        let movieTrials = Trials(
            imageIndex: (0..<trialCount).map { firstImage + Int32($0 % kept.count) },
            stimulusFrame: (0..<trialCount).map { Int32(kept[$0 % kept.count]) },
            responses: observed,
            behaviour: Simulator.behaviourMatrix(behaviour, eyeTracking: options.eyeTracking),
            behaviourAvailable: scenes.trials.behaviourAvailable,
            pupilCenter: Simulator.pupilCenterMatrix(behaviour, eyeTracking: options.eyeTracking),
            pupilCenterAvailable: scenes.trials.pupilCenterAvailable,
            tiers: [Tier](repeating: .train, count: trialCount),
            onsetTimes: (0..<trialCount).map { start + Double($0 / kept.count * options.movieFrames + kept[$0 % kept.count]) / 30 })
        var trials = scenes.trials.appending(movieTrials, as: StimulusKind(name: Self.name))
        var truth = scenes.groundTruth!
        truth.noiselessResponses = Matrix(rows: trials.count, columns: neurons.count,
                                          values: truth.noiselessResponses.values + expected.values)
        let split = TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction, seed: options.seed,
                              movieSegmentFrames: options.movieSegmentFrames, movieGapFrames: options.movieGapFrames)
            .assign(trials)
        trials = trials.subset(split.kept)
        trials.tiers = split.tiers
        truth.noiselessResponses = truth.noiselessResponses.rows(split.kept)
        recording.trials = trials
        recording.groundTruth = truth
        recording.metadata.movieTrials = MovieTrialSettings(responseWindowStart: Self.responseWindow.start,
                                                            responseWindowEnd: Self.responseWindow.end, frameStep: options.movieFrameStep,
                                                            frameRun: options.movieFrameRun)
        recording.recomputeStatistics()
        return recording
    }
}

extension Trials {
    /// These trials followed by `other`'s, whose stimulus kind is `kind` (added to the kinds) and
    /// whose session is the first.
    func appending(_ other: Trials, as kind: StimulusKind) -> Trials {
        var kinds = stimulusKinds
        if !kinds.contains(kind) { kinds.append(kind) }
        let index = Int32(kinds.firstIndex(of: kind)!)
        return Trials(
            imageIndex: imageIndex + other.imageIndex, stimulusFrame: stimulusFrame + other.stimulusFrame,
            responses: Matrix(rows: count + other.count, columns: responses.columns, values: responses.values + other.responses.values),
            behaviour: Matrix(rows: count + other.count, columns: 3, values: behaviour.values + other.behaviour.values),
            behaviourAvailable: behaviourAvailable,
            pupilCenter: Matrix(rows: count + other.count, columns: 2, values: pupilCenter.values + other.pupilCenter.values),
            pupilCenterAvailable: pupilCenterAvailable, tiers: tiers + other.tiers,
            onsetTimes: onsetTimes.flatMap { mine in other.onsetTimes.map { mine + $0 } },
            stimulusKinds: kinds, stimulusKindIndex: stimulusKindIndex + [Int32](repeating: index, count: other.count),
            sessionIndex: sessionIndex + [Int32](repeating: 0, count: other.count))
    }
}
