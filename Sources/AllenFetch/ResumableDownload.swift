import Foundation

/// Downloads one URL to a file, the way a file of hundreds of MB over a flaky link needs:
///
/// - bytes go to `<name>.part`; a later run (or the next attempt of this one) continues it with an
///   HTTP Range request, and starts over cleanly if the server ignores the range;
/// - the result must match the size the server announced and, when given, the size the caller expects
///   (the Allen API's record); a mismatch deletes the partial file and fails;
/// - only a complete file is renamed to the final name, atomically.
public struct ResumableDownload {
    public var url: URL
    public var destination: URL
    /// The size the caller knows independently of the server (the Allen API's `file_size`), if any.
    public var expectedSize: Int64?

    public init(url: URL, destination: URL, expectedSize: Int64? = nil) {
        self.url = url
        self.destination = destination
        self.expectedSize = expectedSize
    }

    public var partialFile: URL { destination.appendingPathExtension("part") }

    public struct Settings {
        /// Seconds to wait for a connection or for the next bytes before giving up on an attempt.
        public var timeout: TimeInterval = 20
        /// Attempts in total; each one after an interruption resumes where the previous stopped.
        public var attempts = 5
        /// Pause before attempt k (k >= 2) is `retryPause * (k - 1)` seconds.
        public var retryPause: TimeInterval = 2
        public var progress: DownloadProgress?

        public init(timeout: TimeInterval = 20, attempts: Int = 5, retryPause: TimeInterval = 2,
                    progress: DownloadProgress? = nil) {
            self.timeout = timeout
            self.attempts = attempts
            self.retryPause = retryPause
            self.progress = progress
        }
    }

    /// Returns the number of bytes of the completed file.
    @discardableResult
    public func run(_ settings: Settings) throws -> Int64 {
        let files = FileManager.default
        var lastProblem = ""
        for attempt in 1...max(1, settings.attempts) {
            if attempt > 1 { Thread.sleep(forTimeInterval: settings.retryPause * Double(attempt - 1)) }
            var have = Self.size(of: partialFile)
            if let expectedSize, have > expectedSize {
                try? files.removeItem(at: partialFile)
                have = 0
            }
            if let expectedSize, have == expectedSize, have > 0 {
                // A previous run received everything but stopped before the rename.
                try promote()
                return have
            }
            let result = HTTPTransfer.run(url, into: partialFile, from: have, timeout: settings.timeout,
                                          progress: settings.progress)
            if let announced = result.announcedSize, let expectedSize, announced != expectedSize {
                try? files.removeItem(at: partialFile)
                throw FetchError.sizeMismatch(url: url, expected: expectedSize, found: announced,
                                              what: "the server announces")
            }
            switch result.failure {
            case nil:
                break
            case .interrupted(let why)?:
                lastProblem = why
                continue
            case .rangeNotSatisfiable?, .rangeMismatch?:
                // The partial file does not fit what the server has now: start over.
                lastProblem = "the server refused to continue the partial file; starting over"
                try? files.removeItem(at: partialFile)
                continue
            case .unreachable(let why)?:
                throw FetchError.unreachable(url: url, reason: why, copyTo: nil)
            case .transport(let why)?:
                throw FetchError.transport(url: url, reason: why)
            case .httpStatus(let status)?:
                if status >= 500 { lastProblem = "HTTP \(status)"; continue }
                throw FetchError.httpStatus(url: url, status: status)
            case .cannotWrite(let why)?:
                throw FetchError.cannotWrite(why)
            }
            let received = Self.size(of: partialFile)
            guard let required = expectedSize ?? result.announcedSize else {
                // Neither the caller nor the server said how big the file is: a clean end is all we have.
                try promote()
                settings.progress?.finish()
                return received
            }
            if received == required {
                try promote()
                settings.progress?.finish()
                return received
            }
            if received > required {
                try? files.removeItem(at: partialFile)
                throw FetchError.sizeMismatch(url: url, expected: required, found: received, what: "the server sent")
            }
            lastProblem = "the connection closed after \(received) of \(required) bytes"
        }
        throw FetchError.gaveUp(url: url, attempts: settings.attempts, lastProblem: lastProblem,
                                partialFile: partialFile)
    }

    /// rename(2): atomic, and replaces a file already under the final name.
    private func promote() throws {
        guard rename(partialFile.path, destination.path) == 0 else {
            throw FetchError.cannotWrite("\(destination.path): \(String(cString: strerror(errno)))")
        }
    }

    static func size(of file: URL) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
