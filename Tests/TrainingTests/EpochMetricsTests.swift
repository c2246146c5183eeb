import XCTest
@testable import Training

/// metrics.csv: rows round-trip; files from before the cpu_share and penalty columns still read.
final class EpochMetricsTests: XCTestCase {
    private let row = EpochMetrics(epoch: 3, trainLoss: 1.5, validationLoss: 2.25, validationCorrelation: 0.125, coreLearningRate: 1e-3,
                                   readoutLearningRate: 2e-3, seconds: 4, samplesPerSecond: 8.5, allreduceShare: 0.03, ranks: 2, cpuShare: 0.75,
                                   corePenalty: 0.5, readoutPenalty: 0.0625)

    func testRowsRoundTrip() throws {
        let csv = EpochMetrics.csvHeader + "\n" + row.csvLine + "\n"
        XCTAssertEqual(try EpochMetrics.parse(csv: csv, source: "m.csv"), [row])
    }

    /// A run started by an older v1t-dist and resumed by this one has the old header and both kinds of row.
    func testFilesWithoutCPUShareStillRead() throws {
        var old = row
        (old.cpuShare, old.corePenalty, old.readoutPenalty) = (nil, nil, nil)
        let oldLine = "3,1.5,2.25,0.125,0.001,0.002,4.0,8.5,0.03,2"
        let csv = EpochMetrics.headerWithoutCPUShare + "\n" + oldLine + "\n" + row.csvLine + "\n"
        XCTAssertEqual(try EpochMetrics.parse(csv: csv, source: "m.csv"), [old, row])
    }

    func testFilesWithoutPenaltiesStillRead() throws {
        var old = row
        (old.corePenalty, old.readoutPenalty) = (nil, nil)
        let oldLine = "3,1.5,2.25,0.125,0.001,0.002,4.0,8.5,0.03,2,0.75"
        let csv = EpochMetrics.headerWithoutPenalties + "\n" + oldLine + "\n" + row.csvLine + "\n"
        XCTAssertEqual(try EpochMetrics.parse(csv: csv, source: "m.csv"), [old, row])
    }

    func testJunkIsNamed() {
        XCTAssertThrowsError(try EpochMetrics.parse(csv: "epoch,loss\n1,2\n", source: "m.csv")) {
            XCTAssertTrue("\($0)".contains("m.csv does not start with the metrics header"), "\($0)")
        }
        XCTAssertThrowsError(try EpochMetrics.parse(csv: EpochMetrics.csvHeader + "\n1,2,3\n", source: "m.csv")) {
            XCTAssertTrue("\($0)".contains("m.csv line 2 is not a metrics row"), "\($0)")
        }
    }
}
