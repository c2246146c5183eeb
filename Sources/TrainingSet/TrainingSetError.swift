/// A training-set file or recording that cannot be used, saying which file, which field (its HDF5
/// path, e.g. `/trials/responses`), what is wrong and what to do about it.
public struct TrainingSetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file on disk, or nil for a recording checked in memory.
    public var file: String?
    /// The HDF5 path of the offending dataset or attribute, e.g. `/trials/responses` or `/@format_version`.
    public var field: String
    public var problem: String
    public var remedy: String

    public init(file: String? = nil, field: String, problem: String, remedy: String) {
        self.file = file
        self.field = field
        self.problem = problem
        self.remedy = remedy
    }

    public var description: String {
        "\(file.map { "\($0): " } ?? "")\(field): \(problem). \(remedy)"
    }

    func inFile(_ path: String) -> TrainingSetError {
        var located = self
        located.file = path
        return located
    }

    /// What to do about a file that is damaged or inconsistent.
    static let regenerate = "Regenerate the file with `v1t-dist convert` (Allen data) or `v1t-dist simulate`"
    /// What to do about an in-memory recording with an inconsistency: the code that built it is at fault.
    static let fixBuilder = "Fix the code that assembled the recording (converter or simulator)"
}
