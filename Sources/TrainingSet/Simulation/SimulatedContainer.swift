extension Simulator {
    /// The session types of a container, in the order of its sessions.
    public static let containerSessionTypes = ["three_session_A", "three_session_B", "three_session_C"]

    /// A simulated experiment container: three sessions (A, B, C) of the same `options.neurons` neurons,
    /// session k keeping the cells i with i % 4 != k + 1 (cells i % 4 == 0 in all three, every other
    /// cell in two), as the Allen's sessions keep overlapping subsets of one field of view's cells.
    /// B is a natural-scenes session like `simulate(options)` (`options.images` images, their repeats and
    /// blanks, tiers split over its images); A and C each show `options.images` other images of the
    /// same generator, as often, all training trials: they stand in for the natural movies real A and C
    /// sessions show, so the container holds three times the images of one session, and its held-out
    /// images are B's, as in a real container. Ground truth covers every session.
    public static func simulateContainer(_ options: SimulationOptions) throws -> Recording {
        try options.validate()
        var all = options
        all.images = 3 * options.images
        all.movieFrames = 0
        let whole = try simulate(all)
        // Image i belongs to session i % 3 (0 A, 1 B, 2 C); the blank (gray, the last image) to B.
        let gray = Int32(all.images)
        func session(_ trial: Int) -> Int {
            let image = whole.trials.imageIndex[trial]
            return image == gray ? 1 : Int(image) % 3
        }
        let split = TierSplit(validationFraction: options.validationFraction, testFraction: options.testFraction, seed: options.seed)
        var sessions: [Recording] = []
        for k in 0..<3 {
            let rows = (0..<whole.trials.count).filter { session($0) == k }
            let cells = (0..<options.neurons).filter { $0 % 4 != k + 1 }
            var part = whole.session(trials: rows, neurons: cells,
                                     experimentID: "simulated-seed-\(options.seed)-\(containerSessionTypes[k])",
                                     sessionType: containerSessionTypes[k])
            part.trials.tiers = k == 1
                ? split.tiers(imageIndex: part.trials.imageIndex, isBlank: part.trials.stimulusFrame.map { $0 < 0 })
                : [Tier](repeating: .train, count: rows.count)
            sessions.append(part)
        }
        return try Recording.mergingSessions(sessions, names: containerSessionTypes,
                                             experimentID: "simulated-container-seed-\(options.seed)")
    }
}
