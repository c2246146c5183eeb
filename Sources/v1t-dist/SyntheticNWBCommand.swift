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

    func run() throws {
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
}
