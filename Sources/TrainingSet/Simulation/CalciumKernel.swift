import Foundation

/// The dF/F transient that one brief burst of spikes leaves, sampled at the imaging rate: nothing
/// for `latency` seconds (visual latency), then a difference of exponentials rising with `riseTime`
/// and decaying with `decayTime`, scaled to peak at 1. The defaults are GCaMP6f-like (Chen et al.
/// 2013; the Allen Brain Observatory's indicator): the transient peaks about 0.21 s after the
/// stimulus changes and has decayed to a tenth by about 1.1 s.
public struct CalciumKernel: Sendable {
    public var latency: Double
    public var riseTime: Double
    public var decayTime: Double
    public var frameRate: Double
    /// The kernel's samples from the onset frame on, until it falls below 1 % of its peak.
    public let samples: [Double]

    public init(latency: Double = 0.05, riseTime: Double = 0.08, decayTime: Double = 0.4, frameRate: Double = 30) {
        precondition(latency >= 0 && riseTime > 0 && decayTime > riseTime && frameRate > 0, "a calcium kernel rises faster than it decays")
        self.latency = latency
        self.riseTime = riseTime
        self.decayTime = decayTime
        self.frameRate = frameRate
        func shape(_ t: Double) -> Double { t <= latency ? 0 : exp(-(t - latency) / decayTime) - exp(-(t - latency) / riseTime) }
        let peakTime = latency + riseTime * decayTime / (decayTime - riseTime) * log(decayTime / riseTime)
        let peak = shape(peakTime)
        var samples: [Double] = []
        var frame = 0
        while true {
            let t = Double(frame) / frameRate
            let value = shape(t) / peak
            if t > peakTime && value < 0.01 { break }
            samples.append(value)
            frame += 1
        }
        self.samples = samples
    }

    /// Seconds from the stimulus change to the peak of the transient.
    public var peakTime: Double { latency + riseTime * decayTime / (decayTime - riseTime) * log(decayTime / riseTime) }

    /// `drive` (one value per imaging frame, e.g. the response to the movie frame then on screen)
    /// convolved with the kernel: the dF/F trace it leaves, same length.
    public func trace(of drive: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: drive.count)
        for (frame, value) in drive.enumerated() where value != 0 {
            for (lag, weight) in samples.enumerated() where frame + lag < drive.count { out[frame + lag] += value * weight }
        }
        return out
    }
}
