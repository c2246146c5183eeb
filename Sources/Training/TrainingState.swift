import Foundation
import V1TModel

/// Where a run stands, saved after every epoch (and when a pre-emption stops it mid-epoch) in
/// `state.json`, with the parameters and AdamW's moments in `last.safetensors`. Together with the
/// configuration they let `--resume` continue exactly where the run stopped, with any number of ranks.
public struct TrainingState: Codable, Equatable, Sendable {
    /// The epoch in progress (1-based) and how many of its steps are done.
    public var epoch = 1
    public var stepsDoneInEpoch = 0
    /// Optimiser steps since the start of training; keys the random streams of each step.
    public var globalStep = 0
    public var schedule: PlateauSchedule
    public var optimiser: AdamW.State?
    /// Sums of the epoch in progress (loss, trials), so a mid-epoch resume reports the same epoch loss.
    public var epochLossSum = 0.0
    public var epochTrials = 0.0
    /// The epoch's sums of the L1 penalties; nil in checkpoints written before they were logged.
    public var epochPenaltySums: Penalties?
    public var finished = false

    mutating func addPenalties(_ step: Penalties) {
        let sums = epochPenaltySums ?? Penalties()
        epochPenaltySums = Penalties(core: sums.core + step.core, readout: sums.readout + step.readout)
    }

    public init(schedule: PlateauSchedule) {
        self.schedule = schedule
    }
}

/// The regularisation terms of the training objective, logged apart from the data loss: V1T's L1
/// on the core's parameters and on the readouts' feature weights.
public struct Penalties: Codable, Equatable, Sendable {
    public var core = 0.0
    public var readout = 0.0

    public init(core: Double = 0, readout: Double = 0) {
        self.core = core
        self.readout = readout
    }

    /// Each step's penalty shared among its trials, so that loss + core + readout is the objective
    /// per trial.
    func perTrial(trials: Double) -> Penalties {
        Penalties(core: core / max(trials, 1), readout: readout / max(trials, 1))
    }
}

extension RunDirectory {
    static let firstMomentName = "optimizer.first_moment"
    static let secondMomentName = "optimizer.second_moment"

    /// Writes parameters, optimiser moments and state (state last: it names a complete checkpoint).
    func saveCheckpoint(model: V1T, optimiser: AdamW, state: TrainingState) throws {
        var tensors = model.parameters.namedTensors()
        tensors.append(SafeTensors.Tensor(name: Self.firstMomentName, shape: [optimiser.firstMoment.count], values: optimiser.firstMoment))
        tensors.append(SafeTensors.Tensor(name: Self.secondMomentName, shape: [optimiser.secondMoment.count], values: optimiser.secondMoment))
        try Self.writeAtomically(SafeTensors.encode(tensors, metadata: ["written_by": "v1t-dist"]), to: lastCheckpoint)
        try writeJSON(state, to: self.state)
    }

    /// Reads back what `saveCheckpoint` wrote into `model` and `optimiser`, returning the state.
    func loadCheckpoint(model: V1T, optimiser: AdamW) throws -> TrainingState {
        let state = try readJSON(TrainingState.self, from: self.state)
        guard let data = FileManager.default.contents(atPath: lastCheckpoint.path) else {
            throw RunError("\(lastCheckpoint.path) is missing, so the run cannot resume; start it again without --resume")
        }
        let tensors = try SafeTensors.decode(data, path: lastCheckpoint.path,
                                             remedy: "--resume cannot continue from it: start the run over with --clear-output-dir").tensors
        try model.parameters.load(tensors, source: lastCheckpoint.path)
        let moments = Dictionary(tensors.map { ($0.name, $0.values) }, uniquingKeysWith: { a, _ in a })
        guard let optimiserState = state.optimiser, let first = moments[Self.firstMomentName],
              let second = moments[Self.secondMomentName], first.count == model.parameters.count, second.count == model.parameters.count
        else {
            throw RunError("\(lastCheckpoint.path) has no optimiser state matching the model; start the run again without --resume")
        }
        optimiser.restore(optimiserState, firstMoment: first, secondMoment: second)
        return state
    }

    func saveBest(model: V1T, epoch: Int, correlation: Double) throws {
        let metadata = ["epoch": String(epoch), "validation_single_trial_correlation": String(correlation), "written_by": "v1t-dist"]
        try Self.writeAtomically(SafeTensors.encode(model.parameters.namedTensors(), metadata: metadata), to: bestParameters)
    }
}
