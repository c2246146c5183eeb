/// How a trial's behaviour value was obtained, best first.
public enum SampleQuality: Int, Comparable, CaseIterable {
    /// From finite samples inside the window (or interpolated between two consecutive finite samples).
    case measured
    /// The window held no finite sample: interpolated in time across a gap of NaN.
    case interpolated
    /// Only one side had a finite sample within reach (e.g. before the running-speed clock starts).
    case nearest
    /// No finite sample within reach: the trial is dropped.
    case missing

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Per-trial values of a behaviour time series (running speed, pupil size, pupil position), which runs
/// on its own clock and may hold NaN (blinks, tracking loss) or start after the imaging.
///
/// The rule, never a silent zero:
/// 1. the mean of the finite samples whose times fall in the window [start, end);
/// 2. if there are none, the value at the window's middle, linearly interpolated in time between the
///    nearest finite samples before and after it, each at most `maxGap` seconds away;
/// 3. if only one side has such a sample, that sample's value;
/// 4. otherwise the value is missing and the caller drops the trial.
/// The quality of each value is returned so that the converter can count and report cases 2-4.
struct WindowSampler {
    let series: TimeSeries
    let maxGap: Double

    func mean(column: Int, from start: Double, to end: Double) -> (value: Double, quality: SampleQuality) {
        var sum = 0.0, count = 0
        var sample = lowerBound(start)
        while sample < series.times.count, series.times[sample] < end {
            let value = series.value(sample, column)
            if value.isFinite { sum += value; count += 1 }
            sample += 1
        }
        if count > 0 { return (sum / Double(count), .measured) }
        let (value, quality) = self.value(column: column, at: (start + end) / 2)
        // Even two consecutive finite samples around an empty window bridge a window without data.
        return (value, quality == .measured ? .interpolated : quality)
    }

    /// The series at `time` by linear interpolation between the finite samples around it.
    func value(column: Int, at time: Double) -> (value: Double, quality: SampleQuality) {
        let times = series.times
        let next = lowerBound(time)
        if next < times.count, times[next] == time, series.value(next, column).isFinite {
            return (series.value(next, column), .measured)
        }
        var before = next - 1
        while before >= 0, times[before] >= time - maxGap, !series.value(before, column).isFinite { before -= 1 }
        if before >= 0, times[before] < time - maxGap { before = -1 }
        var after = next
        while after < times.count, times[after] <= time + maxGap, !series.value(after, column).isFinite { after += 1 }
        if after < times.count, times[after] > time + maxGap { after = times.count }
        switch (before >= 0, after < times.count) {
        case (true, true):
            let (t0, t1) = (times[before], times[after])
            let (v0, v1) = (series.value(before, column), series.value(after, column))
            let value = t1 > t0 ? v0 + (v1 - v0) * (time - t0) / (t1 - t0) : v0
            return (value, after - before == 1 ? .measured : .interpolated)
        case (true, false): return (series.value(before, column), .nearest)
        case (false, true): return (series.value(after, column), .nearest)
        case (false, false): return (.nan, .missing)
        }
    }

    /// Mean rate of change over [start, end): (value at end - value at start) / (end - start), with the
    /// edge values from `value(column:at:)`. This is the window mean of the derivative.
    func slope(column: Int, from start: Double, to end: Double) -> (value: Double, quality: SampleQuality) {
        let (a, qualityA) = value(column: column, at: start)
        let (b, qualityB) = value(column: column, at: end)
        let quality = max(qualityA, qualityB)
        // A one-sided edge value would fake a zero or a jump: only true interpolation gives a slope.
        guard quality <= .interpolated else { return (.nan, .missing) }
        return ((b - a) / (end - start), quality)
    }

    /// The first sample index whose time is >= `time`.
    private func lowerBound(_ time: Double) -> Int {
        var low = 0, high = series.times.count
        while low < high {
            let middle = (low + high) / 2
            if series.times[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
