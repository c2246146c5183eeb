import XCTest
@testable import Results
@testable import Training

/// `v1t-dist compare`: one row per run, saying whether it beats the mean baseline.
final class RunComparisonTests: XCTestCase {
    private func scores(poisson: Double) -> TierScores {
        TierScores(tier: "test", trials: 600, images: 12, singleTrialCorrelation: 0.2, correlationToAverage: 0.5, feve: 0.25,
                   feveNeurons: 100, oracleCorrelation: 0.4, normalizedCorrelation: 0.6, poissonLoss: poisson,
                   baselinePoissonLoss: 170, groundTruthCorrelation: 0.3, groundTruthCeiling: 0.5)
    }

    func testTableSaysWhichRunsBeatTheMeanBaseline() {
        let comparison = RunComparison(rows: [
            .init(run: "vit-scenes", recording: "m", core: "vit", test: scores(poisson: 171), receptiveFieldError: nil),
            .init(run: "stacked2d-scenes", recording: "m", core: "stacked2d", test: scores(poisson: 160), receptiveFieldError: 0.05),
        ])
        let lines = comparison.table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[1].contains("vit-scenes") && lines[1].contains("NO") && lines[1].hasSuffix("-"), lines[1])
        XCTAssertTrue(lines[2].contains("stacked2d") && lines[2].contains("yes") && lines[2].hasSuffix("0.050"), lines[2])
        XCTAssertTrue(lines[2].contains("160.00") && lines[2].contains("170.00"), lines[2])
    }

    func testARunWithoutEvaluationIsNamed() {
        XCTAssertThrowsError(try RunComparison(runs: ["/nonexistent/run"])) {
            XCTAssertTrue("\($0)".contains("/nonexistent/run/evaluation.json is missing"), "\($0)")
        }
    }
}
