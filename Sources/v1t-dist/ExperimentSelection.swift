import AllenFetch
import ArgumentParser

/// `fetch`'s ways of naming experiments other than by id: whole containers, or filters over the
/// Allen experiment list (the list AllenSDK's BrainObservatoryCache.get_ophys_experiments() reads).
struct ExperimentSelection: ParsableArguments {
    @Option(name: .customLong("container"),
            help: ArgumentHelp("An experiment container id: fetch its sessions (A, B, C). Repeatable.", valueName: "id"))
    var containers: [Int] = []

    @Option(name: .customLong("area"), help: ArgumentHelp("Targeted area (VISp, VISl, VISal, VISpm, VISam, VISrl). Repeatable.", valueName: "acronym"))
    var areas: [String] = []

    @Option(name: .customLong("cre-line"), help: ArgumentHelp("Cre driver line, e.g. Cux2-CreERT2 (any case). Repeatable.", valueName: "name"))
    var creLines: [String] = []

    @Option(name: .customLong("depth"), help: ArgumentHelp("Imaging depth in µm, e.g. 175. Repeatable.", valueName: "µm"))
    var depths: [Int] = []

    @Option(name: .customLong("session-type"),
            help: ArgumentHelp("three_session_A, three_session_B, three_session_C or three_session_C2. Repeatable.", valueName: "type"))
    var sessionTypes: [String] = []

    @Flag(help: "Also take experiments of containers that failed the Allen's quality control (left out by default, as in AllenSDK).")
    var includeFailed = false

    @Flag(name: .customLong("list"), help: "Print the selected experiments (id, container, session, area, depth, cre line) and download nothing.")
    var listOnly = false

    var filter: ExperimentFilter {
        ExperimentFilter(containers: Set(containers), areas: Set(areas), creLines: Set(creLines), depths: Set(depths),
                         sessionTypes: Set(sessionTypes), includeFailed: includeFailed)
    }

    func validate() throws {
        if let bad = (containers + depths).first(where: { $0 <= 0 }) {
            throw ValidationError("\(bad) is not a positive container id or depth")
        }
        let known = ["three_session_A", "three_session_B", "three_session_C", "three_session_C2"]
        if let bad = sessionTypes.first(where: { !known.contains($0) }) {
            throw ValidationError("--session-type '\(bad)' is not one of \(known.joined(separator: ", "))")
        }
    }

    /// One line per experiment, for --list.
    static func describe(_ experiment: AllenExperiment) -> String {
        "\(experiment.id)  container \(experiment.containerID)  \(experiment.sessionType)  \(experiment.targetedStructure)  "
            + "\(experiment.imagingDepth) µm  \(experiment.creLine ?? "no Cre line")\(experiment.failed ? "  (failed QC)" : "")"
    }
}
