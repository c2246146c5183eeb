/// An Allen NWB file (or events file) that cannot be converted: which file, which HDF5 path, what is
/// wrong and what to do. `description` reads `<file>: <field>: <problem>. <remedy>`.
public struct AllenNWBError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// The HDF5 path (or array name) concerned, or nil for the file as a whole.
    public var field: String?
    public var problem: String
    public var remedy: String

    public init(file: String, field: String? = nil, problem: String, remedy: String) {
        self.file = file
        self.field = field
        self.problem = problem
        self.remedy = remedy
    }

    public var description: String {
        "\(file): \(field.map { "\($0): " } ?? "")\(problem). \(remedy)"
    }

    static let redownload = "The file is probably a truncated or damaged download: fetch it again "
        + "(`v1t-dist fetch <id> --cache DIR` resumes or replaces it)"
    static let notAllen = "Give an Allen Brain Observatory Visual Coding two-photon NWB file "
        + "(ophys_experiment_data/<id>.nwb of an AllenSDK cache, or `v1t-dist fetch`)"
}
