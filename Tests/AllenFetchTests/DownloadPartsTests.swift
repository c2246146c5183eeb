import XCTest
@testable import AllenFetch

final class DownloadPartsTests: XCTestCase {
    func testContentRangeParsing() throws {
        let range = try XCTUnwrap(ContentRange("bytes 100-999/1000"))
        XCTAssertEqual([range.start, range.end, range.total], [100, 999, 1000])
        XCTAssertNil(try XCTUnwrap(ContentRange("bytes 0-9/*")).total)
        XCTAssertNil(ContentRange("items 0-9/10"))
        XCTAssertNil(ContentRange("bytes 0-/10"))
    }

    func testProgressLineShowsBytesRateAndTimeLeft() {
        var lines: [String] = []
        let progress = DownloadProgress(label: "1.nwb", interactive: false, logInterval: 0) { lines.append($0) }
        progress.start(resumingAt: 0, total: 4_000_000)
        progress.advance(to: 1_000_000)
        let line = progress.line(now: Date().addingTimeInterval(1))
        // About 1 MB in about 1 s: 3 MB left is about 3 s.
        XCTAssertTrue(line.hasPrefix("1.nwb  1.0 MB / 4.0 MB  (25.0%)  "), line)
        XCTAssertTrue(line.hasSuffix("ETA 0:03"), line)
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(DownloadProgress.format(seconds: 3725), "1:02:05")
        XCTAssertEqual(DownloadProgress.format(bytes: 999), "999 B")
    }

    func testEndpointsComeFromTheEnvironment() {
        let endpoints = AllenEndpoints.fromEnvironment([AllenEndpoints.apiVariable: "http://127.0.0.1:1",
                                                        AllenEndpoints.s3Variable: "http://127.0.0.1:2/"])
        XCTAssertEqual(endpoints.api.absoluteString, "http://127.0.0.1:1")
        XCTAssertEqual(endpoints.s3URL(for: AllenFile(experiment: 5, kind: .nwb)).absoluteString,
                       "http://127.0.0.1:2/visual-coding-2p/ophys_experiment_data/5.nwb")
        XCTAssertEqual(AllenEndpoints.fromEnvironment([:]).api, AllenEndpoints.defaultAPI)
        let query = AllenEndpoints().apiQueryURL(for: AllenFile(experiment: 5, kind: .nwb)).absoluteString
        XCTAssertEqual(query.removingPercentEncoding,
                       "http://api.brain-map.org/api/v2/data/query.json?q=model::WellKnownFile,rma::criteria,"
                       + "[attachable_id$eq5],well_known_file_type[name$eqNWBOphys],"
                       + "rma::options[num_rows$eq'all'][count$eqfalse]")
    }
}
