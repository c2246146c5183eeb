import TrainingSet

extension AllenConverter {
    /// The sessions of one experiment container as one training set: the files are checked to be one
    /// container (`ExperimentContainer`) before anything is converted, each session is converted as on
    /// its own, and `Recording.mergingSessions` joins them: the union of their cells (by cell specimen
    /// id), each trial recording its own session's cells. The recording is named `container_<id>`.
    /// - events: one events file (or nil) per NWB file.
    public static func convertContainer(nwb paths: [String], events: [String?], options: ConversionOptions = ConversionOptions())
        throws -> (Recording, [ConversionReport]) {
        precondition(events.count == paths.count, "one events entry per NWB file")
        let container = try ExperimentContainer(paths.map { ExperimentContainer.Session(path: $0, metadata: try AllenNWBFile(path: $0).metadata()) })
        var sessions: [Recording] = [], reports: [ConversionReport] = []
        for (path, eventsPath) in zip(paths, events) {
            let (recording, report) = try convert(nwb: path, events: eventsPath, options: options)
            sessions.append(recording)
            reports.append(report)
        }
        let merged = try Recording.mergingSessions(sessions, names: paths, experimentID: "container_\(container.id)")
        return (merged, reports)
    }
}
