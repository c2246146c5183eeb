import TrainingSet

/// V1T's behaviour per trial (pupil size, its derivative, running speed) and the pupil centre, from
/// the session's time series, with how each value was obtained (`WindowSampler` gives the rule).
struct TrialBehaviour {
    /// (trials x 3) in `BehaviourVariable` order; zeros for an unavailable variable.
    var behaviour: [Float]
    var behaviourAvailable: [Bool]
    /// (trials x 2); zeros when unavailable.
    var pupilCenter: [Float]
    var pupilCenterAvailable: Bool
    /// Variable name -> quality of each trial's value (only for available variables).
    var quality: [String: [SampleQuality]]
    var notes: [String]

    /// - Parameter windows: each trial's [start, end) in seconds on the session clock.
    init(running: TimeSeries?, eye: EyeTracking?, windows: [(start: Double, end: Double)], maxGap: Double) {
        let trials = windows.count
        behaviour = [Float](repeating: 0, count: trials * 3)
        behaviourAvailable = [false, false, false]
        pupilCenter = [Float](repeating: 0, count: trials * 2)
        pupilCenterAvailable = false
        quality = [:]
        notes = []

        if let running = usable(running, "running speed") {
            fill(BehaviourVariable.runningSpeed, name: "running speed") {
                WindowSampler(series: running, maxGap: maxGap).mean(column: 0, from: windows[$0].start, to: windows[$0].end)
            }
        }
        guard let eye else { return }
        if let size = usable(eye.pupilSize, "pupil size") {
            let sampler = WindowSampler(series: size, maxGap: maxGap)
            fill(.pupilSize, name: "pupil size") { sampler.mean(column: 0, from: windows[$0].start, to: windows[$0].end) }
            fill(.pupilSizeDerivative, name: "pupil size derivative") {
                sampler.slope(column: 0, from: windows[$0].start, to: windows[$0].end)
            }
        } else if eye.pupilSize == nil {
            notes.append("no pupil size (PupilTracking/pupil_size): pupil size and its derivative are marked unavailable")
        }
        if let center = usable(eye.pupilCenter, "pupil position") {
            let sampler = WindowSampler(series: center, maxGap: maxGap)
            var qualities = [SampleQuality](repeating: .measured, count: trials)
            for trial in 0..<trials {
                for column in 0..<2 {
                    let (value, q) = sampler.mean(column: column, from: windows[trial].start, to: windows[trial].end)
                    pupilCenter[trial * 2 + column] = q == .missing ? 0 : Float(value)
                    qualities[trial] = max(qualities[trial], q)
                }
            }
            pupilCenterAvailable = true
            quality["pupil centre"] = qualities
            notes.append("pupil centre in \(eye.pupilCenterUnit)")
        } else if eye.pupilCenter == nil {
            notes.append("no pupil position (EyeTracking): the pupil centre is marked unavailable")
        }
    }

    /// The series when it exists and has at least one finite sample, else nil with a note.
    private mutating func usable(_ series: TimeSeries?, _ name: String) -> TimeSeries? {
        guard let series else {
            if name == "running speed" { notes.append("no running speed in the file: marked unavailable") }
            return nil
        }
        guard series.hasFiniteSamples else {
            notes.append("\(name) holds no finite sample: marked unavailable")
            return nil
        }
        return series
    }

    private mutating func fill(_ variable: BehaviourVariable, name: String,
                               value: (Int) -> (value: Double, quality: SampleQuality)) {
        let trials = behaviour.count / 3
        var qualities = [SampleQuality](repeating: .measured, count: trials)
        for trial in 0..<trials {
            let (v, q) = value(trial)
            behaviour[trial * 3 + variable.rawValue] = q == .missing ? 0 : Float(v)
            qualities[trial] = q
        }
        behaviourAvailable[variable.rawValue] = true
        quality[name] = qualities
    }

    /// Whether every available value of `trial` exists.
    func isComplete(_ trial: Int) -> Bool {
        quality.values.allSatisfy { $0[trial] != .missing }
    }
}
