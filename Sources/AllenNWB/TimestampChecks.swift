/// The clock rules every time axis of an Allen file must obey before the converter searches it.
///
/// Window means and behaviour sampling find frames by binary search, which silently picks the wrong
/// frames on a clock that goes backwards or holds NaN: some trials then average unrelated frames and
/// others are dropped as "past the end of the recording". No repair is attempted, because which of two
/// disordered times is wrong cannot be known; the file is refused, naming the dataset and the sample.
enum TimestampChecks {
    /// Every time finite and each later than the one before.
    static func requireIncreasing(_ times: [Double], file: String, field: String, unit: String) throws {
        if let bad = times.firstIndex(where: { !$0.isFinite }) {
            throw AllenNWBError(file: file, field: field, problem: "\(unit) \(bad) has time \(times[bad]); times must be finite",
                                remedy: AllenNWBError.redownload)
        }
        for index in times.indices.dropFirst() where !(times[index] > times[index - 1]) {
            throw AllenNWBError(
                file: file, field: field,
                problem: "time goes backwards or stands still at \(unit) \(index) (\(times[index]) s after \(times[index - 1]) s); times must increase",
                remedy: AllenNWBError.redownload)
        }
    }

    /// Each trial's onset inside the imaging, [first frame time, last frame time]: an onset outside it
    /// belongs to another clock or another file, so the whole file is suspect, not just that trial.
    static func requireOnsetsInRecording(_ onsets: [Double], frameTimes: [Double], file: String, field: String) throws {
        guard let first = frameTimes.first, let last = frameTimes.last else { return }
        if let bad = onsets.firstIndex(where: { !($0 >= first && $0 <= last) }) {
            throw AllenNWBError(
                file: file, field: field,
                problem: "trial \(bad) starts at \(onsets[bad]) s, outside the imaging (\(first) s to \(last) s)",
                remedy: AllenNWBError.redownload)
        }
    }
}
