extension Simulator {
    /// The session types of a container, in the order of its sessions.
    public static let containerSessionTypes = ["three_session_A", "three_session_B", "three_session_C"]

    /// Which of a simulated container's `neurons` cells session `k` (0 A, 1 B, 2 C) recorded: B all of
    /// them, A all but cells i % 4 == 1, C all but cells i % 4 == 3 (overlapping subsets, as the
    /// Allen's sessions keep of one field of view's cells).
    public static func containerCells(session k: Int, of neurons: Int) -> [Int] {
        switch k {
        case 0: return (0..<neurons).filter { $0 % 4 != 1 }
        case 2: return (0..<neurons).filter { $0 % 4 != 3 }
        default: return Array(0..<neurons)
        }
    }

    /// A simulated experiment container: three sessions (A, B, C) of the same `options.neurons`
    /// neurons, each showing the natural movies its Allen session type shows (`SimulatedMovie.shown`):
    /// A movies one and three, B its natural scenes and movie one (exactly `simulate(options)`, so
    /// held-out scenes compare directly with a single session's), C movies one and two; A records all
    /// cells but i % 4 == 1, C all but i % 4 == 3 (`containerCells`). The same movie frame shown in
    /// several sessions is one image in one tier. Ground truth covers every session.
    public static func simulateContainer(_ options: SimulationOptions) throws -> Recording {
        guard options.movieFrames > 0 else {
            throw SimulationOptionsError(flag: "--movie-frames", message: "must be above 0 for a container: its A and C sessions show only movies")
        }
        let (scenes, neurons) = try simulateScenes(options)
        var sessions: [Recording] = []
        for (k, type) in containerSessionTypes.enumerated() {
            // B's trials are the single session's (`session` 0); A's and C's get their own behaviour and noise.
            let shown = appending(SimulatedMovie.shown(in: type, options: options, neurons: neurons), to: scenes,
                                  session: [1, 0, 2][k], options: options, neurons: neurons)
            let rows = (0..<shown.trials.count).filter { k == 1 || shown.trials.stimulusKind(of: $0).isMovie }
            sessions.append(shown.session(trials: rows, neurons: containerCells(session: k, of: options.neurons),
                                          experimentID: "simulated-seed-\(options.seed)-\(type)", sessionType: type))
        }
        return try Recording.mergingSessions(sessions, names: containerSessionTypes,
                                             experimentID: "simulated-container-seed-\(options.seed)")
    }
}
