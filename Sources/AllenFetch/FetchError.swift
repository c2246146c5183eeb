import Foundation

/// Why a download failed, worded for the person running `v1t-dist fetch`.
public enum FetchError: Error, CustomStringConvertible {
    /// `copyTo`: where the file belongs in the cache, for the offline advice.
    case unreachable(url: URL, reason: String, copyTo: URL?)
    case transport(url: URL, reason: String)
    case httpStatus(url: URL, status: Int)
    case sizeMismatch(url: URL, expected: Int64, found: Int64, what: String)
    case gaveUp(url: URL, attempts: Int, lastProblem: String, partialFile: URL)
    case cannotWrite(String)
    case apiAnswer(url: URL, problem: String)
    case noSuchFile(experiment: Int, fileType: String, url: URL)
    case corruptCacheFile(path: String, problem: String)
    /// A filter or container that selects nothing from the experiment list (`list`: where the list came from).
    case nothingSelected(what: String, list: URL)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason, let copyTo):
            var text = "cannot reach \(url.absoluteString) (\(reason))."
            if let copyTo {
                text += " If this machine is offline, download the file elsewhere and copy it to \(copyTo.path)"
                    + " (the AllenSDK cache layout); fetch and convert use files found there without any network access."
            }
            return text
        case .transport(let url, let reason):
            return "download of \(url.absoluteString) failed: \(reason)"
        case .httpStatus(let url, let status):
            let hint = status == 404 ? " (no such file on this server; check the experiment id)" : ""
            return "\(url.absoluteString) answered HTTP \(status)\(hint)"
        case .sizeMismatch(let url, let expected, let found, let what):
            return "size mismatch for \(url.absoluteString): expected \(expected) bytes but \(what) \(found); "
                + "nothing was kept. Run fetch again; if it persists, the source is inconsistent: try the other --source."
        case .gaveUp(let url, let attempts, let lastProblem, let partialFile):
            return "download of \(url.absoluteString) did not complete after \(attempts) attempts (\(lastProblem)). "
                + "The bytes received are kept in \(partialFile.path); running fetch again resumes from there."
        case .cannotWrite(let what):
            return "cannot write \(what)"
        case .apiAnswer(let url, let problem):
            return "unexpected answer from the Allen API at \(url.absoluteString): \(problem)"
        case .noSuchFile(let experiment, let fileType, let url):
            return "the Allen API lists no \(fileType) file for experiment \(experiment) (\(url.absoluteString)); "
                + "check that it is an ophys experiment id (not a container or session id)"
                + (fileType == AllenFile.Kind.events.apiFileType ? "; not every experiment has events" : "")
        case .corruptCacheFile(let path, let problem):
            return "\(path) is in the cache but \(problem); delete it and fetch again"
        case .nothingSelected(let what, let list):
            return "\(what) (experiment list: \(list.path); delete it to fetch the list again)"
        }
    }
}
