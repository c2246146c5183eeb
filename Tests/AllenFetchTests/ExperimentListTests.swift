import XCTest
@testable import AllenFetch

/// Selecting many experiments from the Allen experiment list, served by a local HTTP server.
/// The fixture has the shape of the API's answer to AllenSDK's `get_ophys_experiments()` query
/// (the same nested fields: experiment_container.failed, targeted_structure.acronym,
/// specimen.donor.transgenic_lines); its ids are made up. Containers: 900000100 (VISp, 175 µm,
/// Cux2, A/B/C), 900000200 (VISl, 275 µm, Rorb, A/B/C2), 900000300 (VISp, failed QC),
/// 900000400 (VISp, 275 µm, Rorb, B only).
final class ExperimentListTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ophys_experiments_sample.json")
    var cache: URL!

    override func setUpWithError() throws {
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("allen-list-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: cache)
    }

    func fetcher(_ server: LocalHTTPServer) -> AllenFetcher {
        AllenFetcher(cache: cache, source: .allenAPI, endpoints: AllenEndpoints(api: server.baseURL, s3: server.baseURL),
                     settings: .init(timeout: 5, attempts: 2, retryPause: 0), makeProgress: { _ in nil })
    }

    /// Serves the list for the experiment query, a file record and an NWB-looking file per experiment.
    func listServer() throws -> LocalHTTPServer {
        let list = try Data(contentsOf: Self.fixture)
        return try LocalHTTPServer { request in
            let query = request.path.removingPercentEncoding ?? ""
            if query.contains("model::OphysExperiment") { return .init(body: list) }
            if let range = query.range(of: "[attachable_id$eq") {
                let id = query[range.upperBound...].prefix { $0.isNumber }
                let json = #"{"success":true,"msg":[{"download_link":"/download/\#(id).nwb"}]}"#
                return .init(body: Data(json.utf8))
            }
            if request.path.hasPrefix("/download/") {
                return .serving(Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] + Array(request.path.utf8)), for: request)
            }
            return .init(status: 404)
        }
    }

    func testTheListQueryIsAllenSDKsAndItsFieldsAreReadAsAllenSDKReadsThem() throws {
        let server = try listServer()
        defer { server.stop() }
        let list = try fetcher(server).experimentList()
        XCTAssertEqual(list.count, 9)
        let query = try XCTUnwrap(server.requests.first?.path.removingPercentEncoding)
        XCTAssertTrue(query.hasPrefix("/api/v2/data/query.json?q=model::OphysExperiment,rma::include,experiment_container,"), query)
        XCTAssertTrue(query.contains("specimen(donor(age,transgenic_lines))"), query)
        // The driver line is the one with "Cre" in its name, not Camk2a-tTA (also a driver).
        XCTAssertEqual(list.first { $0.id == 900000201 },
                       AllenExperiment(id: 900000201, containerID: 900000200, sessionType: "three_session_A",
                                       targetedStructure: "VISl", creLine: "Rorb-IRES2-Cre", imagingDepth: 275,
                                       donorName: "222002", failed: false))
        XCTAssertTrue(try XCTUnwrap(list.first { $0.id == 900000301 }).failed)
    }

    func testAContainerGivesItsThreeSessionsInSessionOrder() throws {
        let server = try listServer()
        defer { server.stop() }
        let list = try fetcher(server).experimentList()
        let selected = try ExperimentFilter(containers: [900000100]).select(from: list, listFile: cache)
        XCTAssertEqual(selected.map(\.id), [900000101, 900000102, 900000103])
        XCTAssertEqual(selected.map(\.sessionType), ["three_session_A", "three_session_B", "three_session_C"])
    }

    func testFiltersCombineAndFailedContainersAreLeftOutUnlessAsked() throws {
        let server = try listServer()
        defer { server.stop() }
        let list = try fetcher(server).experimentList()
        func ids(_ filter: ExperimentFilter) throws -> [Int] { try filter.select(from: list, listFile: cache).map(\.id) }
        XCTAssertEqual(try ids(ExperimentFilter(areas: ["VISp"])), [900000101, 900000102, 900000103, 900000402])
        XCTAssertEqual(try ids(ExperimentFilter(areas: ["VISp"], includeFailed: true)).count, 6)
        XCTAssertEqual(try ids(ExperimentFilter(areas: ["VISp", "VISl"], sessionTypes: ["three_session_B"])),
                       [900000102, 900000202, 900000402])
        XCTAssertEqual(try ids(ExperimentFilter(creLines: ["rorb-ires2-cre"], depths: [275], sessionTypes: ["three_session_C2"])),
                       [900000203])
        XCTAssertThrowsError(try ids(ExperimentFilter(areas: ["VISam"]))) { error in
            XCTAssertTrue("\(error)".contains("no experiment of the Allen experiment list (9 experiments) matches --area VISam"), "\(error)")
        }
        XCTAssertThrowsError(try ids(ExperimentFilter(containers: [123]))) { error in
            XCTAssertTrue("\(error)".contains("experiment container 123 is not in the Allen experiment list"), "\(error)")
        }
        XCTAssertThrowsError(try ids(ExperimentFilter(containers: [900000300]))) { error in
            XCTAssertTrue("\(error)".contains("failed the Allen's quality control; add --include-failed"), "\(error)")
        }
    }

    func testTheListIsKeptInTheCacheAndFetchingAContainerResumes() throws {
        let server = try listServer()
        defer { server.stop() }
        let fetcher = fetcher(server)
        let selected = try ExperimentFilter(containers: [900000200]).select(from: fetcher.experimentList(), listFile: cache)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cache.appendingPathComponent("ophys_experiments.json").path))
        // A first run that got one file; the second fetches the other two and asks nothing about the first.
        _ = try fetcher.fetch(AllenFile(experiment: selected[0].id, kind: .nwb))
        let requestsBefore = server.requests.count
        let again = try ExperimentFilter(containers: [900000200]).select(from: fetcher.experimentList(), listFile: cache)
        let outcomes = try again.map { try fetcher.fetch(AllenFile(experiment: $0.id, kind: .nwb)) }
        XCTAssertEqual(outcomes[0], .reused(cache.appendingPathComponent("ophys_experiment_data/900000201.nwb")))
        XCTAssertEqual(outcomes.dropFirst().map(\.path.lastPathComponent), ["900000202.nwb", "900000203.nwb"])
        // No second list request: two files, each a query and a download.
        XCTAssertEqual(server.requests.count - requestsBefore, 4)
        XCTAssertFalse(server.requests.dropFirst().contains { ($0.path.removingPercentEncoding ?? "").contains("OphysExperiment") })
    }

    func testADamagedListInTheCacheIsRefusedNamingIt() throws {
        let server = try listServer()
        defer { server.stop() }
        let fetcher = fetcher(server)
        try Data("<html>".utf8).write(to: fetcher.experimentListFile)
        XCTAssertThrowsError(try fetcher.experimentList()) { error in
            XCTAssertEqual("\(error)", "\(fetcher.experimentListFile.path) is in the cache but is not JSON; delete it and fetch again")
        }
    }
}
