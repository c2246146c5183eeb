import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET streamed into a file, optionally continuing it with `Range: bytes=<offset>-`.
///
/// URLSession (libcurl underneath on Linux) delivers the body in pieces to a delegate, so a file of
/// hundreds of MB never sits in memory. The caller (`ResumableDownload`) decides what to do with the
/// outcome: this type only reports what the server did.
///
/// `@unchecked Sendable`: its state is touched only by the callbacks on the session's serial delegate
/// queue, and read by `run` after the completion callback has signalled.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    enum Failure: Error {
        /// No connection could be made (refused, unknown host, offline, connect timed out).
        case unreachable(String)
        /// The connection broke or stalled after it had started: worth resuming.
        case interrupted(String)
        /// Any other transport problem (TLS, bad URL): retrying will not help.
        case transport(String)
        case httpStatus(Int)
        case rangeNotSatisfiable
        /// A 206 answer that does not start where the partial file ends.
        case rangeMismatch(String)
        case cannotWrite(String)
    }

    struct Result {
        /// The size of the whole file as the server announced it (Content-Range total, else Content-Length
        /// plus the resume offset), when it did.
        var announcedSize: Int64?
        var serverIgnoredRange = false
        var failure: Failure?
    }

    private let file: URL
    private var offset: Int64
    private let progress: DownloadProgress?
    private var handle: FileHandle?
    private var result = Result()
    private var receivedResponse = false
    private var receivedBytes: Int64 = 0
    private let finished = DispatchSemaphore(value: 0)

    /// Runs the request synchronously. Bytes are appended to `file` from `offset` (the file is created if
    /// missing; if the server ignores the range, it is truncated and filled from zero).
    static func run(_ url: URL, into file: URL, from offset: Int64, timeout: TimeInterval,
                    progress: DownloadProgress?) -> Result {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let transfer = HTTPTransfer(file: file, offset: offset, progress: progress)
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        session.dataTask(with: request).resume()
        transfer.finished.wait()
        session.finishTasksAndInvalidate()
        return transfer.result
    }

    private init(file: URL, offset: Int64, progress: DownloadProgress?) {
        self.file = file
        self.offset = offset
        self.progress = progress
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        receivedResponse = true
        guard let http = response as? HTTPURLResponse else {
            result.failure = .transport("the answer is not HTTP")
            return completionHandler(.cancel)
        }
        let contentRange = header("Content-Range", in: http)
        switch http.statusCode {
        case 200:
            if offset > 0 { result.serverIgnoredRange = true; offset = 0 }
            if http.expectedContentLength >= 0 { result.announcedSize = http.expectedContentLength }
        case 206:
            guard let range = contentRange.flatMap(ContentRange.init), range.start == offset else {
                result.failure = .rangeMismatch(contentRange ?? "no Content-Range header")
                return completionHandler(.cancel)
            }
            result.announcedSize = range.total
                ?? (http.expectedContentLength >= 0 ? offset + http.expectedContentLength : nil)
        case 416:
            result.failure = .rangeNotSatisfiable
            return completionHandler(.cancel)
        default:
            result.failure = .httpStatus(http.statusCode)
            return completionHandler(.cancel)
        }
        do {
            if !FileManager.default.fileExists(atPath: file.path) {
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: UInt64(offset))
            try handle.seekToEnd()
            self.handle = handle
        } catch {
            result.failure = .cannotWrite("\(file.path): \(error.localizedDescription)")
            return completionHandler(.cancel)
        }
        progress?.start(resumingAt: offset, total: result.announcedSize)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let handle, result.failure == nil else { return }
        do {
            try handle.write(contentsOf: data)
            receivedBytes += Int64(data.count)
            progress?.advance(to: offset + receivedBytes)
        } catch {
            result.failure = .cannotWrite("\(file.path): \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        try? handle?.close()
        handle = nil
        if result.failure == nil, let error {
            result.failure = Self.classify(error, afterResponse: receivedResponse)
        }
        finished.signal()
    }

    static func classify(_ error: Error, afterResponse receivedResponse: Bool) -> Failure {
        let text = (error as NSError).localizedDescription
        guard let urlError = error as? URLError else { return .transport(text) }
        switch urlError.code {
        case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .notConnectedToInternet:
            return .unreachable(text)
        case .timedOut:
            // A timeout before any answer is a host we cannot reach; after bytes flowed, a stall to resume.
            return receivedResponse ? .interrupted("no data for too long") : .unreachable("timed out: \(text)")
        case .networkConnectionLost, .cannotParseResponse, .badServerResponse, .resourceUnavailable,
             .cannotDecodeRawData, .zeroByteResource:
            return .interrupted(text)
        default:
            return receivedResponse ? .interrupted(text) : .transport(text)
        }
    }

    private func header(_ name: String, in response: HTTPURLResponse) -> String? {
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, key.caseInsensitiveCompare(name) == .orderedSame { return value as? String }
        }
        return nil
    }
}

/// `Content-Range: bytes <start>-<end>/<total or *>`.
struct ContentRange {
    var start: Int64
    var end: Int64
    var total: Int64?

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("bytes ") else { return nil }
        let parts = trimmed.dropFirst(6).split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let bounds = parts[0].split(separator: "-", maxSplits: 1)
        guard bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]) else { return nil }
        self.start = start
        self.end = end
        self.total = parts[1] == "*" ? nil : Int64(parts[1])
    }
}
