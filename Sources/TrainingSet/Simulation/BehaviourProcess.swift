import Foundation

/// The animal's state on every trial, simulated at trial resolution (one image every 0.25 s).
struct BehaviourTrace {
    /// Running speed, cm/s.
    var runningSpeed: [Double]
    /// Pupil area in eye-camera pixels² (the Allen's `pupil_size` is an area too).
    var pupilSize: [Double]
    /// Change of pupil area per second since the previous trial.
    var pupilSizeDerivative: [Double]
    /// Pupil centre (x, y), degrees from the resting position.
    var pupilCenterX: [Double]
    var pupilCenterY: [Double]
    /// Slow arousal level in about 0...1, which drives the pupil and modulates gain.
    var arousal: [Double]
}

/// Mouse-like behaviour: mostly still, with bouts of running; pupil dilating with arousal, which
/// rises when running; eyes drifting with occasional saccades, more often when running.
struct BehaviourProcess {
    let secondsPerTrial: Double

    func simulate(trials: Int, seed: UInt64) -> BehaviourTrace {
        var random = SeededRandom(seed: seed, stream: 0xBE4A_0001)
        var trace = BehaviourTrace(runningSpeed: [], pupilSize: [], pupilSizeDerivative: [], pupilCenterX: [],
                                   pupilCenterY: [], arousal: [])
        // Bout lengths: still ~30 s, running ~15 s on average (geometric durations).
        let leaveStill = secondsPerTrial / 30, leaveRunning = secondsPerTrial / 15
        var running = false, boutSpeed = 0.0, speed = 0.0
        var arousal = 0.2, arousalDrift = 0.0
        var eyeX = 0.0, eyeY = 0.0
        var previousPupil: Double?
        for _ in 0..<trials {
            if running ? random.uniform() < leaveRunning : random.uniform() < leaveStill {
                running.toggle()
                boutSpeed = running ? random.uniform(8, 35) : 0
            }
            // Speed relaxes towards the bout's speed (a wheel has inertia), with stride jitter.
            speed += (boutSpeed - speed) * 0.35 + (running ? random.normal() * 2.0 : 0)
            let measured = max(0, speed) + random.normal() * 0.15  // encoder noise, slightly negative at rest

            // Arousal: a slow process pushed up by running, plus its own slow drift.
            arousalDrift = 0.98 * arousalDrift + random.normal() * 0.02
            let target = 0.25 + (running ? 0.45 : 0) + arousalDrift
            arousal += (target - arousal) * 0.04
            let pupil = max(300, 900 + 2600 * arousal + random.normal() * 25)

            // Fixational drift back to centre, plus saccades (more when running), within the orbit.
            eyeX += -0.08 * eyeX + random.normal() * 0.25
            eyeY += -0.08 * eyeY + random.normal() * 0.2
            if random.uniform() < (running ? 0.06 : 0.015) {
                eyeX += random.normal() * 4
                eyeY += random.normal() * 1.5
            }
            eyeX = min(12, max(-12, eyeX))
            eyeY = min(8, max(-8, eyeY))

            trace.runningSpeed.append(measured)
            trace.arousal.append(arousal)
            trace.pupilSize.append(pupil)
            trace.pupilSizeDerivative.append(previousPupil.map { (pupil - $0) / secondsPerTrial } ?? 0)
            trace.pupilCenterX.append(eyeX)
            trace.pupilCenterY.append(eyeY)
            previousPupil = pupil
        }
        return trace
    }
}
