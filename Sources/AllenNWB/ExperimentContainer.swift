/// The sessions `convert --container` merges into one training set: they must be sessions of one
/// experiment container (one mouse, one area, one imaging depth: the same field of view and so the
/// same cells), each session type at most once.
public struct ExperimentContainer {
    public struct Session {
        public var path: String
        public var metadata: AllenSessionMetadata

        public init(path: String, metadata: AllenSessionMetadata) {
            self.path = path
            self.metadata = metadata
        }
    }

    public let id: String
    /// In the order given.
    public let sessions: [Session]

    /// Checks that `sessions` form one container, or says which files disagree in what.
    public init(_ sessions: [Session]) throws {
        precondition(!sessions.isEmpty, "a container needs at least one session")
        let remedy = "Give the sessions (three_session_A, B, C) of one experiment container, as `v1t-dist fetch --container ID` "
            + "downloads them, or convert the files without --container (one training set each)"
        for session in sessions where session.metadata.containerID == nil {
            throw AllenNWBError(file: session.path, field: AllenNWBLayout.containerID,
                                problem: "is missing, so the file cannot be matched to the other sessions of its container",
                                remedy: remedy)
        }
        let criteria: [(what: String, field: String, value: (AllenSessionMetadata) -> String)] = [
            ("experiment container", AllenNWBLayout.containerID, { $0.containerID ?? "" }),
            ("mouse", AllenNWBLayout.subjectID, { $0.subjectID ?? "unknown" }),
            ("area", AllenNWBLayout.location, { $0.area }),
            ("imaging depth", AllenNWBLayout.imagingDepth, { "\(Int($0.imagingDepth)) µm" }),
        ]
        for criterion in criteria {
            let values = sessions.map { criterion.value($0.metadata) }
            guard Set(values).count == 1 else {
                let listing = zip(sessions, values).map { "\($0.path): \($1)" }.joined(separator: ", ")
                throw ContainerMismatch(description: "these files are not one experiment container: their \(criterion.what) "
                    + "(\(criterion.field)) differs: \(listing). \(remedy)")
            }
        }
        var seen: [String: String] = [:]
        for session in sessions {
            let type = session.metadata.sessionType
            if let other = seen[type] {
                throw ContainerMismatch(description: "\(other) and \(session.path) are both \(type) sessions of container "
                    + "\(session.metadata.containerID ?? ""): give each session once. \(remedy)")
            }
            seen[type] = session.path
        }
        id = sessions[0].metadata.containerID!
        self.sessions = sessions
    }
}

/// Files given as one experiment container that are not one: names every file and what differs.
public struct ContainerMismatch: Error, CustomStringConvertible, Equatable {
    public var description: String
}
