import AllenFetch
import ArgumentParser
import Foundation

extension AllenSource: ExpressibleByArgument {}

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download Allen Brain Observatory two-photon experiments into an AllenSDK-layout cache.",
        discussion: """
        Each experiment's NWB 1 file goes to CACHE/ophys_experiment_data/<id>.nwb and, with --events, its \
        deconvolved events to CACHE/ophys_experiment_events/<id>_events.npz: the layout of AllenSDK's \
        BrainObservatoryCache, so an existing AllenSDK cache is reused as it is (no request is made for a \
        file already there) and `convert` reads the files directly.

        Downloads resume: bytes arrive in <name>.part, an interrupted transfer continues where it stopped \
        (here and on the next run), and a file gets its final name only once its size checks out. \
        Natural scenes exist only in three_session_B experiments (e.g. 501559087).

        Many at once: --container ID fetches the sessions (A, B, C) of an experiment container; --area, \
        --cre-line, --depth and --session-type select from the Allen experiment list (asked once from the \
        Allen API and kept in CACHE/ophys_experiments.json, where AllenSDK keeps it); --list prints the \
        selection and downloads nothing. Every VISp container: `fetch --cache DIR --area VISp`. Rerunning \
        the same command resumes: files already there are skipped, a partial one continues.

        Offline machine: download the files elsewhere (any tool), copy them into the layout above, and \
        run convert on them; fetch is then not needed at all.

        Base URLs: --api-url or $\(AllenEndpoints.apiVariable) (default \(AllenEndpoints.defaultAPI.absoluteString)), \
        --s3-url or $\(AllenEndpoints.s3Variable) (default \(AllenEndpoints.defaultS3.absoluteString)).
        """
    )

    @Argument(help: ArgumentHelp("Ophys experiment ids (the `id` of BrainObservatoryCache.get_ophys_experiments).",
                                 valueName: "experiment-id"))
    var experimentIDs: [Int] = []

    @OptionGroup(title: "Selecting experiments from the Allen experiment list")
    var selection: ExperimentSelection

    @Option(help: "Cache folder (AllenSDK BrainObservatoryCache layout); created if missing.")
    var cache: String

    @Flag(help: "Also download the deconvolved events (.npz) of each experiment.")
    var events = false

    @Option(help: "Where to download from: allen-api (the Allen API, as AllenSDK does) or s3 (public bucket, HTTPS).")
    var source: AllenSource = .allenAPI

    @Option(name: .customLong("api-url"), help: "Base URL of the Allen API (overrides $\(AllenEndpoints.apiVariable)).")
    var apiURL: String?

    @Option(name: .customLong("s3-url"), help: "Base URL of the S3 bucket (overrides $\(AllenEndpoints.s3Variable)).")
    var s3URL: String?

    @Option(help: "Seconds to wait for a connection, or for the next bytes of a stalled transfer.")
    var timeout: Double = 20

    @Option(help: "Attempts per file; each one resumes where the previous one stopped.")
    var attempts: Int = 5

    func validate() throws {
        guard !experimentIDs.isEmpty || !selection.filter.isEmpty else {
            throw ValidationError("give experiment ids, --container ids, or filters (--area, --cre-line, --depth, --session-type)")
        }
        if let bad = experimentIDs.first(where: { $0 <= 0 }) {
            throw ValidationError("experiment id \(bad) is not a positive number")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive (seconds)") }
        guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1") }
        for (flag, value) in [("--api-url", apiURL), ("--s3-url", s3URL)] {
            if let value, URL(string: value)?.scheme == nil {
                throw ValidationError("\(flag) '\(value)' is not a URL such as http://host:port")
            }
        }
    }

    func run() throws {
        var endpoints = AllenEndpoints.fromEnvironment()
        if let apiURL { endpoints.api = URL(string: apiURL)! }
        if let s3URL { endpoints.s3 = URL(string: s3URL)! }
        let cacheURL = URL(fileURLWithPath: cache)
        let fetcher = AllenFetcher(cache: cacheURL, source: source, endpoints: endpoints,
                                   settings: .init(timeout: timeout, attempts: attempts))
        var experiments = experimentIDs
        if !selection.filter.isEmpty {
            let selected = try selection.filter.select(from: fetcher.experimentList(), listFile: fetcher.experimentListFile)
            if selection.listOnly {
                selected.forEach { print(ExperimentSelection.describe($0)) }
                return
            }
            FileHandle.standardError.write(Data("\(selected.count) experiments in \(Set(selected.map(\.containerID)).count) containers match \(selection.filter)\n".utf8))
            experiments += selected.map(\.id).filter { !experiments.contains($0) }
        }
        let kinds: [AllenFile.Kind] = events ? [.nwb, .events] : [.nwb]
        for experiment in experiments {
            for kind in kinds {
                let file = AllenFile(experiment: experiment, kind: kind)
                switch try fetcher.fetch(file) {
                case .reused(let path): print("\(path.path) (already in the cache)")
                case .downloaded(let path, _): print(path.path)
                }
            }
        }
    }
}
