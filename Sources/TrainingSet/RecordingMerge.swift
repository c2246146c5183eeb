/// One recording from the sessions of one experiment container (`Recording.mergingSessions`): the neurons are the union of the
/// sessions' cells (matched by cell specimen id, in ascending id order), the trials all sessions'
/// trials in session order, each with the session it came from; a neuron a session did not keep is
/// unrecorded on that session's trials (response 0, skipped by loss, metrics and statistics).
/// Images are stored once per stimulus: the same movie frame shown in several sessions is one image,
/// so its presentations form one repeat group across the container.
extension Recording {
    /// - sessions: each session on its own (one session recording all its neurons), converted with the
    ///   same options; `names` are their files, for messages; `experimentID` names the merged recording.
    public static func mergingSessions(_ sessions: [Recording], names: [String], experimentID: String) throws -> Recording {
        precondition(sessions.count == names.count && !sessions.isEmpty, "one name per session")
        let first = sessions[0]
        func refuse(_ problem: String) -> SessionMergeError {
            SessionMergeError(description: "cannot merge \(names.joined(separator: ", ")) into \(experimentID): \(problem)")
        }
        for (session, name) in zip(sessions, names) {
            guard session.images.height == first.images.height, session.images.width == first.images.width else {
                throw refuse("\(name) has \(session.images.height)x\(session.images.width) images, \(names[0]) "
                    + "\(first.images.height)x\(first.images.width); convert them together, with one --image-size")
            }
            guard session.metadata.responseKind == first.metadata.responseKind else {
                throw refuse("\(name) holds \(session.metadata.responseKind) responses, \(names[0]) \(first.metadata.responseKind); "
                    + "give events for every session or for none")
            }
        }

        // Neurons: the union by cell specimen id.
        let ids = Array(Set(sessions.flatMap(\.neurons.ids))).sorted()
        let column = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        let neuronCount = ids.count
        var positions = Matrix<Float>(rows: neuronCount, columns: 3, repeating: 0)
        var areas = [String](repeating: first.metadata.area, count: neuronCount)
        var placed = [Bool](repeating: false, count: neuronCount)
        for session in sessions {
            for (index, id) in session.neurons.ids.enumerated() where !placed[column[id]!] {
                let target = column[id]!
                for axis in 0..<3 { positions[target, axis] = session.neurons.positions[index, axis] }
                if let sessionAreas = session.neurons.areas { areas[target] = sessionAreas[index] }
                placed[target] = true
            }
        }

        // Stimulus kinds by name and images by (kind, stimulus frame): one image per distinct stimulus.
        var kinds: [StimulusKind] = [], kindIndex: [String: Int32] = [:]
        var pixels: [UInt8] = [], imageIndex: [ImageKey: Int32] = [:]
        let imageSize = first.images.height * first.images.width
        var trialImage: [Int32] = [], trialFrame: [Int32] = [], trialKind: [Int32] = [], trialSession: [Int32] = []
        var tiers: [Tier] = [], tierOfImage: [Int32: (Tier, String)] = [:]
        var responses: [Float] = [], behaviour: [Float] = [], pupil: [Float] = [], onsets: [Double] = []
        var recorded: [RecordedSession] = []
        for (sessionNumber, (session, name)) in zip(sessions, names).enumerated() {
            let trials = session.trials
            let mine = session.neurons.ids.map { column[$0]! }
            var keeps = [Bool](repeating: false, count: neuronCount)
            mine.forEach { keeps[$0] = true }
            recorded.append(RecordedSession(experimentID: session.metadata.experimentID, sessionType: session.metadata.sessionType,
                                            recorded: keeps))
            for trial in 0..<trials.count {
                let kind = trials.stimulusKind(of: trial)
                if kindIndex[kind.name] == nil {
                    kindIndex[kind.name] = Int32(kinds.count)
                    kinds.append(kind)
                }
                let key = ImageKey(kind: kind.name, frame: trials.stimulusFrame[trial])
                if imageIndex[key] == nil {
                    imageIndex[key] = Int32(imageIndex.count)
                    pixels += session.images.image(Int(trials.imageIndex[trial]))
                }
                let image = imageIndex[key]!
                // The same stimulus in two tiers would put test images into training.
                if !trials.isBlank(trial) {
                    if let (tier, source) = tierOfImage[image], tier != trials.tiers[trial] {
                        throw refuse("\(kind.name) frame \(trials.stimulusFrame[trial]) is in the \(tier) tier of \(source) but the "
                            + "\(trials.tiers[trial]) tier of \(name); convert the sessions with the same --seed and --split")
                    }
                    tierOfImage[image] = (trials.tiers[trial], name)
                }
                trialImage.append(image)
                trialFrame.append(trials.stimulusFrame[trial])
                trialKind.append(kindIndex[kind.name]!)
                trialSession.append(Int32(sessionNumber))
                tiers.append(trials.tiers[trial])
                var row = [Float](repeating: 0, count: neuronCount)
                for (index, target) in mine.enumerated() { row[target] = trials.responses[trial, index] }
                responses += row
                for variable in 0..<3 { behaviour.append(trials.behaviour[trial, variable]) }
                for axis in 0..<2 { pupil.append(trials.pupilCenter[trial, axis]) }
            }
            onsets += trials.onsetTimes ?? []
        }
        precondition(pixels.count == imageIndex.count * imageSize)

        // A behaviour variable counts as available only if every session has it (one flag per file).
        let behaviourAvailable = (0..<3).map { variable in sessions.allSatisfy { $0.trials.behaviourAvailable[variable] } }
        let pupilAvailable = sessions.allSatisfy(\.trials.pupilCenterAvailable)
        let trialCount = trialImage.count
        for trial in 0..<trialCount {
            for variable in 0..<3 where !behaviourAvailable[variable] { behaviour[trial * 3 + variable] = 0 }
            if !pupilAvailable { pupil[trial * 2] = 0; pupil[trial * 2 + 1] = 0 }
        }
        let trials = Trials(
            imageIndex: trialImage, stimulusFrame: trialFrame,
            responses: Matrix(rows: trialCount, columns: neuronCount, values: responses),
            behaviour: Matrix(rows: trialCount, columns: 3, values: behaviour), behaviourAvailable: behaviourAvailable,
            pupilCenter: Matrix(rows: trialCount, columns: 2, values: pupil), pupilCenterAvailable: pupilAvailable,
            tiers: tiers, onsetTimes: onsets.count == trialCount ? onsets : nil,
            stimulusKinds: kinds, stimulusKindIndex: trialKind, sessionIndex: trialSession)
        var metadata = first.metadata
        var truth: GroundTruth?
        if sessions.allSatisfy({ $0.groundTruth != nil }) {
            // Simulated sessions of the same neurons: their noiseless responses and receptive fields.
            var noiseless: [Float] = [], centers = Matrix<Float>(rows: neuronCount, columns: 2, repeating: 0)
            var sizes = [Float](repeating: 0, count: neuronCount)
            for session in sessions {
                let known = session.groundTruth!, mine = session.neurons.ids.map { column[$0]! }
                for trial in 0..<session.trials.count {
                    var row = [Float](repeating: 0, count: neuronCount)
                    for (index, target) in mine.enumerated() { row[target] = known.noiselessResponses[trial, index] }
                    noiseless += row
                }
                for (index, target) in mine.enumerated() {
                    centers[target, 0] = known.receptiveFieldCenters[index, 0]
                    centers[target, 1] = known.receptiveFieldCenters[index, 1]
                    sizes[target] = known.receptiveFieldSizes[index]
                }
            }
            truth = GroundTruth(noiselessResponses: Matrix(rows: trialCount, columns: neuronCount, values: noiseless),
                                receptiveFieldCenters: centers, receptiveFieldSizes: sizes)
        }
        metadata.experimentID = experimentID
        metadata.sessionType = "experiment_container"
        metadata.movieTrials = sessions.lazy.compactMap(\.metadata.movieTrials).first
        return Recording(metadata: metadata,
                         images: ImageStack(count: imageIndex.count, height: first.images.height, width: first.images.width, pixels: pixels),
                         trials: trials, neurons: Neurons(ids: ids, positions: positions, areas: areas), sessions: recorded,
                         groundTruth: truth)
    }

    private struct ImageKey: Hashable {
        var kind: String
        var frame: Int32
    }
}

/// Sessions that cannot form one recording: names the files and what does not fit.
public struct SessionMergeError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

extension Recording {
    /// Trials `rows` and neurons `cells` of this recording, as a single-session recording of its own
    /// (ground truth included): a session of a container cut from a simulation, or a test's.
    public func session(trials rows: [Int], neurons cells: [Int], experimentID: String, sessionType: String) -> Recording {
        var part = trials.subset(rows)
        part.responses = Matrix(rows: rows.count, columns: cells.count,
                                values: (0..<rows.count).flatMap { t in cells.map { part.responses[t, $0] } })
        var metadata = self.metadata
        metadata.experimentID = experimentID
        metadata.sessionType = sessionType
        let table = Neurons(ids: cells.map { neurons.ids[$0] },
                            positions: Matrix(rows: cells.count, columns: 3,
                                              values: cells.flatMap { c in (0..<3).map { neurons.positions[c, $0] } }),
                            areas: neurons.areas.map { areas in cells.map { areas[$0] } })
        let truth = groundTruth.map { truth in
            GroundTruth(noiselessResponses: Matrix(rows: rows.count, columns: cells.count,
                                                   values: rows.flatMap { t in cells.map { truth.noiselessResponses[t, $0] } }),
                        receptiveFieldCenters: Matrix(rows: cells.count, columns: 2, values: cells.flatMap {
                            [truth.receptiveFieldCenters[$0, 0], truth.receptiveFieldCenters[$0, 1]]
                        }),
                        receptiveFieldSizes: cells.map { truth.receptiveFieldSizes[$0] })
        }
        return Recording(metadata: metadata, images: images, trials: part, neurons: table, groundTruth: truth)
    }
}
