import Foundation

/// A natural movie shown to a simulated session's neurons, as the Allen sessions show theirs
/// (`natural_movie_one` in every session type, `natural_movie_three` in A, `natural_movie_two` in C):
/// natural-like frames (shots of 5 s, each a natural-like scene panning slowly past, so neighbouring
/// frames look alike), repeated back to back. Each neuron's response to each frame (its receptive
/// field at rest, normalised as for the scenes) drives its dF/F frame by frame through a
/// GCaMP6f-like `CalciumKernel`; a trial, every `movieFrameStep`-th frame of every repeat, is the
/// mean over the window `responseWindow` after the frame's onset (as `convert` makes it), times the
/// trial's running and arousal gain, with trial-to-trial noise. The trial's stored image is its
/// frame, or the mean of a run of frames from it (`storedImage`).
struct SimulatedMovie {
    let options: SimulationOptions
    let neurons: [SimulatedNeuron]
    /// `natural_movie_one`, `_two` or `_three`: the name picks the frames, the same in every session.
    let name: String
    let frameCount: Int

    /// Seconds after a frame's onset the response averages: what `convert` uses by default (docs/allen.md).
    static let responseWindow = (start: 0.1, end: 0.5)
    static let shotFrames = 150
    static let panPixelsPerFrame = 0.4

    /// The movies a session of `sessionType` shows, at the Allen's relative lengths: movies one and
    /// two `options.movieFrames` frames (900, 30 s, in the Allen's), movie three four times as many.
    static func shown(in sessionType: String, options: SimulationOptions, neurons: [SimulatedNeuron]) -> [SimulatedMovie] {
        let names: [String]
        switch sessionType {
        case "three_session_A": names = ["natural_movie_one", "natural_movie_three"]
        case "three_session_C": names = ["natural_movie_one", "natural_movie_two"]
        default: names = ["natural_movie_one"]
        }
        return names.map { name in
            SimulatedMovie(options: options, neurons: neurons, name: name,
                           frameCount: name == "natural_movie_three" ? 4 * options.movieFrames : options.movieFrames)
        }
    }

    /// Frame seeds by movie; movie one's is the one every earlier simulation used.
    private var frameSeed: UInt64 {
        let salt: UInt64 = name == "natural_movie_two" ? 0x0202 : name == "natural_movie_three" ? 0x0303 : 0
        return (options.seed ^ 0x0303_1E00) &+ salt << 32
    }

    /// The movie's frames, (frameCount x height x width).
    func frames() -> ImageStack {
        let height = options.imageHeight, width = options.imageWidth
        let margin = Int((Double(Self.shotFrames) * Self.panPixelsPerFrame).rounded(.up)) + 1
        let generator = NaturalImageGenerator(height: height, width: width + margin)
        var pixels = [UInt8]()
        pixels.reserveCapacity(frameCount * height * width)
        var shot: [UInt8] = []
        for frame in 0..<frameCount {
            if frame % Self.shotFrames == 0 { shot = generator.image(seed: frameSeed, index: frame / Self.shotFrames) }
            let offset = Int((Double(frame % Self.shotFrames) * Self.panPixelsPerFrame).rounded())
            for y in 0..<height {
                let row = y * (width + margin) + offset
                pixels += shot[row..<(row + width)]
            }
        }
        return ImageStack(count: frameCount, height: height, width: width, pixels: pixels)
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

    /// The movie's trials, all in the training tier until `Simulator.appending` splits them: their
    /// stored images (the kept frames, numbered from `firstImage`), the trials from `start` seconds on,
    /// and their noiseless responses. `session` (0 for B, 1 for A, 2 for C) seeds the behaviour and
    /// noise, so the same movie in two sessions of a container gets other trials; B's movie one is the
    /// single session's. `typicalDrive` normalises each neuron as on the scenes.
    func trials(firstImage: Int32, start: Double, session: UInt64, typicalDrive: [Double], like scenes: Trials)
        -> (pixels: [UInt8], trials: Trials, expected: Matrix<Float>) {
        let all = frames()
        let means = windowMeans(frames: all, typicalDrive: typicalDrive)
        let kept = Array(stride(from: 0, to: frameCount, by: options.movieFrameStep))
        let trialCount = kept.count * options.movieRepeats
        let movieNumber: UInt64 = name == "natural_movie_two" ? 1 : name == "natural_movie_three" ? 2 : 0
        let seed = options.seed &+ 0x30F1E &+ (session << 40 | movieNumber << 36)
        let behaviour = BehaviourProcess(secondsPerTrial: Double(options.movieFrameStep) / 30).simulate(trials: trialCount, seed: seed)

        var expected = Matrix<Float>(rows: trialCount, columns: neurons.count, repeating: 0)
        for trial in 0..<trialCount {
            let frame = kept[trial % kept.count]
            for (n, neuron) in neurons.enumerated() {
                let gain = max(0.1, 1 + neuron.runningGain * min(behaviour.runningSpeed[trial], 40) / 20
                                  + neuron.arousalGain * (behaviour.arousal[trial] - 0.4))
                expected[trial, n] = Float(gain * means[frame][n])
            }
        }
        let trials = Trials(
            imageIndex: (0..<trialCount).map { firstImage + Int32($0 % kept.count) },
            stimulusFrame: (0..<trialCount).map { Int32(kept[$0 % kept.count]) },
            responses: Simulator.addTrialNoise(to: expected, neurons: neurons, seed: seed),
            behaviour: Simulator.behaviourMatrix(behaviour, eyeTracking: options.eyeTracking),
            behaviourAvailable: scenes.behaviourAvailable,
            pupilCenter: Simulator.pupilCenterMatrix(behaviour, eyeTracking: options.eyeTracking),
            pupilCenterAvailable: scenes.pupilCenterAvailable,
            tiers: [Tier](repeating: .train, count: trialCount),
            onsetTimes: (0..<trialCount).map { start + Double($0 / kept.count * frameCount + kept[$0 % kept.count]) / 30 })
        return (kept.flatMap { storedImage($0, of: all) }, trials, expected)
    }
}

extension Simulator {
    /// `scenes` with the trials of `movies` after its own (each a minute after the last), their kept
    /// frames after its images, tiers by image and by movie segment (`TierSplit.assign`, once over all
    /// trials, so a movie shown in several sessions gets the same tiers in each) and the movies' ground
    /// truth. `session` as in `SimulatedMovie.trials`.
    static func appending(_ movies: [SimulatedMovie], to scenes: Recording, session: UInt64, options: SimulationOptions,
                          neurons: [SimulatedNeuron]) -> Recording {
        guard !movies.isEmpty else { return scenes }
        let typicalDrive = ResponseModel(neurons: neurons, images: scenes.images,
                                         behaviour: BehaviourProcess(secondsPerTrial: 1).simulate(trials: 0, seed: 0)).typicalDrives()
        var recording = scenes
        var truth = scenes.groundTruth!
        for movie in movies {
            let start = (recording.trials.onsetTimes?.last ?? 0) + 60
            let (pixels, trials, expected) = movie.trials(firstImage: Int32(recording.images.count), start: start, session: session,
                                                          typicalDrive: typicalDrive, like: recording.trials)
            recording.images = ImageStack(count: recording.images.count + pixels.count / recording.images.pixelsPerImage,
                                          height: recording.images.height, width: recording.images.width,
                                          pixels: recording.images.pixels + pixels)
            recording.trials = recording.trials.appending(trials, as: StimulusKind(name: movie.name))
            truth.noiselessResponses = Matrix(rows: recording.trials.count, columns: neurons.count,
                                              values: truth.noiselessResponses.values + expected.values)
        }
        let split = TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction, seed: options.seed,
                              movieSegmentFrames: options.movieSegmentFrames, movieGapFrames: options.movieGapFrames)
            .assign(recording.trials)
        recording.trials = recording.trials.subset(split.kept)
        recording.trials.tiers = split.tiers
        truth.noiselessResponses = truth.noiselessResponses.rows(split.kept)
        recording.groundTruth = truth
        recording.metadata.movieTrials = MovieTrialSettings(responseWindowStart: SimulatedMovie.responseWindow.start,
                                                            responseWindowEnd: SimulatedMovie.responseWindow.end,
                                                            frameStep: options.movieFrameStep, frameRun: options.movieFrameRun)
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
