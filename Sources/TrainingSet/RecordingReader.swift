import H5

extension Recording {
    /// Reads and checks a training-set file. Every failure (not HDF5, damaged, another format
    /// version, a dataset of the wrong type or shape, non-finite responses or behaviour, image
    /// indices out of range, inconsistent neuron counts, an empty tier, implausible responses, stored
    /// statistics that disagree with the data) is a `TrainingSetError`
    /// naming the file, the field and what to do.
    public static func read(from path: String) throws -> Recording {
        let file: H5File
        do {
            file = try H5File.open(path)
        } catch let error as H5Error {
            throw TrainingSetError(file: path, field: "/", problem: "cannot be opened: \(error.message)",
                                   remedy: "Check the path; if the file is damaged or was cut short, " + TrainingSetError.regenerate.lowercasedFirst)
        }
        do {
            let recording = try FileReader(file: file).recording()
            try recording.validate()
            try recording.checkStatistics()
            return recording
        } catch var error as TrainingSetError {
            // The same rules guard recordings built in memory; for a file the remedy is a new file.
            if error.remedy == TrainingSetError.fixBuilder {
                error.remedy = "The file is inconsistent: " + TrainingSetError.regenerate.lowercasedFirst
            }
            throw error.inFile(path)
        } catch let error as H5Error {
            throw TrainingSetError(file: path, field: error.path, problem: "cannot be read: \(error.message)",
                                   remedy: "The file is damaged: " + TrainingSetError.regenerate.lowercasedFirst)
        }
    }
}

/// Reads the datasets of a training-set file, checking each one's stored type and shape.
private struct FileReader {
    let file: H5File

    func recording() throws -> Recording {
        let metadata = try readMetadata()
        let imageShape = try shape(of: "images", type: .integer(signed: false, bytes: 1), rank: 3)
        let images = ImageStack(count: imageShape[0], height: imageShape[1], width: imageShape[2],
                                pixels: try file.read("images", as: UInt8.self))

        let trialCount = try shape(of: "trials/image_index", type: .integer(signed: true, bytes: 4), rank: 1)[0]
        let neuronCount = try shape(of: "neurons/id", type: .integer(signed: true, bytes: 8), rank: 1)[0]
        try checkNeuronCounts(neuronCount)
        let flags = try vector("trials/behaviour_available", UInt8.self, type: .integer(signed: false, bytes: 1),
                               count: BehaviourVariable.allCases.count)
        let tierCodes = try vector("trials/tier", UInt8.self, type: .integer(signed: false, bytes: 1), count: trialCount)
        let tiers = try tierCodes.enumerated().map { trial, code -> Tier in
            guard let tier = Tier(rawValue: code) else {
                throw problem("/trials/tier", "trial \(trial) has tier code \(code); codes are 0 train, 1 validation, 2 test")
            }
            return tier
        }
        _ = try shape(of: "trials/pupil_center_available", type: .integer(signed: false, bytes: 1), rank: 0)
        let trials = Trials(
            imageIndex: try file.read("trials/image_index", as: Int32.self),
            stimulusFrame: try vector("trials/stimulus_frame", Int32.self, type: .integer(signed: true, bytes: 4), count: trialCount),
            responses: try matrix("trials/responses", rows: trialCount, columns: nil),
            behaviour: try matrix("trials/behaviour", rows: trialCount, columns: BehaviourVariable.allCases.count),
            behaviourAvailable: flags.map { $0 != 0 },
            pupilCenter: try matrix("trials/pupil_center", rows: trialCount, columns: 2),
            pupilCenterAvailable: try file.read("trials/pupil_center_available", as: UInt8.self)[0] != 0,
            tiers: tiers,
            onsetTimes: try file.exists("trials/onset_time")
                ? vector("trials/onset_time", Double.self, type: .float(bytes: 8), count: trialCount) : nil,
            stimulusKinds: metadata.formatVersion >= 2 ? try strings("stimuli/name", count: nil).map(StimulusKind.init) : [.naturalScenes],
            stimulusKindIndex: metadata.formatVersion >= 2
                ? try vector("trials/stimulus_kind", Int32.self, type: .integer(signed: true, bytes: 4), count: trialCount) : nil,
            sessionIndex: metadata.formatVersion >= 2
                ? try vector("trials/session", Int32.self, type: .integer(signed: true, bytes: 4), count: trialCount) : nil)

        let neurons = Neurons(
            ids: try file.read("neurons/id", as: Int64.self),
            positions: try matrix("neurons/position", rows: neuronCount, columns: 3),
            areas: try file.exists("neurons/area") ? strings("neurons/area", count: neuronCount) : nil)

        var groundTruth: GroundTruth?
        if try file.exists("ground_truth") {
            groundTruth = GroundTruth(
                noiselessResponses: try matrix("ground_truth/noiseless_responses", rows: trialCount, columns: neuronCount),
                receptiveFieldCenters: try matrix("ground_truth/rf_center", rows: neuronCount, columns: 2),
                receptiveFieldSizes: try vector("ground_truth/rf_size", Float.self, type: .float(bytes: 4), count: neuronCount))
        }

        // Version 1 predates sessions: one session that recorded every neuron.
        let sessions = metadata.formatVersion >= 2 ? try readSessions(neurons: neuronCount)
            : [RecordedSession(everyNeuronOf: metadata, neurons: neuronCount)]
        return Recording(metadata: metadata, images: images, trials: trials, neurons: neurons, sessions: sessions,
                         groundTruth: groundTruth, statistics: try readStatistics(neurons: neuronCount))
    }

    private func readSessions(neurons: Int) throws -> [RecordedSession] {
        let ids = try strings("sessions/experiment_id", count: nil)
        let types = try strings("sessions/session_type", count: ids.count)
        let shape = try shape(of: "sessions/recorded", type: .integer(signed: false, bytes: 1), rank: 2)
        guard shape == [ids.count, neurons] else {
            throw problem("/sessions/recorded", "has shape \(shape); expected [\(ids.count) sessions, \(neurons) neurons]")
        }
        let mask = try file.read("sessions/recorded", as: UInt8.self)
        return ids.indices.map { session in
            RecordedSession(experimentID: ids[session], sessionType: types[session],
                            recorded: mask[(session * neurons)..<((session + 1) * neurons)].map { $0 != 0 })
        }
    }

    /// Every per-neuron dataset must agree with `/neurons/id`; name them all when they do not.
    private func checkNeuronCounts(_ count: Int) throws {
        var counts = [("/neurons/id", count)]
        for (path, axis) in [("trials/responses", 1), ("neurons/position", 0), ("ground_truth/noiseless_responses", 1),
                             ("ground_truth/rf_center", 0)] where try file.exists(path) {
            let shape = try file.dataset(path).shape
            if shape.count > axis { counts.append(("/" + path, shape[axis])) }
        }
        if let odd = counts.first(where: { $0.1 != count }) {
            throw problem(odd.0, "neuron counts disagree: " + counts.map { "\($0.0) has \($0.1)" }.joined(separator: ", "))
        }
    }

    private func readMetadata() throws -> RecordingMetadata {
        guard try file.hasAttribute("format"), try file.stringAttribute("format") == Recording.formatName else {
            throw TrainingSetError(field: "/@format", problem: "this HDF5 file is not a VITA training set (no format attribute '\(Recording.formatName)')",
                                   remedy: "Make a training set from an Allen NWB file with `v1t-dist convert`, or simulate one with `v1t-dist simulate`")
        }
        let version = Int(try number("format_version", Int64.self))
        guard Recording.readableFormatVersions.contains(version) else {
            throw TrainingSetError(field: "/@format_version", problem: "the file has format version \(version); this v1t-dist reads versions \(Recording.readableFormatVersions)",
                                   remedy: TrainingSetError.regenerate + " with this version of v1t-dist")
        }
        guard let source = RecordingSource(rawValue: try string("source")) else {
            throw problem("/@source", "is '\(try string("source"))'; expected one of \(RecordingSource.allCases.map(\.rawValue))")
        }
        guard let kind = ResponseKind(rawValue: try string("response_kind")) else {
            throw problem("/@response_kind", "is '\(try string("response_kind"))'; expected one of \(ResponseKind.allCases.map(\.rawValue))")
        }
        return RecordingMetadata(
            source: source, experimentID: try string("experiment_id"), sessionType: try string("session_type"),
            creLine: try string("cre_line"), area: try string("area"), responseKind: kind,
            responseWindowStart: try number("response_window_start_s", Double.self),
            responseWindowEnd: try number("response_window_end_s", Double.self),
            frameRate: try number("frame_rate_hz", Double.self), toolVersion: try string("tool_version"),
            formatVersion: version, movieTrials: try readMovieSettings())
    }

    private func readMovieSettings() throws -> MovieTrialSettings? {
        guard try file.hasAttribute("movie_frame_step") else { return nil }
        return MovieTrialSettings(responseWindowStart: try number("movie_response_window_start_s", Double.self),
                                  responseWindowEnd: try number("movie_response_window_end_s", Double.self),
                                  frameStep: Int(try number("movie_frame_step", Int64.self)),
                                  frameRun: try file.hasAttribute("movie_frame_run") ? Int(try number("movie_frame_run", Int64.self)) : 1)
    }

    private func readStatistics(neurons: Int) throws -> Statistics {
        func summary(_ name: String, channels: Int) throws -> Summary {
            func values(_ statistic: String) throws -> [Float] {
                try vector("statistics/\(name)/\(statistic)", Float.self, type: .float(bytes: 4), count: channels)
            }
            return Summary(mean: try values("mean"), std: try values("std"), min: try values("min"),
                           max: try values("max"), median: try values("median"))
        }
        return Statistics(images: try summary("images", channels: 1), responses: try summary("responses", channels: neurons),
                          behaviour: try summary("behaviour", channels: BehaviourVariable.allCases.count),
                          pupilCenter: try summary("pupil_center", channels: 2))
    }

    private func problem(_ field: String, _ text: String) -> TrainingSetError {
        TrainingSetError(field: field, problem: text, remedy: TrainingSetError.regenerate)
    }

    /// The shape of a dataset that must exist, with exactly `type` and `rank` dimensions.
    private func shape(of path: String, type: H5ElementType, rank: Int) throws -> [Int] {
        guard try file.exists(path) else { throw problem("/" + path, "is missing") }
        let dataset = try file.dataset(path)
        guard dataset.elementType == type else {
            throw problem("/" + path, "is stored as \(dataset.elementType); expected \(type)")
        }
        guard dataset.shape.count == rank else {
            throw problem("/" + path, "has shape \(dataset.shape); expected \(rank) dimensions")
        }
        return dataset.shape
    }

    private func vector<T: H5Scalar>(_ path: String, _: T.Type, type: H5ElementType, count: Int) throws -> [T] {
        let found = try shape(of: path, type: type, rank: 1)
        guard found[0] == count else { throw problem("/" + path, "has \(found[0]) entries; expected \(count)") }
        return try file.read(path, as: T.self)
    }

    /// A float32 matrix of `rows` x `columns` (any number of columns when nil).
    private func matrix(_ path: String, rows: Int, columns: Int?) throws -> Matrix<Float> {
        let found = try shape(of: path, type: .float(bytes: 4), rank: 2)
        guard found[0] == rows, columns == nil || found[1] == columns else {
            throw problem("/" + path, "has shape \(found); expected [\(rows), \(columns.map(String.init) ?? "any")]")
        }
        return Matrix(rows: found[0], columns: found[1], values: try file.read(path, as: Float.self))
    }

    /// A string vector of `count` entries (any number when nil).
    private func strings(_ path: String, count: Int?) throws -> [String] {
        guard try file.exists(path) else { throw problem("/" + path, "is missing") }
        let values = try file.readStrings(path)
        guard count == nil || values.count == count else { throw problem("/" + path, "has \(values.count) entries; expected \(count!)") }
        return values
    }

    private func string(_ name: String) throws -> String {
        guard try file.hasAttribute(name) else { throw problem("/@" + name, "is missing") }
        return try file.stringAttribute(name)
    }

    private func number<T: H5Scalar>(_ name: String, _: T.Type) throws -> T {
        guard try file.hasAttribute(name) else { throw problem("/@" + name, "is missing") }
        guard let value = try file.attribute(name, as: T.self).first else { throw problem("/@" + name, "is empty") }
        return value
    }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
