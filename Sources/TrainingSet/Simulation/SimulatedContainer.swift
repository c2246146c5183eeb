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
    /// neurons. B is exactly `simulate(options)` (same images, trials, tiers and neurons), so held-out
    /// scores compare directly with a single session's; A and C each show `options.images` other images
    /// of the same generator, as often, all training trials, recording overlapping subsets of the cells
    /// (`containerCells`). They stand in for the natural movies real A and C sessions show: the
    /// container gives the same neurons three times the images. Ground truth covers every session.
    public static func simulateContainer(_ options: SimulationOptions) throws -> Recording {
        let sessionB = try simulate(options)
        var more = options
        more.images = 3 * options.images
        let others = try simulate(more)
        var sessions: [Recording] = []
        for k in 0..<3 {
            let type = containerSessionTypes[k], cells = containerCells(session: k, of: options.neurons)
            let experimentID = "simulated-seed-\(options.seed)-\(type)"
            guard k != 1 else {
                sessions.append(sessionB.session(trials: Array(0..<sessionB.trials.count), neurons: cells,
                                                 experimentID: experimentID, sessionType: type))
                continue
            }
            // A: images N..<2N, C: 2N..<3N of the larger simulation (B's are 0..<N).
            let shown = (k == 0 ? 1 : 2) * options.images..<((k == 0 ? 2 : 3) * options.images)
            let rows = (0..<others.trials.count).filter { shown.contains(Int(others.trials.imageIndex[$0])) }
            var part = others.session(trials: rows, neurons: cells, experimentID: experimentID, sessionType: type)
            part.trials.tiers = [Tier](repeating: .train, count: rows.count)
            sessions.append(part)
        }
        return try Recording.mergingSessions(sessions, names: containerSessionTypes,
                                             experimentID: "simulated-container-seed-\(options.seed)")
    }
}
