import XCTest
@testable import AllenFetch

/// Downloads against a real HTTP server on 127.0.0.1 started by each test.
final class AllenFetcherTests: XCTestCase {
    let experiment = 501559087
    var cache: URL!

    override func setUpWithError() throws {
        cache = FileManager.default.temporaryDirectory.appendingPathComponent("allen-fetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: cache)
    }

    /// Bytes that start like an HDF5 file, then a pattern that makes misplaced bytes visible.
    func fakeNWB(size: Int) -> Data {
        var bytes: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        while bytes.count < size { bytes.append(UInt8(truncatingIfNeeded: bytes.count * 7 + bytes.count / 251)) }
        return Data(bytes)
    }

    func fetcher(_ server: LocalHTTPServer?, source: AllenSource = .s3, attempts: Int = 3,
                 timeout: TimeInterval = 5) -> AllenFetcher {
        let base = server?.baseURL ?? URL(string: "http://127.0.0.1:\(LocalHTTPServer.closedPort())")!
        return AllenFetcher(cache: cache, source: source, endpoints: AllenEndpoints(api: base, s3: base),
                            settings: .init(timeout: timeout, attempts: attempts, retryPause: 0),
                            makeProgress: { _ in nil })
    }

    var nwbFile: AllenFile { AllenFile(experiment: experiment, kind: .nwb) }
    var s3Path: String { "/visual-coding-2p/ophys_experiment_data/\(experiment).nwb" }

    func testAllenAPIQueryThenDownloadIntoCacheLayout() throws {
        let file = fakeNWB(size: 300_000)
        let server = try LocalHTTPServer { request in
            if request.path.hasPrefix("/api/v2/data/query.json") {
                let json = #"{"success":true,"msg":[{"id":777,"download_link":"/api/v2/well_known_file_download/777","file_size":\#(file.count)}]}"#
                return .init(headers: [("Content-Type", "application/json")], body: Data(json.utf8))
            }
            if request.path == "/api/v2/well_known_file_download/777" { return .serving(file, for: request) }
            return .init(status: 404)
        }
        defer { server.stop() }
        let outcome = try fetcher(server, source: .allenAPI).fetch(nwbFile)

        let expected = cache.appendingPathComponent("ophys_experiment_data/\(experiment).nwb")
        XCTAssertEqual(outcome, .downloaded(expected, bytes: Int64(file.count)))
        XCTAssertEqual(try Data(contentsOf: expected), file)
        XCTAssertFalse(FileManager.default.fileExists(atPath: expected.path + ".part"))
        let query = try XCTUnwrap(server.requests.first?.path.removingPercentEncoding)
        XCTAssertTrue(query.contains("[attachable_id$eq\(experiment)]"), query)
        XCTAssertTrue(query.contains("well_known_file_type[name$eqNWBOphys]"), query)
        XCTAssertEqual(server.requests.count, 2)
    }

    func testEventsComeFromTheEventsFolderAndFileType() throws {
        var zip = Data([0x50, 0x4B, 0x03, 0x04]); zip.append(Data(repeating: 9, count: 500))
        let server = try LocalHTTPServer { request in
            request.path == "/visual-coding-2p/ophys_experiment_events/\(self.experiment)_events.npz"
                ? .serving(zip, for: request) : .init(status: 404)
        }
        defer { server.stop() }
        let outcome = try fetcher(server).fetch(AllenFile(experiment: experiment, kind: .events))
        XCTAssertEqual(outcome.path, cache.appendingPathComponent("ophys_experiment_events/\(experiment)_events.npz"))
        XCTAssertEqual(try Data(contentsOf: outcome.path), zip)
        XCTAssertTrue(AllenEndpoints().apiQueryURL(for: AllenFile(experiment: 1, kind: .events))
            .absoluteString.contains("ObservatoryEventsFile"))
    }

    func testTransferCutInTheMiddleResumesWithRangeToTheExactBytes() throws {
        let file = fakeNWB(size: 1_000_000)
        let cut = 123_457
        let server = try LocalHTTPServer { request in
            // The first answer breaks off; later ones (with a Range) complete.
            request.range == nil ? .serving(file, for: request, cutAfter: cut) : .serving(file, for: request)
        }
        defer { server.stop() }
        let outcome = try fetcher(server).fetch(nwbFile)
        XCTAssertEqual(try Data(contentsOf: outcome.path), file)
        XCTAssertEqual(server.requests.map(\.range), [nil, "bytes=\(cut)-"])
        XCTAssertEqual(server.requests.map(\.path), [s3Path, s3Path])
    }

    func testPartialFileOfAnEarlierRunIsKeptThenResumed() throws {
        let file = fakeNWB(size: 400_000)
        let cutting = try LocalHTTPServer { .serving(file, for: $0, cutAfter: 150_000) }
        XCTAssertThrowsError(try fetcher(cutting, attempts: 1).fetch(nwbFile)) { error in
            XCTAssertTrue("\(error)".contains("running fetch again resumes"), "\(error)")
        }
        cutting.stop()
        let final = nwbFile.path(inCache: cache)
        XCTAssertFalse(FileManager.default.fileExists(atPath: final.path), "no half file under the final name")
        XCTAssertEqual(try Data(contentsOf: final.appendingPathExtension("part")), file.prefix(150_000))

        let serving = try LocalHTTPServer { .serving(file, for: $0) }
        defer { serving.stop() }
        XCTAssertEqual(try fetcher(serving).fetch(nwbFile), .downloaded(final, bytes: Int64(file.count)))
        XCTAssertEqual(try Data(contentsOf: final), file)
        XCTAssertEqual(serving.requests.map(\.range), ["bytes=150000-"])
    }

    func testServerIgnoringRangeRestartsFromZero() throws {
        let file = fakeNWB(size: 200_000)
        let final = nwbFile.path(inCache: cache)
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        // A partial file whose bytes are wrong: if they were kept, the result would differ.
        try Data(repeating: 0xEE, count: 50_000).write(to: final.appendingPathExtension("part"))
        let server = try LocalHTTPServer { .serving(file, for: $0, ignoreRange: true) }
        defer { server.stop() }
        _ = try fetcher(server).fetch(nwbFile)
        XCTAssertEqual(server.requests.map(\.range), ["bytes=50000-"])
        XCTAssertEqual(try Data(contentsOf: final), file)
    }

    func testSizeMismatchWithTheAPIRecordKeepsNothing() throws {
        let file = fakeNWB(size: 100_000)
        let server = try LocalHTTPServer { request in
            if request.path.hasPrefix("/api/v2/data/query.json") {
                let json = #"{"msg":[{"download_link":"/dl/1","file_size":\#(file.count + 10)}]}"#
                return .init(body: Data(json.utf8))
            }
            return .serving(file, for: request)
        }
        defer { server.stop() }
        XCTAssertThrowsError(try fetcher(server, source: .allenAPI).fetch(nwbFile)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("size mismatch") && text.contains("\(file.count + 10)")
                          && text.contains("\(file.count)"), text)
        }
        let final = nwbFile.path(inCache: cache)
        XCTAssertFalse(FileManager.default.fileExists(atPath: final.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: final.path + ".part"))
    }

    func testUnreachablePortFailsFastNamingTheURLAndTheCacheLayout() throws {
        let started = Date()
        XCTAssertThrowsError(try fetcher(nil, timeout: 3).fetch(nwbFile)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot reach http://127.0.0.1:"), text)
            XCTAssertTrue(text.contains(s3Path), text)
            XCTAssertTrue(text.contains("copy it to \(nwbFile.path(inCache: cache).path)"), text)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testSilentServerTimesOutInsteadOfHanging() throws {
        let server = try LocalHTTPServer { _ in .init(silent: true) }
        defer { server.stop() }
        let started = Date()
        XCTAssertThrowsError(try fetcher(server, timeout: 1).fetch(nwbFile)) { error in
            XCTAssertTrue("\(error)".contains(server.baseURL.absoluteString), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
    }

    func testFileAlreadyInTheCacheIsReusedWithoutAnyRequest() throws {
        let final = nwbFile.path(inCache: cache)
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fakeNWB(size: 1000).write(to: final)
        let server = try LocalHTTPServer { .serving(Data(), for: $0) }
        defer { server.stop() }
        XCTAssertEqual(try fetcher(server).fetch(nwbFile), .reused(final))
        XCTAssertEqual(server.requests.count, 0)
    }

    func testCacheFileThatIsNotHDF5IsRefused() throws {
        let final = nwbFile.path(inCache: cache)
        try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("<html>Not Found</html>".utf8).write(to: final)
        XCTAssertThrowsError(try fetcher(nil).fetch(nwbFile)) { error in
            XCTAssertTrue("\(error)".contains("does not start like an HDF5"), "\(error)")
        }
    }

    func testAPIWithoutARecordSaysSo() throws {
        let server = try LocalHTTPServer { _ in .init(body: Data(#"{"success":true,"msg":[]}"#.utf8)) }
        defer { server.stop() }
        XCTAssertThrowsError(try fetcher(server, source: .allenAPI).fetch(nwbFile)) { error in
            XCTAssertTrue("\(error)".contains("lists no NWBOphys file for experiment \(experiment)"), "\(error)")
        }
    }

    func testHTTPErrorIsReportedWithItsStatus() throws {
        let server = try LocalHTTPServer { _ in .init(status: 404) }
        defer { server.stop() }
        XCTAssertThrowsError(try fetcher(server).fetch(nwbFile)) { error in
            XCTAssertTrue("\(error)".contains("answered HTTP 404"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: nwbFile.path(inCache: cache).path))
    }
}
