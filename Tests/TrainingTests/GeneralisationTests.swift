import Foundation
import XCTest
@testable import Training

/// The small-data recipe: trained on the simulated Allen-like session (118 natural images), the demo
/// preset predicts held-out images better than each neuron's training mean. V1T's published
/// optimisation settings on the same model and data do not.
final class GeneralisationTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try CommandRunner.scratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testDemoRecipeBeatsTheMeanBaselineOnHeldOutImages() throws {
        let data = path("session.h5")
        try CommandRunner.run(["simulate", "--out", data, "--seed", "1", "--neurons", "60", "--repeats", "20"])
        try CommandRunner.run(["train", "--data", data, "--output-dir", path("run"), "--preset", "demo", "--epochs", "4", "--verbose", "0"])
        let run = RunDirectory(path("run"))
        let report = try run.readJSON(EvaluationReport.self, from: run.evaluation)
        let test = try XCTUnwrap(report.recordings.first?.tiers.first { $0.tier == "test" })
        XCTAssertLessThan(test.poissonLoss, test.baselinePoissonLoss, "held-out Poisson loss must beat the mean baseline: \(report.table)")
        XCTAssertGreaterThan(try XCTUnwrap(test.feve), 0, report.table)
    }
}
