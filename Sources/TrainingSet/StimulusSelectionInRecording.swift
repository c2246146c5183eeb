extension Recording {
    /// The kinds of stimuli the recording holds trials of, in `Trials.stimulusKinds` order.
    public var stimulusKindsPresent: [StimulusKind] {
        let used = Set(trials.stimulusKindIndex)
        return trials.stimulusKinds.indices.filter { used.contains(Int32($0)) }.map { trials.stimulusKinds[$0] }
    }

    /// The trials of the stimuli `selection` names. Refuses a term the recording has no trials of,
    /// saying what it holds (a format version 1 file holds natural scenes only) and what to do.
    public func trialIndices(selecting selection: StimulusSelection) throws -> [Int] {
        let present = stimulusKindsPresent
        for term in selection.terms where !present.contains(where: { StimulusSelection.matches(term, $0) }) {
            let held = present.map(\.name).joined(separator: ", ")
            let old = metadata.formatVersion < 2
                ? " (a format version \(metadata.formatVersion) file, written before movies and containers were converted)" : ""
            throw TrainingSetError(field: "/stimuli/name", problem: "--stimuli asks for \(term), but the file holds trials of \(held) only\(old)",
                                   remedy: term.contains("movie")
                                       ? "Convert the session again with this v1t-dist (it converts natural movies), or leave out --stimuli to use what the file holds"
                                       : "Choose from what the file holds, or leave out --stimuli")
        }
        return trials.indices(selecting: selection)
    }

    /// The recording restricted to the trials `rows` (ground truth too), statistics recomputed from
    /// the training trials that remain.
    public func selectingTrials(_ rows: [Int]) -> Recording {
        var copy = self
        copy.trials = trials.subset(rows)
        if let truth = groundTruth {
            copy.groundTruth = GroundTruth(noiselessResponses: truth.noiselessResponses.rows(rows),
                                           receptiveFieldCenters: truth.receptiveFieldCenters,
                                           receptiveFieldSizes: truth.receptiveFieldSizes)
        }
        copy.recomputeStatistics()
        return copy
    }
}

extension StimulusSelection {
    static func matches(_ term: String, _ kind: StimulusKind) -> Bool {
        term == kind.name || term == kind.category.rawValue
    }
}
