import AllenNWB
import ArgumentParser
import Foundation

struct SyntheticNWB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthetic-nwb",
        abstract: "Write a synthetic session in the Allen NWB 1 layout, to try `convert` or time it.",
        discussion: """
        The file has the paths, dtypes and shapes of a real Allen ophys file (three_session_B by default) \
        with made-up values: cells respond to images, running speed starts 3 frames late. --full-size \
        writes the benchmark session (about 5,950 trials, 200 neurons, 115,000 frames, 118 images of \
        918 x 1174; about 1.2 GB): see scripts/bench-convert.sh.

        --container writes an experiment container instead: its three_session_A, B and C files \
        (<experiment id>.nwb and <experiment id>_events.npz) into the folder --out, one mouse, \
        area and depth, each session keeping an overlapping subset of --cells cells (matched by \
        cell_specimen_id): cells i % 4 == 0 are in all three sessions, every other cell in two.
        """
    )

    @Option(help: "The NWB file to write.")
    var out: String

    @Flag(help: "Real-session size instead of a small test session.")
    var fullSize = false

    @Flag(help: "Leave out the eye tracking, as in most sessions.")
    var noEyeTracking = false

    @Option(help: ArgumentHelp("Also write synthetic events (.npz with `ev`, cells x frames) to this file.", valueName: "file"))
    var events: String?

    @Option(help: "Seed of the synthetic values.")
    var seed: UInt64 = 0

    @Flag(help: "Write an experiment container's three sessions into the folder --out (see above).")
    var container = false

    @Option(help: "With --container: the cells of the whole container.")
    var cells = 8

    func validate() throws {
        guard cells >= 4 else { throw ValidationError("--cells must be at least 4, so that every session keeps cells") }
        if container, events != nil { throw ValidationError("--container writes each session's events next to it; leave out --events") }
        if !container, cells != 8 { throw ValidationError("--cells is for --container; a single session has 5 (or 200 with --full-size)") }
    }

    func run() throws {
        if container { return try writeContainer() }
        var settings = fullSize ? SyntheticAllenSession.Settings.fullSize : SyntheticAllenSession.Settings()
        settings.eyeTracking = !noEyeTracking
        settings.seed = seed
        let started = Date()
        let session = SyntheticAllenSession(settings)
        let temporary = out + ".partial-\(getpid())"
        do {
            try session.write(to: temporary)
            guard rename(temporary, out) == 0 else {
                throw ValidationError("cannot rename \(temporary) to \(out): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        if let events { try session.writeEvents(to: events) }
        print(String(format: "%@: %d natural-scene trials, %d cells, %d frames, %d images of %d x %d (%.1f s)",
                     out, session.trialImages.count, settings.cells, session.frames, settings.templateCount,
                     settings.imageHeight, settings.imageWidth, Date().timeIntervalSince(started)))
    }

    private func writeContainer() throws {
        var settings = SyntheticAllenContainer.Settings()
        settings.session = fullSize ? SyntheticAllenSession.Settings.fullSize : SyntheticAllenSession.Settings()
        settings.session.eyeTracking = !noEyeTracking
        settings.session.seed = seed
        settings.cells = cells
        let folder = URL(fileURLWithPath: out)
        let temporary = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).partial-\(getpid())")
        let container = SyntheticAllenContainer(settings)
        do {
            try container.write(to: temporary, events: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: temporary.path).sorted() {
                guard rename(temporary.appendingPathComponent(name).path, folder.appendingPathComponent(name).path) == 0 else {
                    throw ValidationError("cannot move \(name) into \(folder.path): \(String(cString: strerror(errno)))")
                }
            }
            try FileManager.default.removeItem(at: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        for session in container.sessions {
            print("\(folder.appendingPathComponent("\(session.settings.experimentID).nwb").path): \(session.settings.sessionType.rawValue), "
                + "\(session.settings.cells) of \(cells) cells (ids \(session.cellSpecimenIDs.map(String.init).joined(separator: " ")))")
        }
    }
}
