import Foundation
@testable import TrainingSet

/// A fresh directory per test, removed by the caller.
func makeScratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("trainingset-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A hand-built recording: 5 natural images shown 4 times each plus 2 blank trials (22 trials),
/// a gray image at index 5, 3 neurons, running speed measured but no eye tracking.
func makeSmallRecording(groundTruth: Bool = true) -> Recording {
    let height = 4, width = 6, neuronCount = 3
    var pixels = [UInt8]()
    for image in 0..<5 { pixels += (0..<(height * width)).map { UInt8((image * 37 + $0 * 11) % 256) } }
    pixels += [UInt8](repeating: 128, count: height * width)
    let images = ImageStack(count: 6, height: height, width: width, pixels: pixels)

    var imageIndex = [Int32](), frames = [Int32]()
    for repeat_ in 0..<4 {
        for image in 0..<5 { imageIndex.append(Int32((image + repeat_) % 5)); frames.append(Int32((image + repeat_) % 5)) }
    }
    imageIndex += [5, 5]
    frames += [-1, -1]
    let trialCount = imageIndex.count
    let responses = (0..<(trialCount * neuronCount)).map { Float(($0 * 7) % 13) / 4 }
    var behaviour = Matrix<Float>(rows: trialCount, columns: 3, repeating: 0)
    for trial in 0..<trialCount { behaviour[trial, 2] = Float(trial % 4) * 2.5 }
    let tiers = TierSplit(validationFraction: 0.2, testFraction: 0.2, seed: 1)
        .tiers(imageIndex: imageIndex, isBlank: frames.map { $0 < 0 })

    let trials = Trials(
        imageIndex: imageIndex, stimulusFrame: frames,
        responses: Matrix(rows: trialCount, columns: neuronCount, values: responses),
        behaviour: behaviour, behaviourAvailable: [false, false, true],
        pupilCenter: Matrix(rows: trialCount, columns: 2, repeating: 0), pupilCenterAvailable: false,
        tiers: tiers, onsetTimes: (0..<trialCount).map { 10 + 0.25 * Double($0) })
    let neurons = Neurons(ids: [517_500_000, 517_500_001, 517_500_002],
                          positions: Matrix(rows: 3, columns: 3, values: [10, 20, 175, 200, 50, 175, 390, 390, 175]),
                          areas: ["VISp", "VISp", "VISl"])
    let truth = GroundTruth(
        noiselessResponses: Matrix(rows: trialCount, columns: neuronCount, values: responses.map { $0 * 0.5 + 0.1 }),
        receptiveFieldCenters: Matrix(rows: 3, columns: 2, values: [0.2, 0.3, 0.5, 0.5, 0.8, 0.7]),
        receptiveFieldSizes: [0.05, 0.06, 0.07])
    let metadata = RecordingMetadata(
        source: .simulated, experimentID: "fixture-1", sessionType: "three_session_B", creLine: "Cux2-CreERT2",
        area: "VISp", responseKind: .simulated, responseWindowStart: 0, responseWindowEnd: 0.5, frameRate: 30)
    return Recording(metadata: metadata, images: images, trials: trials, neurons: neurons,
                     groundTruth: groundTruth ? truth : nil)
}

/// `makeSmallRecording` plus `natural_movie_one`: every 2nd of 60 frames, shown 3 times, each frame an
/// image of its own, the movie split in 10-frame segments with a 2-frame gap. Two sessions: the first
/// (scenes and the first movie repeat) records every neuron, the second (the other repeats) not neuron 2.
func makeMovieRecording() -> Recording {
    let scenes = makeSmallRecording()
    let height = scenes.images.height, width = scenes.images.width
    let movieFrames = Array(stride(from: 0, to: 60, by: 2))
    var pixels = scenes.images.pixels
    for frame in movieFrames { pixels += (0..<(height * width)).map { UInt8((frame * 5 + $0 * 3) % 256) } }
    let images = ImageStack(count: scenes.images.count + movieFrames.count, height: height, width: width, pixels: pixels)

    var trials = scenes.trials
    trials.stimulusKinds = [.naturalScenes, StimulusKind(name: "natural_movie_one")]
    var responses = trials.responses.values, truth = scenes.groundTruth!.noiselessResponses.values
    for repeat_ in 0..<3 {
        for (position, frame) in movieFrames.enumerated() {
            trials.imageIndex.append(Int32(scenes.images.count + position))
            trials.stimulusFrame.append(Int32(frame))
            trials.stimulusKindIndex.append(1)
            trials.sessionIndex.append(repeat_ == 0 ? 0 : 1)
            let values: [Float] = [Float(frame % 7) / 3, Float(repeat_ + 1), repeat_ == 0 ? Float(frame % 5) : 0]
            responses += values
            truth += values.map { $0 * 0.5 }
            trials.behaviour = Matrix(rows: trials.behaviour.rows + 1, columns: 3, values: trials.behaviour.values + [0, 0, 1.5])
            trials.pupilCenter = Matrix(rows: trials.pupilCenter.rows + 1, columns: 2, values: trials.pupilCenter.values + [0, 0])
            trials.onsetTimes!.append(100 + Double(repeat_) * 2 + Double(frame) / 30)
        }
    }
    trials.responses = Matrix(rows: trials.imageIndex.count, columns: 3, values: responses)
    trials.tiers = [Tier](repeating: .train, count: trials.imageIndex.count)
    let split = TierSplit(validationFraction: 0.2, testFraction: 0.2, seed: 1, movieSegmentFrames: 10, movieGapFrames: 2)
        .assign(trials)
    trials = trials.subset(split.kept)
    trials.tiers = split.tiers
    var metadata = scenes.metadata
    metadata.movieTrials = MovieTrialSettings(responseWindowStart: 0.1, responseWindowEnd: 0.4, frameStep: 2)
    let sessions = [
        RecordedSession(experimentID: "fixture-1", sessionType: "three_session_B", recorded: [true, true, true]),
        RecordedSession(experimentID: "fixture-2", sessionType: "three_session_A", recorded: [true, true, false]),
    ]
    var groundTruth = scenes.groundTruth!
    groundTruth.noiselessResponses = Matrix(rows: responses.count / 3, columns: 3, values: truth).rows(split.kept)
    return Recording(metadata: metadata, images: images, trials: trials, neurons: scenes.neurons,
                     sessions: sessions, groundTruth: groundTruth)
}
