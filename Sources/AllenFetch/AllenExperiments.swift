import Foundation

/// One ophys experiment of the Allen Brain Observatory's list, with the fields AllenSDK's
/// `BrainObservatoryCache.get_ophys_experiments()` reports (same names, same derivations).
public struct AllenExperiment: Equatable {
    public var id: Int
    public var containerID: Int
    /// `stimulus_name` in the API: three_session_A, three_session_B, three_session_C or three_session_C2.
    public var sessionType: String
    /// The targeted area's acronym (VISp, VISl, VISal, VISpm, VISam, VISrl).
    public var targetedStructure: String
    /// The driver line: the first transgenic line of type "driver" whose name contains "Cre" (nil if none).
    public var creLine: String?
    public var imagingDepth: Int
    public var donorName: String?
    /// Whether its experiment container failed quality control (AllenSDK leaves these out by default).
    public var failed: Bool

    public init(id: Int, containerID: Int, sessionType: String, targetedStructure: String, creLine: String?,
                imagingDepth: Int, donorName: String?, failed: Bool) {
        self.id = id
        self.containerID = containerID
        self.sessionType = sessionType
        self.targetedStructure = targetedStructure
        self.creLine = creLine
        self.imagingDepth = imagingDepth
        self.donorName = donorName
        self.failed = failed
    }

    /// Reads one `OphysExperiment` record of the API (with the includes of `AllenEndpoints.experimentListURL`).
    init(record: [String: Any]) throws {
        func number(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }
        guard let id = number(record["id"]) else { throw ListProblem("a record has no numeric id") }
        guard let container = number(record["experiment_container_id"]),
              let session = record["stimulus_name"] as? String,
              let depth = number(record["imaging_depth"]),
              let area = (record["targeted_structure"] as? [String: Any])?["acronym"] as? String else {
            throw ListProblem("experiment \(id) lacks experiment_container_id, stimulus_name, imaging_depth or targeted_structure.acronym")
        }
        let donor = (record["specimen"] as? [String: Any])?["donor"] as? [String: Any]
        let lines = donor?["transgenic_lines"] as? [[String: Any]] ?? []
        let driver = lines.first { ($0["transgenic_line_type_name"] as? String) == "driver"
            && (($0["name"] as? String)?.contains("Cre") ?? false) }
        self.init(id: id, containerID: container, sessionType: session, targetedStructure: area,
                  creLine: driver?["name"] as? String, imagingDepth: depth,
                  donorName: donor?["external_donor_name"] as? String,
                  failed: ((record["experiment_container"] as? [String: Any])?["failed"] as? Bool) ?? false)
    }

    /// Parses the API's answer, or the record list AllenSDK keeps in its cache (the same records).
    public static func parseList(_ json: Any) throws -> [AllenExperiment] {
        let records = (json as? [String: Any])?["msg"] as? [[String: Any]] ?? json as? [[String: Any]]
        guard let records else {
            let message = ((json as? [String: Any])?["msg"] as? String).map { " (\($0))" } ?? ""
            throw ListProblem("not a list of experiment records\(message)")
        }
        return try records.map(AllenExperiment.init(record:))
    }

    struct ListProblem: Error { let text: String; init(_ text: String) { self.text = text } }
}

/// Which experiments of the list to fetch. Within one criterion any listed value matches; all given
/// criteria must match (so `--area VISp --area VISl --session-type three_session_B` is "B sessions in
/// VISp or VISl"). A criterion left empty matches everything.
public struct ExperimentFilter: Equatable, CustomStringConvertible {
    public var containers: Set<Int> = []
    public var areas: Set<String> = []
    public var creLines: Set<String> = []
    public var depths: Set<Int> = []
    public var sessionTypes: Set<String> = []
    /// Keep experiments of containers that failed quality control (AllenSDK's include_failed).
    public var includeFailed = false

    public init(containers: Set<Int> = [], areas: Set<String> = [], creLines: Set<String> = [], depths: Set<Int> = [],
                sessionTypes: Set<String> = [], includeFailed: Bool = false) {
        self.containers = containers
        self.areas = areas
        self.creLines = creLines
        self.depths = depths
        self.sessionTypes = sessionTypes
        self.includeFailed = includeFailed
    }

    public var isEmpty: Bool {
        containers.isEmpty && areas.isEmpty && creLines.isEmpty && depths.isEmpty && sessionTypes.isEmpty
    }

    /// The criteria as the command line gives them, e.g. `--area VISp --depth 175`.
    public var description: String {
        var parts = containers.sorted().map { "--container \($0)" }
        parts += areas.sorted().map { "--area \($0)" } + creLines.sorted().map { "--cre-line \($0)" }
        parts += depths.sorted().map { "--depth \($0)" } + sessionTypes.sorted().map { "--session-type \($0)" }
        return parts.isEmpty ? "(no criteria)" : parts.joined(separator: " ")
    }

    /// Cre lines compare without regard to case, as in AllenSDK.
    public func matches(_ experiment: AllenExperiment) -> Bool {
        (includeFailed || !experiment.failed)
            && (containers.isEmpty || containers.contains(experiment.containerID))
            && (areas.isEmpty || areas.contains(experiment.targetedStructure))
            && (creLines.isEmpty || creLines.contains { $0.lowercased() == experiment.creLine?.lowercased() })
            && (depths.isEmpty || depths.contains(experiment.imagingDepth))
            && (sessionTypes.isEmpty || sessionTypes.contains(experiment.sessionType))
    }

    /// The matching experiments ordered by container, then session type: a container's sessions together.
    /// Fails, saying why, when a named container is not in the list or failed quality control without
    /// `includeFailed`, or when nothing matches at all.
    public func select(from list: [AllenExperiment], listFile: URL) throws -> [AllenExperiment] {
        for container in containers.sorted() {
            let sessions = list.filter { $0.containerID == container }
            if sessions.isEmpty {
                throw FetchError.nothingSelected(what: "experiment container \(container) is not in the Allen experiment list "
                    + "(\(list.count) experiments); check the id (a container id, not an experiment id)", list: listFile)
            }
            if !includeFailed, sessions.allSatisfy(\.failed) {
                throw FetchError.nothingSelected(what: "experiment container \(container) failed the Allen's quality control; "
                    + "add --include-failed to fetch it anyway", list: listFile)
            }
        }
        let selected = list.filter(matches)
        guard !selected.isEmpty else {
            throw FetchError.nothingSelected(what: "no experiment of the Allen experiment list (\(list.count) experiments) "
                + "matches \(self)", list: listFile)
        }
        return selected.sorted { ($0.containerID, $0.sessionType, $0.id) < ($1.containerID, $1.sessionType, $1.id) }
    }
}

extension AllenEndpoints {
    /// The query of AllenSDK's `BrainObservatoryApi.get_ophys_experiments()` (template `ophys_experiment_by_ids`).
    public func experimentListURL() -> URL {
        apiURL(query: "model::OphysExperiment,rma::include,experiment_container,well_known_files(well_known_file_type),"
            + "targeted_structure,specimen(donor(age,transgenic_lines)),rma::options[num_rows$eq'all'][count$eqfalse]")
    }
}

extension AllenFetcher {
    /// Where the experiment list is kept: the file AllenSDK's BrainObservatoryCache keeps it in.
    public var experimentListFile: URL { cache.appendingPathComponent("ophys_experiments.json") }

    /// The Allen experiment list: from the cache when a list is already there (AllenSDK's 'lazy'
    /// strategy; delete the file to ask again), otherwise from the Allen API, then kept in the cache
    /// (written under a temporary name and renamed).
    public func experimentList() throws -> [AllenExperiment] {
        let file = experimentListFile
        if FileManager.default.fileExists(atPath: file.path) {
            do {
                return try AllenExperiment.parseList(JSONSerialization.jsonObject(with: Data(contentsOf: file)))
            } catch let problem as AllenExperiment.ListProblem {
                throw FetchError.corruptCacheFile(path: file.path, problem: "is not an experiment list: \(problem.text)")
            } catch {
                throw FetchError.corruptCacheFile(path: file.path, problem: "is not JSON")
            }
        }
        let url = endpoints.experimentListURL()
        let answer: Any
        do {
            answer = try Self.getJSON(url, timeout: settings.timeout)
        } catch FetchError.unreachable(let url, let reason, _) {
            throw FetchError.unreachable(url: url, reason: reason, copyTo: file)
        }
        let experiments: [AllenExperiment]
        do {
            experiments = try AllenExperiment.parseList(answer)
        } catch let problem as AllenExperiment.ListProblem {
            throw FetchError.apiAnswer(url: url, problem: problem.text)
        }
        guard let records = (answer as? [String: Any])?["msg"] else {
            throw FetchError.apiAnswer(url: url, problem: "no msg")
        }
        let temporary = file.appendingPathExtension("part")
        do {
            try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: records).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            throw FetchError.cannotWrite("\(file.path): \(error.localizedDescription)")
        }
        return experiments
    }
}
