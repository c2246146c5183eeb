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
