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
        try validateGroundTruth()
        try validateStatistics()
    }

    private func fail(_ field: String, _ problem: String, _ remedy: String = TrainingSetError.fixBuilder) -> TrainingSetError {
        TrainingSetError(field: field, problem: problem, remedy: remedy)
    }

    private func validateMetadata() throws {
        guard metadata.formatVersion == Recording.formatVersion else {
            throw fail("/@format_version", "the recording has format version \(metadata.formatVersion); this v1t-dist handles version \(Recording.formatVersion)",
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
