import Foundation
import H5
import TrainingSet

/// A generator of damaged training sets: a small simulated recording written by VITA, then damaged
/// in one way. Every case has the outcome `inspect`, `train` and `evaluate` must all give.
enum TrainingSetFault: String, CaseIterable {
    case intact
    case truncated
    case flippedSignature
    case nanResponse
    case absurdResponse
    case responseStdZeroed
    case responseStdNaN
    case responseMeanWrong
    case imageStatisticsWrong
    case responsesAsFloat64
    case missingStatistics
    case missingTiers
    case otherFormatVersion
    case imageIndexOutOfRange
    case stimulusKindOutOfRange
    case sessionRecordsNoNeuron

    static func recording() throws -> Recording {
        var options = SimulationOptions()
        (options.neurons, options.images, options.repeats, options.imageHeight, options.imageWidth) = (6, 10, 4, 16, 24)
        options.seed = 11
        return try Simulator.simulate(options)
    }

    var expected: Outcome {
        switch self {
        case .intact: return .accepted
        case .truncated: return .refused(place: "", mentions: ["cannot be opened", "regenerate the file"])
        case .flippedSignature: return .refused(place: "", mentions: ["cannot be opened"])
        case .nanResponse: return .refused(place: "/trials/responses", mentions: ["row 3, neuron 2 is nan"])
        case .absurdResponse: return .refused(place: "/trials/responses", mentions: ["trial 5, neuron 1 is 1e+09", "±10000.0"])
        case .responseStdZeroed:
            return .refused(place: "/statistics/responses/std", mentions: ["neuron 0 (id", "is stored as 0.0", "training-tier data give"])
        case .responseStdNaN: return .refused(place: "/statistics/responses/std", mentions: ["is stored as nan"])
        case .responseMeanWrong: return .refused(place: "/statistics/responses/mean", mentions: ["neuron 4 (id"])
        case .imageStatisticsWrong: return .refused(place: "/statistics/images/std", mentions: ["the pixel values"])
        case .responsesAsFloat64: return .refused(place: "/trials/responses", mentions: ["stored as float64; expected float32"])
        case .missingStatistics: return .refused(place: "/statistics/images/mean", mentions: ["is missing"])
        case .missingTiers: return .refused(place: "/trials/tier", mentions: ["is missing"])
        case .otherFormatVersion: return .refused(place: "/@format_version", mentions: ["format version 99"])
        case .imageIndexOutOfRange: return .refused(place: "/trials/image_index", mentions: ["points at image 500"])
        case .stimulusKindOutOfRange: return .refused(place: "/trials/stimulus_kind", mentions: ["trial 2 has kind 7"])
        case .sessionRecordsNoNeuron: return .refused(place: "/sessions/recorded", mentions: ["records no neuron"])
        }
    }

    func write(_ recording: Recording, to path: String) throws {
        try recording.write(to: path)
        switch self {
        case .intact: return
        case .truncated: try ByteDamage.truncate(path, keeping: 0.5); return
        case .flippedSignature: try ByteDamage.flip(path, at: [0, 1]); return
        default: break
        }
        let file = try H5File.open(path, mode: .readWrite)
        defer { try? file.close() }
        let neurons = recording.neurons.count
        switch self {
        case .nanResponse, .absurdResponse:
            var responses = recording.trials.responses.values
            if self == .nanResponse { responses[3 * neurons + 2] = .nan } else { responses[5 * neurons + 1] = 1e9 }
            try file.dataset("trials/responses").overwrite(with: responses)
        case .responseStdZeroed:
            try file.dataset("statistics/responses/std").overwrite(with: [Float](repeating: 0, count: neurons))
        case .responseStdNaN:
            try file.dataset("statistics/responses/std").overwrite(with: [Float](repeating: .nan, count: neurons))
        case .responseMeanWrong:
            var mean: [Float] = try file.read("statistics/responses/mean")
            mean[4] *= 10
            try file.dataset("statistics/responses/mean").overwrite(with: mean)
        case .imageStatisticsWrong:
            try file.dataset("statistics/images/std").overwrite(with: [Float(1)])
        case .responsesAsFloat64:
            try file.remove("trials/responses")
            try file.write(recording.trials.responses.values.map(Double.init), shape: [recording.trials.count, neurons],
                           to: "trials/responses")
        case .missingStatistics: try file.remove("statistics")
        case .missingTiers: try file.remove("trials/tier")
        case .otherFormatVersion: try file.setAttribute("format_version", Int64(99))
        case .imageIndexOutOfRange:
            var indices = recording.trials.imageIndex
            indices[0] = 500
            try file.dataset("trials/image_index").overwrite(with: indices)
        case .stimulusKindOutOfRange:
            var kinds = recording.trials.stimulusKindIndex
            kinds[2] = 7
            try file.dataset("trials/stimulus_kind").overwrite(with: kinds)
        case .sessionRecordsNoNeuron:
            try file.dataset("sessions/recorded").overwrite(with: [UInt8](repeating: 0, count: neurons))
        case .intact, .truncated, .flippedSignature: break
        }
    }
}
