/// The consistency rules every recording obeys, checked before writing and after reading, so a
/// trainer can index without checks of its own. Fields are named by their HDF5 path.
extension Recording {
    /// Throws the first broken rule (with `file` nil; `read`/`write` add the file name).
    public func validate() throws {
        try validateMetadata()
        try validateImages()
        try validateTrials()
        try validateResponseMagnitudes()
        try validateNeurons()
        try validateStimulusKinds()
        try validateSessions()
        try validateGroundTruth()
        try validateStatistics()
    }

    private func fail(_ field: String, _ problem: String, _ remedy: String = TrainingSetError.fixBuilder) -> TrainingSetError {
        TrainingSetError(field: field, problem: problem, remedy: remedy)
    }

    private func validateMetadata() throws {
        guard Recording.readableFormatVersions.contains(metadata.formatVersion) else {
            throw fail("/@format_version", "the recording has format version \(metadata.formatVersion); this v1t-dist handles versions \(Recording.readableFormatVersions)",
                       TrainingSetError.regenerate + " with this version of v1t-dist")
        }
        guard !metadata.experimentID.isEmpty else { throw fail("/@experiment_id", "is empty") }
        guard metadata.responseWindowStart.isFinite, metadata.responseWindowEnd.isFinite,
              metadata.responseWindowEnd > metadata.responseWindowStart else {
            throw fail("/@response_window_end_s", "the response window \(metadata.responseWindowStart)...\(metadata.responseWindowEnd) s is empty or not finite")
        }
        guard metadata.frameRate.isFinite, metadata.frameRate > 0 else {
            throw fail("/@frame_rate_hz", "the frame rate \(metadata.frameRate) Hz is not positive")
        }
    }

    private func validateImages() throws {
        guard images.count > 0, images.height > 0, images.width > 0 else {
            throw fail("/images", "the image stack \(images.count) x \(images.height) x \(images.width) is empty")
        }
    }

    private func validateTrials() throws {
        let count = trials.count
        guard count > 0 else { throw fail("/trials/image_index", "there are no trials") }
        try requireCount(trials.stimulusFrame.count, count, "/trials/stimulus_frame", "trials")
        try requireCount(trials.tiers.count, count, "/trials/tier", "trials")
        try requireShape(trials.responses, count, neurons.count, "/trials/responses")
        try requireShape(trials.behaviour, count, BehaviourVariable.allCases.count, "/trials/behaviour")
        try requireCount(trials.behaviourAvailable.count, BehaviourVariable.allCases.count, "/trials/behaviour_available", "flags")
        try requireShape(trials.pupilCenter, count, 2, "/trials/pupil_center")
        if let onsets = trials.onsetTimes {
            try requireCount(onsets.count, count, "/trials/onset_time", "trials")
            if let bad = onsets.firstIndex(where: { !$0.isFinite }) {
                throw fail("/trials/onset_time", "trial \(bad) has onset \(onsets[bad])")
            }
        }
        for (trial, image) in trials.imageIndex.enumerated() where image < 0 || Int(image) >= images.count {
            throw fail("/trials/image_index", "trial \(trial) points at image \(image), but the stack holds images 0..<\(images.count)")
        }
        try requireFinite(trials.responses, "/trials/responses", what: "neuron")
        try requireFinite(trials.behaviour, "/trials/behaviour", what: "variable")
        try requireFinite(trials.pupilCenter, "/trials/pupil_center", what: "coordinate")
        // An absent measurement is stored as zeros and flagged, never filled with invented values.
        for variable in BehaviourVariable.allCases where !trials.behaviourAvailable[variable.rawValue] {
            if trials.behaviour.column(variable.rawValue).contains(where: { $0 != 0 }) {
                throw fail("/trials/behaviour", "\(variable) is flagged unavailable but holds non-zero values")
            }
        }
        if !trials.pupilCenterAvailable, trials.pupilCenter.values.contains(where: { $0 != 0 }) {
            throw fail("/trials/pupil_center", "the pupil centre is flagged unavailable but holds non-zero values")
        }
        for tier in Tier.allCases where !trials.tiers.contains(tier) {
            throw fail("/trials/tier", "the \(tier) tier has no trials",
                       "Every tier needs trials: use more images or other tier fractions when converting or simulating")
        }
    }

    private func validateNeurons() throws {
        let count = neurons.count
        guard count > 0 else { throw fail("/neurons/id", "there are no neurons") }
        try requireShape(neurons.positions, count, 3, "/neurons/position")
        try requireFinite(neurons.positions, "/neurons/position", what: "coordinate")
        if let areas = neurons.areas { try requireCount(areas.count, count, "/neurons/area", "neurons") }
        if Set(neurons.ids).count != count {
            throw fail("/neurons/id", "neuron ids are not unique")
        }
    }

    private func validateStimulusKinds() throws {
        let kinds = trials.stimulusKinds
        guard !kinds.isEmpty else { throw fail("/stimuli/name", "lists no stimulus kinds") }
        if let empty = kinds.firstIndex(where: { $0.name.isEmpty }) { throw fail("/stimuli/name", "kind \(empty) has an empty name") }
        guard Set(kinds).count == kinds.count else { throw fail("/stimuli/name", "names a kind twice: \(kinds)") }
        try requireCount(trials.stimulusKindIndex.count, trials.count, "/trials/stimulus_kind", "trials")
        for (trial, kind) in trials.stimulusKindIndex.enumerated() where kind < 0 || Int(kind) >= kinds.count {
            throw fail("/trials/stimulus_kind", "trial \(trial) has kind \(kind), but /stimuli/name lists kinds 0..<\(kinds.count)")
        }
        let movieTrials = trials.stimulusKindIndex.indices.filter { trials.stimulusKind(of: $0).isMovie }
        if let blank = movieTrials.first(where: { trials.stimulusFrame[$0] < 0 }) {
            throw fail("/trials/stimulus_frame", "movie trial \(blank) has frame \(trials.stimulusFrame[blank]); movie frames are 0 or more")
        }
        if movieTrials.isEmpty != (metadata.movieTrials == nil) {
            throw fail("/@movie_frame_step", movieTrials.isEmpty
                ? "movie settings are given but there are no movie trials" : "there are movie trials but no movie settings (frame step, response window)")
        }
        if let movie = metadata.movieTrials {
            guard movie.frameStep >= 1 else { throw fail("/@movie_frame_step", "is \(movie.frameStep); it must be 1 or more") }
            guard movie.frameRun >= 1 else { throw fail("/@movie_frame_run", "is \(movie.frameRun); it must be 1 or more") }
            guard movie.responseWindowStart.isFinite, movie.responseWindowEnd.isFinite,
                  movie.responseWindowEnd > movie.responseWindowStart else {
                throw fail("/@movie_response_window_end_s", "the movie response window \(movie.responseWindowStart)...\(movie.responseWindowEnd) s is empty or not finite")
            }
        }
    }

    /// Sessions and the neuron-recorded mask: an unrecorded response is stored as 0 (never an invented
    /// value), and every neuron has training trials to standardise it with.
    private func validateSessions() throws {
        guard !sessions.isEmpty else { throw fail("/sessions/experiment_id", "lists no sessions") }
        try requireCount(trials.sessionIndex.count, trials.count, "/trials/session", "trials")
        for (index, session) in sessions.enumerated() {
            try requireCount(session.recorded.count, neurons.count, "/sessions/recorded", "neurons in session \(index)")
            guard session.recorded.contains(true) else { throw fail("/sessions/recorded", "session \(index) (\(session.experimentID)) records no neuron") }
        }
        for (trial, session) in trials.sessionIndex.enumerated() where session < 0 || Int(session) >= sessions.count {
            throw fail("/trials/session", "trial \(trial) has session \(session), but /sessions lists sessions 0..<\(sessions.count)")
        }
        guard !recordsEveryNeuronOnEveryTrial else { return }
        var trainedNeurons = [Bool](repeating: false, count: neurons.count)
        for trial in 0..<trials.count {
            let recorded = sessions[Int(trials.sessionIndex[trial])].recorded
            for neuron in 0..<neurons.count {
                if recorded[neuron] {
                    if trials.tiers[trial] == .train { trainedNeurons[neuron] = true }
                } else if trials.responses[trial, neuron] != 0 {
                    throw fail("/trials/responses", "trial \(trial), neuron \(neuron) was not recorded in its session but holds \(trials.responses[trial, neuron]); unrecorded responses are stored as 0")
                }
            }
        }
        if let untrained = trainedNeurons.firstIndex(of: false) {
            throw fail("/sessions/recorded", "neuron \(untrained) (id \(neurons.ids[untrained])) is recorded on no training trial, so it cannot be standardised or learnt")
        }
    }

    private func validateGroundTruth() throws {
        guard let truth = groundTruth else { return }
        try requireShape(truth.noiselessResponses, trials.count, neurons.count, "/ground_truth/noiseless_responses")
        try requireFinite(truth.noiselessResponses, "/ground_truth/noiseless_responses", what: "neuron")
        try requireShape(truth.receptiveFieldCenters, neurons.count, 2, "/ground_truth/rf_center")
        try requireCount(truth.receptiveFieldSizes.count, neurons.count, "/ground_truth/rf_size", "neurons")
    }

    private func validateStatistics() throws {
        let expected: [(String, Summary, Int)] = [
            ("images", statistics.images, 1), ("responses", statistics.responses, neurons.count),
            ("behaviour", statistics.behaviour, BehaviourVariable.allCases.count), ("pupil_center", statistics.pupilCenter, 2),
        ]
        for (name, summary, channels) in expected {
            for (statistic, values) in [("mean", summary.mean), ("std", summary.std), ("min", summary.min),
                                        ("max", summary.max), ("median", summary.median)] where values.count != channels {
                throw fail("/statistics/\(name)/\(statistic)", "has \(values.count) values for \(channels) channels",
                           TrainingSetError.regenerate)
            }
        }
    }

    private func requireCount(_ actual: Int, _ expected: Int, _ field: String, _ unit: String) throws {
        guard actual == expected else { throw fail(field, "has \(actual) \(unit) but \(expected) are expected") }
    }

    private func requireShape(_ matrix: Matrix<Float>, _ rows: Int, _ columns: Int, _ field: String) throws {
        guard matrix.rows == rows, matrix.columns == columns else {
            throw fail(field, "has shape \(matrix.rows) x \(matrix.columns) but \(rows) x \(columns) is expected (trials x neurons must agree everywhere)")
        }
    }

    private func requireFinite(_ matrix: Matrix<Float>, _ field: String, what: String) throws {
        guard let bad = matrix.values.firstIndex(where: { !$0.isFinite }) else { return }
        throw fail(field, "row \(bad / matrix.columns), \(what) \(bad % matrix.columns) is \(matrix.values[bad]); values must be finite",
                   "Drop or repair such trials when converting (e.g. trials outside the behaviour recording)")
    }
}
