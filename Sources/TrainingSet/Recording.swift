/// One recording (one mouse, one session) ready for training: the images shown, every trial's
/// responses and behaviour, the neurons, the tier of each trial and the training-tier statistics.
/// Written to and read from one HDF5 file (`docs/training-set-format.md`).
public struct Recording: Equatable, Sendable {
    /// The layout version this code writes and reads; bump it when the layout changes.
    public static let formatVersion = 2
    /// Versions `read(from:)` accepts: version 1 files (natural scenes of one session, before stimulus
    /// kinds and sessions were stored) read as one session whose trials are all natural scenes.
    public static let readableFormatVersions = 1...2
    /// The value of the root attribute `format`, telling a training-set file from other HDF5 files.
    public static let formatName = "vita-training-set"

    public var metadata: RecordingMetadata
    /// Every distinct image, including the gray image that blank trials point to.
    public var images: ImageStack
    public var trials: Trials
    public var neurons: Neurons
    /// The imaging sessions the trials come from (`Trials.sessionIndex`), each with the neurons it
    /// recorded: one session recording every neuron, or the sessions of an experiment container.
    public var sessions: [RecordedSession]
    /// Known only for simulated recordings.
    public var groundTruth: GroundTruth?
    /// Statistics of the training tier (see `Statistics.compute(for:)`). `write(to:)` recomputes them,
    /// so the file never holds stale ones; call `recomputeStatistics()` after changing trials in memory.
    public var statistics: Statistics

    /// Assembles a recording and computes its training-tier statistics.
    /// With `sessions` nil, one session (the metadata's experiment) that recorded every neuron.
    public init(metadata: RecordingMetadata, images: ImageStack, trials: Trials, neurons: Neurons,
                sessions: [RecordedSession]? = nil, groundTruth: GroundTruth? = nil) {
        self.metadata = metadata
        self.images = images
        self.trials = trials
        self.neurons = neurons
        self.sessions = sessions ?? [RecordedSession(everyNeuronOf: metadata, neurons: neurons.count)]
        self.groundTruth = groundTruth
        self.statistics = Statistics.compute(images: images, trials: trials, recorded: self.sessions.map(\.recorded))
    }

    init(metadata: RecordingMetadata, images: ImageStack, trials: Trials, neurons: Neurons,
         sessions: [RecordedSession], groundTruth: GroundTruth?, statistics: Statistics) {
        self.metadata = metadata
        self.images = images
        self.trials = trials
        self.neurons = neurons
        self.sessions = sessions
        self.groundTruth = groundTruth
        self.statistics = statistics
    }

    /// Whether `neuron` was recorded on `trial` (false for a cell its session did not image; its
    /// stored response is then 0 and the loss, metrics and statistics skip it).
    public func isRecorded(trial: Int, neuron: Int) -> Bool {
        sessions[Int(trials.sessionIndex[trial])].recorded[neuron]
    }

    /// True when every session recorded every neuron (always so for a single session).
    public var recordsEveryNeuronOnEveryTrial: Bool {
        sessions.allSatisfy { !$0.recorded.contains(false) }
    }

    public mutating func recomputeStatistics() {
        statistics = Statistics.compute(for: self)
    }
}

/// Where a recording came from and how its responses were made.
public struct RecordingMetadata: Equatable, Sendable {
    public var source: RecordingSource
    /// The Allen ophys experiment id, or e.g. "simulated-seed-1".
    public var experimentID: String
    /// e.g. "three_session_B".
    public var sessionType: String
    /// Cre line (genotype driver), e.g. "Cux2-CreERT2"; "unknown" when not recorded.
    public var creLine: String
    /// Targeted visual area, e.g. "VISp".
    public var area: String
    public var responseKind: ResponseKind
    /// Responses average the signal from `responseWindowStart` to `responseWindowEnd` seconds after
    /// image onset (nominal for simulated recordings).
    public var responseWindowStart: Double
    public var responseWindowEnd: Double
    /// Imaging frame rate in Hz (nominal for simulated recordings).
    public var frameRate: Double
    /// The v1t-dist version that wrote the file.
    public var toolVersion: String
    /// The layout version of the file this came from (`Recording.formatVersion` for new recordings).
    public var formatVersion: Int
    /// How movie frames became trials; present exactly when the recording has movie trials.
    public var movieTrials: MovieTrialSettings?

    public init(source: RecordingSource, experimentID: String, sessionType: String, creLine: String, area: String,
                responseKind: ResponseKind, responseWindowStart: Double, responseWindowEnd: Double, frameRate: Double,
                toolVersion: String = TrainingSetInfo.toolVersion, formatVersion: Int = Recording.formatVersion,
                movieTrials: MovieTrialSettings? = nil) {
        self.source = source
        self.experimentID = experimentID
        self.sessionType = sessionType
        self.creLine = creLine
        self.area = area
        self.responseKind = responseKind
        self.responseWindowStart = responseWindowStart
        self.responseWindowEnd = responseWindowEnd
        self.frameRate = frameRate
        self.toolVersion = toolVersion
        self.formatVersion = formatVersion
        self.movieTrials = movieTrials
    }
}

/// How a converter or the simulator turned movie frames into trials: every `frameStep`-th frame is a
/// trial whose response averages `responseWindowStart`...`responseWindowEnd` seconds after that
/// frame's onset (the lag is the window start), and whose image is the mean of `frameRun`
/// consecutive template frames from that frame (`MovieFrameRun`; 1: the frame alone).
public struct MovieTrialSettings: Equatable, Sendable {
    public var responseWindowStart: Double
    public var responseWindowEnd: Double
    public var frameStep: Int
    public var frameRun: Int

    public init(responseWindowStart: Double, responseWindowEnd: Double, frameStep: Int, frameRun: Int = 1) {
        self.responseWindowStart = responseWindowStart
        self.responseWindowEnd = responseWindowEnd
        self.frameStep = frameStep
        self.frameRun = frameRun
    }
}

/// One imaging session of a recording and the neurons it recorded. The sessions of an Allen
/// experiment container image overlapping sets of the same cells (matched by cell specimen id).
public struct RecordedSession: Equatable, Sendable {
    /// The Allen ophys experiment id of the session, or e.g. "simulated-seed-1".
    public var experimentID: String
    /// e.g. "three_session_A".
    public var sessionType: String
    /// Per neuron of the recording: whether this session recorded it.
    public var recorded: [Bool]

    public init(experimentID: String, sessionType: String, recorded: [Bool]) {
        self.experimentID = experimentID
        self.sessionType = sessionType
        self.recorded = recorded
    }

    /// The single session of a one-session recording: every neuron recorded.
    public init(everyNeuronOf metadata: RecordingMetadata, neurons: Int) {
        self.init(experimentID: metadata.experimentID, sessionType: metadata.sessionType,
                  recorded: [Bool](repeating: true, count: neurons))
    }
}

public enum TrainingSetInfo {
    /// Recorded in every file written, to trace a file back to the code that made it.
    public static let toolVersion = "vita-0.1.0"
}

public enum RecordingSource: String, Sendable, CaseIterable {
    case simulated
    case allenNWB = "allen-nwb"
    case sensorium
}

public enum ResponseKind: String, Sendable, CaseIterable {
    /// Mean dF/F over the response window.
    case dff
    /// Mean deconvolved events over the response window.
    case events
    case simulated
}

/// Which part of training a trial serves. All repeats of an image share one tier (`TierSplit`).
public enum Tier: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case train = 0
    case validation = 1
    case test = 2

    public var description: String {
        switch self {
        case .train: return "train"
        case .validation: return "validation"
        case .test: return "test"
        }
    }
}

/// V1T's behaviour vector, in its order.
public enum BehaviourVariable: Int, Sendable, CaseIterable, CustomStringConvertible {
    case pupilSize = 0
    case pupilSizeDerivative = 1
    case runningSpeed = 2

    public var description: String {
        switch self {
        case .pupilSize: return "pupil_size"
        case .pupilSizeDerivative: return "pupil_size_derivative"
        case .runningSpeed: return "running_speed"
        }
    }
}

/// Everything per trial (one image presentation or one movie frame). Row `t` of every matrix is trial `t`.
/// Trials with the same `imageIndex` are repeats of one stimulus (a scene, the blank, or one movie
/// frame in different repeats of the movie): the repeat groups of the noise ceiling and of the
/// correlation to the average.
public struct Trials: Equatable, Sendable {
    /// Index into `Recording.images` of the image shown.
    public var imageIndex: [Int32]
    /// The source's own stimulus id: the Allen natural-scene index (-1 for a blank, gray, trial) or
    /// the frame index within the movie.
    public var stimulusFrame: [Int32]
    /// Index into `stimulusKinds` of what each trial showed.
    public var stimulusKindIndex: [Int32]
    /// The stimuli of the recording, each listed once.
    public var stimulusKinds: [StimulusKind]
    /// Index into `Recording.sessions` of the session each trial was recorded in.
    public var sessionIndex: [Int32]
    /// (trials x neurons).
    public var responses: Matrix<Float>
    /// (trials x 3) in `BehaviourVariable` order; a variable the session lacks is all zeros.
    public var behaviour: Matrix<Float>
    /// Per `BehaviourVariable`: whether the session really measured it.
    public var behaviourAvailable: [Bool]
    /// (trials x 2) pupil centre (x, y); all zeros when not measured.
    public var pupilCenter: Matrix<Float>
    public var pupilCenterAvailable: Bool
    public var tiers: [Tier]
    /// Image onset in seconds on the session clock, when known.
    public var onsetTimes: [Double]?

    public init(imageIndex: [Int32], stimulusFrame: [Int32], responses: Matrix<Float>, behaviour: Matrix<Float>,
                behaviourAvailable: [Bool], pupilCenter: Matrix<Float>, pupilCenterAvailable: Bool, tiers: [Tier],
                onsetTimes: [Double]? = nil, stimulusKinds: [StimulusKind] = [.naturalScenes],
                stimulusKindIndex: [Int32]? = nil, sessionIndex: [Int32]? = nil) {
        self.imageIndex = imageIndex
        self.stimulusFrame = stimulusFrame
        self.stimulusKinds = stimulusKinds
        self.stimulusKindIndex = stimulusKindIndex ?? [Int32](repeating: 0, count: imageIndex.count)
        self.sessionIndex = sessionIndex ?? [Int32](repeating: 0, count: imageIndex.count)
        self.responses = responses
        self.behaviour = behaviour
        self.behaviourAvailable = behaviourAvailable
        self.pupilCenter = pupilCenter
        self.pupilCenterAvailable = pupilCenterAvailable
        self.tiers = tiers
        self.onsetTimes = onsetTimes
    }

    public var count: Int { imageIndex.count }

    /// Indices of the trials in `tier`, in recording order.
    public func indices(in tier: Tier) -> [Int] {
        tiers.indices.filter { tiers[$0] == tier }
    }

    public func isBlank(_ trial: Int) -> Bool { stimulusFrame[trial] < 0 && !stimulusKind(of: trial).isMovie }

    public func stimulusKind(of trial: Int) -> StimulusKind { stimulusKinds[Int(stimulusKindIndex[trial])] }

    /// Indices of the trials whose stimulus `selection` includes, in recording order.
    public func indices(selecting selection: StimulusSelection) -> [Int] {
        let included = stimulusKinds.map(selection.includes)
        return stimulusKindIndex.indices.filter { included[Int(stimulusKindIndex[$0])] }
    }

    /// The trials `rows`, in that order (the kinds table is kept whole).
    public func subset(_ rows: [Int]) -> Trials {
        Trials(imageIndex: rows.map { imageIndex[$0] }, stimulusFrame: rows.map { stimulusFrame[$0] },
               responses: responses.rows(rows), behaviour: behaviour.rows(rows), behaviourAvailable: behaviourAvailable,
               pupilCenter: pupilCenter.rows(rows), pupilCenterAvailable: pupilCenterAvailable,
               tiers: rows.map { tiers[$0] }, onsetTimes: onsetTimes.map { times in rows.map { times[$0] } },
               stimulusKinds: stimulusKinds, stimulusKindIndex: rows.map { stimulusKindIndex[$0] },
               sessionIndex: rows.map { sessionIndex[$0] })
    }
}

/// Everything per neuron. Column `n` of the response matrices is neuron `n`.
public struct Neurons: Equatable, Sendable {
    /// The source's id (Allen cell specimen id).
    public var ids: [Int64]
    /// (neurons x 3): x, y in the imaging field and depth below the pia, micrometres.
    public var positions: Matrix<Float>
    /// Per-neuron area when known.
    public var areas: [String]?

    public init(ids: [Int64], positions: Matrix<Float>, areas: [String]? = nil) {
        self.ids = ids
        self.positions = positions
        self.areas = areas
    }

    public var count: Int { ids.count }
}

/// What generated a simulated recording, for checking what a model learnt.
public struct GroundTruth: Equatable, Sendable {
    /// (trials x neurons) expected response of each trial before trial-to-trial noise.
    public var noiselessResponses: Matrix<Float>
    /// (neurons x 2) receptive-field centre (x, y), as fractions of image width and height from the
    /// top-left corner, with the eye at its resting position.
    public var receptiveFieldCenters: Matrix<Float>
    /// Per neuron: the standard deviation of the Gaussian envelope, as a fraction of image width.
    public var receptiveFieldSizes: [Float]

    public init(noiselessResponses: Matrix<Float>, receptiveFieldCenters: Matrix<Float>, receptiveFieldSizes: [Float]) {
        self.noiselessResponses = noiselessResponses
        self.receptiveFieldCenters = receptiveFieldCenters
        self.receptiveFieldSizes = receptiveFieldSizes
    }
}
