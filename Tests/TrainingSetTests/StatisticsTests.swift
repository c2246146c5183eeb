@testable import TrainingSet
import XCTest

final class StatisticsTests: XCTestCase {
    func testStatisticsUseOnlyTheTrainingTier() {
        let recording = makeSmallRecording()
        let training = recording.trials.indices(in: .train)
        XCTAssertFalse(training.isEmpty)
        XCTAssertLessThan(training.count, recording.trials.count)

        // Neuron 2 by hand, over training trials only.
        let values = training.map { Double(recording.trials.responses[$0, 2]) }.sorted()
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
        let stats = recording.statistics.responses
        XCTAssertEqual(Double(stats.mean[2]), mean, accuracy: 1e-5)
        XCTAssertEqual(Double(stats.std[2]), std, accuracy: 1e-5)
        XCTAssertEqual(Double(stats.min[2]), values.first!)
        XCTAssertEqual(Double(stats.max[2]), values.last!)
        XCTAssertEqual(Double(stats.median[2]), median, accuracy: 1e-6)

        // Images: every pixel of every training trial's image, repeats counted.
        var pixels = [Double]()
        for trial in training { pixels += recording.images.image(Int(recording.trials.imageIndex[trial])).map(Double.init) }
        pixels.sort()
        let pixelMean = pixels.reduce(0, +) / Double(pixels.count)
        let pixelStd = (pixels.map { ($0 - pixelMean) * ($0 - pixelMean) }.reduce(0, +) / Double(pixels.count)).squareRoot()
        let pixelMedian = pixels.count % 2 == 1 ? pixels[pixels.count / 2] : (pixels[pixels.count / 2 - 1] + pixels[pixels.count / 2]) / 2
        XCTAssertEqual(Double(recording.statistics.images.mean[0]), pixelMean, accuracy: 1e-3)
        XCTAssertEqual(Double(recording.statistics.images.std[0]), pixelStd, accuracy: 1e-3)
        XCTAssertEqual(Double(recording.statistics.images.median[0]), pixelMedian)
        XCTAssertEqual(Double(recording.statistics.images.min[0]), pixels.first!)
        XCTAssertEqual(Double(recording.statistics.images.max[0]), pixels.last!)

        // Unavailable behaviour gives zeros; running speed does not.
        XCTAssertEqual(recording.statistics.behaviour.std[0], 0)
        XCTAssertGreaterThan(recording.statistics.behaviour.std[2], 0)
        XCTAssertEqual(recording.statistics.pupilCenter.mean, [0, 0])
    }

    func testChangingTiersChangesStatistics() {
        var recording = makeSmallRecording()
        let before = recording.statistics
        recording.trials.tiers = TierSplit(validationFraction: 0.2, testFraction: 0.2, seed: 99).tiers(for: recording.trials)
        recording.recomputeStatistics()
        XCTAssertEqual(recording.statistics, Statistics.compute(for: recording))
        if recording.trials.tiers != makeSmallRecording().trials.tiers {
            XCTAssertNotEqual(recording.statistics, before)
        }
    }
}
