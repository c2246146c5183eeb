/// One recording (one mouse, one session) ready for training: the images shown, every trial's
/// responses and behaviour, the neurons, the tier of each trial and the training-tier statistics.
/// Written to and read from one HDF5 file (`docs/training-set-format.md`).
public struct Recording: Equatable, Sendable {
    /// The layout version this code writes and reads; bump it when the layout changes.
    public static let formatVersion = 1
    /// The value of the root attribute `format`, telling a training-set file from other HDF5 files.
    public static let formatName = "vita-training-set"

    public var metadata: RecordingMetadata
    /// Every distinct image, including the gray image that blank trials point to.
    public var images: ImageStack
    public var trials: Trials
    public var neurons: Neurons
    /// Known only for simulated recordings.
    public var groundTruth: GroundTruth?
    /// Statistics of the training tier (see `Statistics.compute(for:)`). `write(to:)` recomputes them,
    /// so the file never holds stale ones; call `recomputeStatistics()` after changing trials in memory.
    public var statistics: Statistics

    /// Assembles a recording and computes its training-tier statistics.
    public init(metadata: RecordingMetadata, images: ImageStack, trials: Trials, neurons: Neurons,
                groundTruth: GroundTruth? = nil) {
        self.metadata = metadata
        self.images = images
        self.trials = trials
        self.neurons = neurons
        self.groundTruth = groundTruth
        self.statistics = Statistics.compute(images: images, trials: trials)
    }

    init(metadata: RecordingMetadata, images: ImageStack, trials: Trials, neurons: Neurons,
         groundTruth: GroundTruth?, statistics: Statistics) {
        self.metadata = metadata
        self.images = images
        self.trials = trials
        self.neurons = neurons
        self.groundTruth = groundTruth
        self.statistics = statistics
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

    public init(source: RecordingSource, experimentID: String, sessionType: String, creLine: String, area: String,
                responseKind: ResponseKind, responseWindowStart: Double, responseWindowEnd: Double, frameRate: Double,
                toolVersion: String = TrainingSetInfo.toolVersion, formatVersion: Int = Recording.formatVersion) {
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

/// Everything per trial (one image presentation). Row `t` of every matrix is trial `t`.
public struct Trials: Equatable, Sendable {
    /// Index into `Recording.images` of the image shown.
    public var imageIndex: [Int32]
    /// The source's own stimulus frame id (the Allen natural-scene index), -1 for a blank (gray) trial.
    public var stimulusFrame: [Int32]
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
                onsetTimes: [Double]? = nil) {
        self.imageIndex = imageIndex
        self.stimulusFrame = stimulusFrame
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

    public func isBlank(_ trial: Int) -> Bool { stimulusFrame[trial] < 0 }
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
