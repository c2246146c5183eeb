import XCTest
@testable import Training

/// The report says plainly whether the model beats predicting each neuron's training mean.
final class EvaluationReportTests: XCTestCase {
    private func report(poisson: Double, baseline: Double) -> EvaluationReport {
        let test = TierScores(tier: "test", trials: 600, images: 12, singleTrialCorrelation: 0.2, correlationToAverage: 0.5,
                              feve: poisson < baseline ? 0.3 : -0.5, feveNeurons: 100, oracleCorrelation: 0.4, normalizedCorrelation: 0.6,
                              poissonLoss: poisson, baselinePoissonLoss: baseline, groundTruthCorrelation: nil, groundTruthCeiling: nil)
        return EvaluationReport(run: "r", bestEpoch: 3, recordings: [RecordingEvaluation(name: "mouse", neurons: 100, tiers: [test])])
    }

    func testVerdictSaysWhetherTheModelBeatsTheMeanBaseline() {
        let worse = report(poisson: 177.8, baseline: 170.9)
        XCTAssertEqual(worse.verdicts.count, 1)
        XCTAssertTrue(worse.verdicts[0].contains("does NOT beat predicting each neuron's training mean"), worse.verdicts[0])
        XCTAssertTrue(worse.verdicts[0].contains("177.800 vs 170.900"), worse.verdicts[0])
        XCTAssertTrue(worse.table.contains(worse.verdicts[0]), "the printed table carries the verdict")
        XCTAssertTrue(worse.table.contains("mean-baseline"))

        let better = report(poisson: 160, baseline: 170)
        XCTAssertTrue(better.verdicts[0].contains("beats predicting each neuron's training mean"), better.verdicts[0])
        XCTAssertFalse(better.verdicts[0].contains("NOT"))
        XCTAssertTrue(better.verdicts[0].contains("5.9% lower"), better.verdicts[0])
    }
}
