import Foundation

/// One downloadable file of an Allen Brain Observatory ophys experiment, and where it lives in an
/// AllenSDK `BrainObservatoryCache` folder (the layout `fetch` writes and `convert` reads).
public struct AllenFile: Equatable {
    public enum Kind: String, CaseIterable {
        /// The NWB 1 (HDF5) file with traces, stimulus tables and templates.
        case nwb
        /// Deconvolved events, `ev` (cells x frames), an `.npz`.
        case events

        /// The `well_known_file_type` name the Allen API files it under.
        public var apiFileType: String { self == .nwb ? "NWBOphys" : "ObservatoryEventsFile" }

        /// The folder of the AllenSDK cache (and of the public S3 bucket) that holds this kind.
        public var cacheFolder: String { self == .nwb ? "ophys_experiment_data" : "ophys_experiment_events" }

        public func fileName(experiment: Int) -> String {
            self == .nwb ? "\(experiment).nwb" : "\(experiment)_events.npz"
        }

        /// The first bytes every valid file of this kind starts with: HDF5's signature, or a zip entry.
        var signature: [UInt8] {
            self == .nwb ? [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] : [0x50, 0x4B, 0x03, 0x04]
        }
    }

    public let experiment: Int
    public let kind: Kind

    public init(experiment: Int, kind: Kind) {
        self.experiment = experiment
        self.kind = kind
    }

    public var fileName: String { kind.fileName(experiment: experiment) }

    /// `<cache>/ophys_experiment_data/<id>.nwb` or `<cache>/ophys_experiment_events/<id>_events.npz`.
    public func path(inCache cache: URL) -> URL {
        cache.appendingPathComponent(kind.cacheFolder).appendingPathComponent(fileName)
    }

    /// Checks that a file already in the cache at least starts like a file of this kind, so a stray
    /// HTML error page saved under the name is caught here rather than deep inside the converter.
    func checkSignature(of file: URL) throws {
        guard let handle = try? FileHandle(forReadingFrom: file) else {
            throw FetchError.corruptCacheFile(path: file.path, problem: "cannot be opened")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: kind.signature.count)) ?? Data()
        guard Array(head) == kind.signature else {
            let what = kind == .nwb ? "an HDF5 (NWB) file" : "a zip (.npz) archive"
            throw FetchError.corruptCacheFile(path: file.path, problem: "does not start like \(what)")
        }
    }
}

/// Where files come from.
public enum AllenSource: String, CaseIterable {
    /// The Allen API, as AllenSDK uses it: a query for the file record, then its download link.
    case allenAPI = "allen-api"
    /// The public S3 bucket `allen-brain-observatory` over HTTPS (anonymous), laid out like the cache.
    case s3
}

/// Base URLs of both sources. Overridable so tests (and mirrors) can point them elsewhere.
public struct AllenEndpoints {
    public static let defaultAPI = URL(string: "http://api.brain-map.org")!
    public static let defaultS3 = URL(string: "https://allen-brain-observatory.s3.us-west-2.amazonaws.com")!
    public static let apiVariable = "V1T_ALLEN_API_URL"
    public static let s3Variable = "V1T_ALLEN_S3_URL"

    public var api: URL
    public var s3: URL

    public init(api: URL = defaultAPI, s3: URL = defaultS3) {
        self.api = api
        self.s3 = s3
    }

    /// The defaults, replaced by `V1T_ALLEN_API_URL` / `V1T_ALLEN_S3_URL` when those are set.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> AllenEndpoints {
        AllenEndpoints(api: environment[apiVariable].flatMap(URL.init(string:)) ?? defaultAPI,
                       s3: environment[s3Variable].flatMap(URL.init(string:)) ?? defaultS3)
    }

    /// `<s3>/visual-coding-2p/<cache folder>/<file name>`.
    public func s3URL(for file: AllenFile) -> URL {
        s3.appendingPathComponent("visual-coding-2p").appendingPathComponent(file.kind.cacheFolder)
            .appendingPathComponent(file.fileName)
    }

    /// The Allen API (RMA) query listing the file record; AllenSDK's `BrainObservatoryApi` sends the same.
    public func apiQueryURL(for file: AllenFile) -> URL {
        let query = "model::WellKnownFile,rma::criteria,[attachable_id$eq\(file.experiment)],"
            + "well_known_file_type[name$eq\(file.kind.apiFileType)],rma::options[num_rows$eq'all'][count$eqfalse]"
        return apiURL(query: query)
    }

    /// `<api>/api/v2/data/query.json?q=<RMA query>`, percent-encoded as AllenSDK sends it.
    func apiURL(query: String) -> URL {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "[]&+=#")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed)!
        return URL(string: api.absoluteString.trimmingSuffix("/") + "/api/v2/data/query.json?q=" + encoded)!
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
