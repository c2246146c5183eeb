import Metrics
import XCTest

final class CorrelationAccumulatorTests: XCTestCase {
    func testHandComputedCorrelationAndConstantNeuron() {
        // Neuron 0: x = [1, 2, 3, 4], y = [2, 4, 5, 9]: Sxy = 11, Sxx = 5, Syy = 26 -> r = 11 / sqrt(130).
        // Neuron 1: constant target -> NaN, counted as 0 in the mean.
        var accumulator = CorrelationAccumulator(neurons: 2)
        accumulator.add(predictions: [1, 0, 2, 1, 3, 2, 4, 3], targets: [2, 7, 4, 7, 5, 7, 9, 7])
        let r = accumulator.correlations()
        XCTAssertEqual(r[0], 11 / 130.0.squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(r[1].isNaN)
        XCTAssertEqual(accumulator.meanCorrelation(), 11 / 130.0.squareRoot() / 2, accuracy: 1e-12)
    }

    func testPartsAddUpToTheWholeAndSurvivePacking() {
        let predictions: [Float] = (0..<60).map { Float(($0 * 37) % 11) - 3 }
        let targets: [Float] = (0..<60).map { Float(($0 * 13) % 7) * 0.5 }
        var whole = CorrelationAccumulator(neurons: 3)
        whole.add(predictions: predictions, targets: targets)
        var first = CorrelationAccumulator(neurons: 3), second = CorrelationAccumulator(neurons: 3)
        first.add(predictions: Array(predictions[..<27]), targets: Array(targets[..<27]))
        second.add(predictions: Array(predictions[27...]), targets: Array(targets[27...]))
        let combined = first + second
        for (a, b) in zip(combined.correlations(), whole.correlations()) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let rebuilt = CorrelationAccumulator(neurons: 3, packed: combined.packed)
        XCTAssertEqual(rebuilt, combined)
        XCTAssertEqual(combined.packed.count, 3 * CorrelationAccumulator.sumsPerNeuron)
        XCTAssertEqual(combined.packed[0], 20)  // n of neuron 0
    }

    func testMeanCountsNaNAsZero() {
        XCTAssertEqual(meanCountingNaNAsZero([0.5, .nan, 0.25, .nan]), 0.1875)
        XCTAssertTrue(meanCountingNaNAsZero([]).isNaN)
    }
}

final class RepeatMetricsTests: XCTestCase {
    // Example worked by hand: one neuron, image A shown twice (responses 1, 3), image B twice (4, 6),
    // in the order A B A B; predictions 2 5 2 4.
    let ids = [0, 1, 0, 1]
    let targets: [Float] = [1, 4, 3, 6]
    let predictions: [Float] = [2, 5, 2, 4]

    func testSingleTrialCorrelationByHand() {
        // Deviations y: -2.5 .5 -.5 2.5; ŷ: -1.25 1.75 -1.25 .75 -> 6.5 / sqrt(13 * 6.75).
        XCTAssertEqual(singleTrialCorrelation(predictions: predictions, targets: targets, neurons: 1)[0],
                       6.5 / (13 * 6.75).squareRoot(), accuracy: 1e-12)
    }

    func testOracleByHand() {
        // Leave-one-out means 3 6 1 4 against 1 4 3 6: deviations give 5 / 13.
        XCTAssertEqual(oracleCorrelation(targets: targets, neurons: 1, imageIDs: ids)[0], 5.0 / 13.0, accuracy: 1e-12)
    }

    func testFEVAndFEVEByHand() {
        // total = var([1 4 3 6], ddof 1) = 13/3; noise = mean(var([1 3]), var([4 6])) = 2;
        // FEV = (13/3 - 2) / (13/3) = 7/13; MSE = (1 + 1 + 1 + 4) / 4 = 1.75; FEVE = 1 + 0.25 / (7/3).
        let result = explainableVariance(predictions: predictions, targets: targets, neurons: 1, imageIDs: ids)
        XCTAssertEqual(result.fev[0], 7.0 / 13.0, accuracy: 1e-12)
        XCTAssertEqual(result.feve[0], 1 + 0.75 / 7, accuracy: 1e-12)
        XCTAssertEqual(result.meanFEVE(), 1 + 0.75 / 7, accuracy: 1e-12)
        XCTAssertTrue(result.meanFEVE(threshold: 0.6).isNaN, "no neuron passes FEV >= 0.6")
    }

    func testNormalizedCorrelationByHand() {
        // Means: responses 2, 5; predictions 2, 4.5 -> CCabs = 1. var(means) = 4.5;
        // noise of the means = mean(2/2, 2/2) = 1 -> SP = 3.5, CCmax = sqrt(3.5 / 4.5).
        let result = normalizedCorrelation(predictions: predictions, targets: targets, neurons: 1, imageIDs: ids)
        XCTAssertEqual(result.absolute[0], 1, accuracy: 1e-12)
        XCTAssertEqual(result.maximum[0], (3.5 / 4.5).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(result.normalized[0], 1 / (3.5 / 4.5).squareRoot(), accuracy: 1e-12)
    }

    /// Three images shown 3, 2 and 3 times in mixed order, two neurons and a constant third; expected
    /// values from an independent numpy implementation of the Sensorium formulas.
    func testUnequalRepeatsAgainstReferenceValues() {
        let ids = [0, 1, 2, 0, 2, 1, 0, 2]
        let targets: [Float] = [1, 2, 5, 3, 1, 5, 0.5, 4, 5, 2, 2.5, 5, 1, 3, 5, 4, 0, 5, 1.5, 2, 5, 0, 3.5, 5]
        let predictions: [Float] = [1.2, 2.1, 1, 3.5, 0.8, 2, 0.2, 3.6, 3, 1.4, 2.4, 4, 0.6, 3.3, 5, 3.2, 0.5, 6,
                                    1.9, 1.7, 7, 0.4, 3.0, 8]
        func check(_ actual: [Double], _ expected: [Double], _ name: String) {
            XCTAssertEqual(actual.count, 3, name)
            for neuron in 0..<2 { XCTAssertEqual(actual[neuron], expected[neuron], accuracy: 1e-6, "\(name) neuron \(neuron)") }
            XCTAssertTrue(actual[2].isNaN, "\(name): a constant neuron has no correlation")
        }
        check(singleTrialCorrelation(predictions: predictions, targets: targets, neurons: 3), [0.9238395119745354, 0.9694884592901647], "single trial")
        check(correlationToAverage(predictions: predictions, targets: targets, neurons: 3, imageIDs: ids), [0.999015263178192, 0.9997086202372827], "to average")
        check(oracleCorrelation(targets: targets, neurons: 3, imageIDs: ids), [0.8233187759829511, 0.8512565307587486], "oracle")
        let variance = explainableVariance(predictions: predictions, targets: targets, neurons: 3, imageIDs: ids)
        check(variance.fev, [0.8114478114478115, 0.8379629629629629], "FEV")
        XCTAssertEqual(variance.feve[0], 1.0702904564315352, accuracy: 1e-6)
        XCTAssertEqual(variance.feve[1], 1.1150552486187846, accuracy: 1e-6)
        XCTAssertEqual(variance.neuronCount(), 2, "the constant neuron has no FEV and is left out")
        XCTAssertEqual(variance.meanFEVE(), (1.0702904564315352 + 1.1150552486187846) / 2, accuracy: 1e-6)
        let cc = normalizedCorrelation(predictions: predictions, targets: targets, neurons: 3, imageIDs: ids)
        check(cc.maximum, [0.9697815168769667, 0.9729960490543679], "CCmax")
        check(cc.normalized, [1.0301446725808594, 1.027453935921812], "CCnorm")
    }

    /// With many images and repeats, the noiseless signal itself should score CCnorm near 1 while its
    /// raw correlation to the noisy average stays below 1: that is what the normalisation is for.
    func testNormalizedCorrelationOfTheTrueSignalIsNearOne() {
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(UInt64(1) << 53)
        }
        func normal() -> Double { (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform()) }
        let images = 400, repeats = 10
        let signal = (0..<images).map { _ in normal() }
        var ids = [Int](), targets = [Float](), predictions = [Float]()
        for _ in 0..<repeats {
            for image in 0..<images {
                ids.append(image)
                predictions.append(Float(signal[image]))
                targets.append(Float(signal[image] + 2 * normal()))  // noise variance 4 vs signal 1
            }
        }
        let cc = normalizedCorrelation(predictions: predictions, targets: targets, neurons: 1, imageIDs: ids)
        XCTAssertLessThan(cc.absolute[0], 0.9)
        XCTAssertEqual(cc.normalized[0], 1, accuracy: 0.05)
        // The oracle of such data is about signal / sqrt((signal + noise) (signal + noise / 9)) ≈ 0.40.
        XCTAssertEqual(oracleCorrelation(targets: targets, neurons: 1, imageIDs: ids)[0], 0.40, accuracy: 0.05)
    }
}
