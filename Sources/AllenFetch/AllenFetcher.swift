import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fills an AllenSDK-layout cache folder with the files of ophys experiments.
///
/// A file already in the cache is used as it is, without any network request, so a cache made by
/// AllenSDK (or files copied in by hand on an offline machine) works unchanged.
public struct AllenFetcher {
    public enum Outcome: Equatable {
        case reused(URL)
        case downloaded(URL, bytes: Int64)

        public var path: URL {
            switch self {
            case .reused(let url), .downloaded(let url, _): return url
            }
        }
    }

    public var cache: URL
    public var source: AllenSource
    public var endpoints: AllenEndpoints
    public var settings: ResumableDownload.Settings
    /// Makes the progress reporter of each download (given the file name); nil for silence.
    public var makeProgress: (String) -> DownloadProgress?

    public init(cache: URL, source: AllenSource = .allenAPI, endpoints: AllenEndpoints = .fromEnvironment(),
                settings: ResumableDownload.Settings = .init(),
                makeProgress: @escaping (String) -> DownloadProgress? = { DownloadProgress(label: $0) }) {
        self.cache = cache
        self.source = source
        self.endpoints = endpoints
        self.settings = settings
        self.makeProgress = makeProgress
    }

    public func fetch(_ file: AllenFile) throws -> Outcome {
        let destination = file.path(inCache: cache)
        if FileManager.default.fileExists(atPath: destination.path) {
            try file.checkSignature(of: destination)
            return .reused(destination)
        }
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
        } catch {
            throw FetchError.cannotWrite("\(destination.deletingLastPathComponent().path): \(error.localizedDescription)")
        }
        do {
            let (url, expectedSize) = try locate(file)
            var settings = self.settings
            settings.progress = makeProgress(file.fileName)
            let download = ResumableDownload(url: url, destination: destination, expectedSize: expectedSize)
            let bytes = try download.run(settings)
            try file.checkSignature(of: destination)
            return .downloaded(destination, bytes: bytes)
        } catch FetchError.unreachable(let url, let reason, _) {
            throw FetchError.unreachable(url: url, reason: reason, copyTo: destination)
        }
    }

    /// The URL to download and, for the Allen API, the size its record announces (when it has one).
    func locate(_ file: AllenFile) throws -> (URL, Int64?) {
        switch source {
        case .s3:
            return (endpoints.s3URL(for: file), nil)
        case .allenAPI:
            let queryURL = endpoints.apiQueryURL(for: file)
            let answer = try Self.getJSON(queryURL, timeout: settings.timeout)
            guard let object = answer as? [String: Any], let records = object["msg"] as? [[String: Any]] else {
                let message = ((answer as? [String: Any])?["msg"] as? String).map { " (\($0))" } ?? ""
                throw FetchError.apiAnswer(url: queryURL, problem: "no list of file records\(message)")
            }
            guard let record = records.first else {
                throw FetchError.noSuchFile(experiment: file.experiment, fileType: file.kind.apiFileType, url: queryURL)
            }
            guard let link = record["download_link"] as? String else {
                throw FetchError.apiAnswer(url: queryURL, problem: "the file record has no download_link")
            }
            let base = endpoints.api.absoluteString.trimmingSuffix("/")
            guard let url = URL(string: link.hasPrefix("http") ? link : base + link) else {
                throw FetchError.apiAnswer(url: queryURL, problem: "bad download_link '\(link)'")
            }
            let size = (record["file_size"] as? NSNumber)?.int64Value
            return (url, size.flatMap { $0 > 0 ? $0 : nil })
        }
    }

    /// A small GET whose body is JSON (the API's query answers are a few hundred bytes).
    static func getJSON(_ url: URL, timeout: TimeInterval) throws -> Any {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let reply = Reply()
        session.dataTask(with: URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                                          timeoutInterval: timeout)) {
            (reply.body, reply.response, reply.failure) = ($0, $1, $2)
            reply.done.signal()
        }.resume()
        reply.done.wait()
        let (body, response, failure) = (reply.body, reply.response, reply.failure)
        if let failure {
            switch HTTPTransfer.classify(failure, afterResponse: response != nil) {
            case .unreachable(let why): throw FetchError.unreachable(url: url, reason: why, copyTo: nil)
            default: throw FetchError.transport(url: url, reason: failure.localizedDescription)
            }
        }
        if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 {
            throw FetchError.httpStatus(url: url, status: status)
        }
        guard let body, let json = try? JSONSerialization.jsonObject(with: body) else {
            throw FetchError.apiAnswer(url: url, problem: "the answer is not JSON")
        }
        return json
    }
}

/// The completion handler's results, written once on URLSession's queue and read after `done` signals.
private final class Reply: @unchecked Sendable {
    var body: Data?
    var response: URLResponse?
    var failure: Error?
    let done = DispatchSemaphore(value: 0)
}
