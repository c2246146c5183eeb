import Foundation
import XCTest
@testable import Training

/// Training on an experiment container (`simulate --container`): neurons are not all recorded on
/// every trial, and the data-parallel invariance still holds: 1 and 2 ranks end with the same
/// parameters (tolerance and criterion as in `DataParallelTrainingTests`). (The correlation criterion is not compared across ranks here or
/// there: with a few trials per batch its 1/σ terms amplify the summation order, about 5e-4 of the
/// parameter scale after two epochs on a plain simulated session; `MaskedLossTests` checks its masked
/// value and gradient exactly.)
final class ContainerTrainingTests: ScratchDirectoryTestCase {
    func testRanksDoNotChangeTrainingOnAContainer() throws {
        let data = path("container.h5")
        try CommandRunner.run(["simulate", "--container", "--out", data, "--neurons", "9", "--images", "20", "--repeats", "6", "--seed", "5",
                                  "--movie-frames", "60", "--movie-repeats", "2"])
        func train(_ run: String) -> [String] {
            // V1T's optimisation values rather than the demo preset's small-data recipe, whose larger
            // learning rate and readout noise let rounding differences between rank counts grow past
            // this test's bound within two epochs.
            ["train", "--data", data, "--output-dir", path(run), "--epochs", "2", "--batch-size", "8", "--lr", "0.001647",
             "--core-reg-scale", "0.5379", "--readout-init-sigma", "0.1", "--stop-on", "correlation"] + TrainingRunTests.tinyModel
        }
        try MPIRunner.run(ranks: 1, train("poisson-1"))
        try MPIRunner.run(ranks: 2, train("poisson-2"))
        let distance = try ParameterDistance(path("poisson-1"), path("poisson-2"))
        XCTAssertLessThan(distance.relative, DataParallelTrainingTests.tolerance, "1 vs 2 ranks: \(distance)")
        // Every neuron has natural-scene test scores: B, the only session with scenes, recorded them all.
        let csv = try String(contentsOf: RunDirectory(path("poisson-1")).perNeuronScores, encoding: .utf8)
        let rows: [[Substring]] = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let testRows = rows.filter { row in row[1] == "test" && row.last == "natural_scenes" }
        XCTAssertEqual(testRows.count, 9)
        XCTAssertTrue(testRows.allSatisfy { !$0[4].isEmpty }, "\(testRows)")
    }
}
