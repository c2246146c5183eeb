import Foundation

/// A made-up Allen experiment container: the A, B and C sessions of one mouse, area and depth,
/// each keeping an overlapping subset of the same cells (matched by cell specimen id), as the
/// Allen's cross-session cell matching does. Only B shows natural scenes; all three show movies.
public struct SyntheticAllenContainer {
    public struct Settings {
        /// The union of cells over the three sessions.
        public var cells = 8
        /// Settings every session starts from (size, eye tracking, seed; the session type, experiment
        /// id and cells are set per session).
        public var session = SyntheticAllenSession.Settings()
        /// Experiment ids of the A, B and C sessions.
        public var experimentIDs = ["501559003", "501559087", "501559145"]

        public init() {}
    }

    public static let sessionTypes: [SyntheticAllenSession.SessionType] = [.threeSessionA, .threeSessionB, .threeSessionC]

    public let settings: Settings
    /// A, B and C.
    public let sessions: [SyntheticAllenSession]

    public init(_ settings: Settings = Settings()) {
        self.settings = settings
        sessions = Self.sessionTypes.indices.map { index in
            var session = settings.session
            session.sessionType = Self.sessionTypes[index]
            session.experimentID = settings.experimentIDs[index]
            session.seed = settings.session.seed &+ UInt64(index)
            let kept = Self.cellsKept(session: index, of: settings.cells)
            session.cells = kept.count
            session.cellSpecimenIDs = kept.map { Self.cellSpecimenID($0) }
            return SyntheticAllenSession(session)
        }
    }

    public static func cellSpecimenID(_ cell: Int) -> Int64 { 517_500_000 + Int64(cell) }

    /// The container's cells (0..<cells) that session `index` (0 A, 1 B, 2 C) kept: session k drops
    /// every cell i with i % 4 == k + 1, so cells i % 4 == 0 are in all three sessions and every
    /// other cell in exactly two.
    public static func cellsKept(session index: Int, of cells: Int) -> [Int] {
        (0..<cells).filter { $0 % 4 != index + 1 }
    }

    /// Writes `<folder>/<experiment id>.nwb` for each session (and, with `events`, its
    /// `<experiment id>_events.npz`); returns the NWB paths in A, B, C order.
    @discardableResult
    public func write(to folder: URL, events: Bool = false) throws -> [URL] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try sessions.map { session in
            let url = folder.appendingPathComponent("\(session.settings.experimentID).nwb")
            try session.write(to: url.path)
            if events {
                try session.writeEvents(to: folder.appendingPathComponent("\(session.settings.experimentID)_events.npz").path)
            }
            return url
        }
    }
}
