import Training
import TrainingSet

/// The behaviour a model is asked to predict for, in the recording's raw units (running speed in
/// cm/s, pupil size and its derivative, pupil centre as the recording stores them). A value left
/// nil takes the training tier's mean: the "typical" state of the animal.
public struct BehaviourSetting: Equatable {
    public var pupilSize: Float?
    public var pupilSizeDerivative: Float?
    public var runningSpeed: Float?
    public var pupilX: Float?
    public var pupilY: Float?

    public init(pupilSize: Float? = nil, pupilSizeDerivative: Float? = nil, runningSpeed: Float? = nil,
                pupilX: Float? = nil, pupilY: Float? = nil) {
        self.pupilSize = pupilSize
        self.pupilSizeDerivative = pupilSizeDerivative
        self.runningSpeed = runningSpeed
        self.pupilX = pupilX
        self.pupilY = pupilY
    }

    /// The command-line flag of each value, for messages.
    static let flags = (behaviour: ["--pupil-size", "--pupil-dilation-derivative", "--running-speed"], pupil: ["--pupil-x", "--pupil-y"])

    var behaviourValues: [Float?] { [pupilSize, pupilSizeDerivative, runningSpeed] }
    var pupilValues: [Float?] { [pupilX, pupilY] }

    /// The model's inputs for this setting: behaviour [3] and pupil centre [2], standardised exactly as
    /// `MouseData` standardises a trial's (behaviour divided by its training standard deviation;
    /// pupil centre centred and scaled; zeros for what the recording lacks).
    ///
    /// - Throws: a value given for something the recording did not measure, or that the model does
    ///   not read: it could not change the prediction, and silently ignoring it would mislead.
    public func standardised(for data: MouseData, usesBehaviour: Bool, usesPupilCenter: Bool) throws -> (behaviour: [Float], pupilCenter: [Float]) {
        let trials = data.recording.trials, statistics = data.recording.statistics
        for (variable, value) in behaviourValues.enumerated() where value != nil {
            let flag = Self.flags.behaviour[variable], name = BehaviourVariable(rawValue: variable)!.description
            guard trials.behaviourAvailable[variable] else {
                throw RunError("\(flag): recording \(data.name) has no \(name), so the model cannot use it; leave the flag out")
            }
            guard usesBehaviour else { throw RunError("\(flag): this model does not read behaviour (behaviour mode 0); leave the flag out") }
        }
        for (axis, value) in pupilValues.enumerated() where value != nil {
            let flag = Self.flags.pupil[axis]
            guard trials.pupilCenterAvailable else {
                throw RunError("\(flag): recording \(data.name) has no pupil centre, so the model cannot use it; leave the flag out")
            }
            guard usesPupilCenter else {
                throw RunError("\(flag): this model does not read the pupil centre (no shifter, behaviour mode below 3); leave the flag out")
            }
        }
        for (flag, value) in zip(Self.flags.behaviour + Self.flags.pupil, behaviourValues + pupilValues) where value?.isFinite == false {
            throw RunError("\(flag) must be a finite number, got \(value!)")
        }
        let behaviour = (0..<3).map { variable -> Float in
            let deviation = statistics.behaviour.std[variable]
            let usable = trials.behaviourAvailable[variable] && deviation > 0 && deviation.isFinite
            return usable ? (behaviourValues[variable] ?? statistics.behaviour.mean[variable]) / deviation : 0
        }
        let pupil = (0..<2).map { axis -> Float in
            let mean = statistics.pupilCenter.mean[axis], deviation = statistics.pupilCenter.std[axis]
            let usable = trials.pupilCenterAvailable && deviation > 0 && deviation.isFinite
            return usable ? ((pupilValues[axis] ?? mean) - mean) / deviation : 0
        }
        return (behaviour, pupil)
    }
}
