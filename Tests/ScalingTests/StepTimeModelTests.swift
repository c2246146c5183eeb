import XCTest
@testable import Scaling

/// The ring-allreduce cost, its fit to timings, and the step-time model, against hand computations.
final class StepTimeModelTests: XCTestCase {
    func testRingAllreduceCostByHand() {
        let ring = RingAllreduce(latency: 5e-6, bandwidth: 1e9)
        XCTAssertEqual(ring.seconds(bytes: 1_000_000, ranks: 1), 0, "one rank sends nothing")
        // N = 4: 2 * 3 * 5 µs + 2 * 3 / 4 * 1 MB / (1 GB/s) = 30 µs + 1.5 ms.
        XCTAssertEqual(ring.seconds(bytes: 1_000_000, ranks: 4), 1.53e-3, accuracy: 1e-12)
        // N = 2: 2 * 5 µs + 1 MB / (1 GB/s).
        XCTAssertEqual(ring.seconds(bytes: 1_000_000, ranks: 2), 1.01e-3, accuracy: 1e-12)
    }

    func testFitRecoversLatencyAndBandwidthOfModelTimings() throws {
        for ranks in [2, 3, 8] {
            let truth = RingAllreduce(latency: 3e-6, bandwidth: 4.5e9)
            let timings = AllreduceBenchmark.sizes(maxBytes: 64 << 20).map {
                AllreduceTiming(ranks: ranks, bytes: $0, seconds: truth.seconds(bytes: $0, ranks: ranks))
            }
            let fit = try RingAllreduce.fit(timings)
            XCTAssertEqual(fit.latency, truth.latency, accuracy: 1e-9 * truth.latency, "\(ranks) ranks")
            XCTAssertEqual(fit.bandwidth, truth.bandwidth, accuracy: 1e-9 * truth.bandwidth, "\(ranks) ranks")
        }
    }

    /// Timings with 20% noise on alternate sizes still give latency and bandwidth within 25%: the
    /// 1/t^2 weights keep the microsecond timings from being drowned by the millisecond ones.
    func testFitOfNoisyTimingsKeepsBothTerms() throws {
        let truth = RingAllreduce(latency: 2e-6, bandwidth: 2e9)
        let timings = AllreduceBenchmark.sizes().enumerated().map { index, bytes in
            AllreduceTiming(ranks: 2, bytes: bytes, seconds: truth.seconds(bytes: bytes, ranks: 2) * (index % 2 == 0 ? 1.2 : 0.8))
        }
        let fit = try RingAllreduce.fit(timings)
        XCTAssertEqual(fit.latency / truth.latency, 1, accuracy: 0.25)
        XCTAssertEqual(fit.bandwidth / truth.bandwidth, 1, accuracy: 0.25)
    }

    func testFitRefusesTimingsThatCannotSeparateTheTerms() {
        let one = [AllreduceTiming(ranks: 1, bytes: 4, seconds: 1e-6), AllreduceTiming(ranks: 1, bytes: 1024, seconds: 2e-6)]
        XCTAssertThrowsError(try RingAllreduce.fit(one)) { XCTAssertTrue("\($0)".contains("mpirun -np 2 or more"), "\($0)") }
        let oneSize = [AllreduceTiming(ranks: 2, bytes: 4, seconds: 1e-6), AllreduceTiming(ranks: 2, bytes: 4, seconds: 2e-6)]
        XCTAssertThrowsError(try RingAllreduce.fit(oneSize)) { XCTAssertTrue("\($0)".contains("two buffer sizes"), "\($0)") }
        let mixed = [AllreduceTiming(ranks: 2, bytes: 4, seconds: 1e-6), AllreduceTiming(ranks: 3, bytes: 1024, seconds: 2e-6)]
        XCTAssertThrowsError(try RingAllreduce.fit(mixed)) { XCTAssertTrue("\($0)".contains("one number of ranks"), "\($0)") }
        let shrinking = [AllreduceTiming(ranks: 2, bytes: 4, seconds: 1e-3), AllreduceTiming(ranks: 2, bytes: 1 << 20, seconds: 1e-6)]
        XCTAssertThrowsError(try RingAllreduce.fit(shrinking)) { XCTAssertTrue("\($0)".contains("do not grow"), "\($0)") }
    }

    func testTimingsCSVRoundTripsAndRejectsJunk() throws {
        let timings = [AllreduceTiming(ranks: 2, bytes: 4, seconds: 1.5e-6), AllreduceTiming(ranks: 2, bytes: 4096, seconds: 2.25e-5)]
        let csv = ([AllreduceTiming.csvHeader] + timings.map(\.csvLine)).joined(separator: "\n") + "\n"
        XCTAssertEqual(try AllreduceTiming.parse(csv: csv, source: "t.csv"), timings)
        XCTAssertThrowsError(try AllreduceTiming.parse(csv: "bytes,seconds\n4,1\n", source: "t.csv")) {
            XCTAssertTrue("\($0)".contains("scaling allreduce"), "\($0)")
        }
        XCTAssertThrowsError(try AllreduceTiming.parse(csv: AllreduceTiming.csvHeader + "\n2,4,-1\n", source: "t.csv")) {
            XCTAssertTrue("\($0)".contains("t.csv line 2"), "\($0)")
        }
    }

    func testBenchmarkSizesGrowByFourUpToTheLimit() {
        XCTAssertEqual(AllreduceBenchmark.sizes(maxBytes: 1024), [4, 16, 64, 256, 1024])
        XCTAssertEqual(AllreduceBenchmark.sizes().last, 64 << 20)
    }

    /// B = 16 on 3 ranks: shares of 6, 5, 5, so the step takes 6 trials' compute.
    func testStepTimeByHand() {
        let ring = RingAllreduce(latency: 1e-5, bandwidth: 1e9)
        let model = StepTimeModel(computeSecondsPerSample: 0.01, parameters: 250_000, allreduce: ring)
        let step = model.step(ranks: 3, globalBatch: 16)
        XCTAssertEqual(step.computeSeconds, 0.06, accuracy: 1e-12)
        // Gradients 1 MB, loss sums 16 B, stop check 8 B: three ring allreduces over 3 ranks.
        let ringSeconds = { (bytes: Double) in 4 * 1e-5 + 4.0 / 3 * bytes / 1e9 }
        XCTAssertEqual(step.allreduceSeconds, ringSeconds(1e6) + ringSeconds(16) + ringSeconds(8), accuracy: 1e-15)
        XCTAssertEqual(step.samplesPerSecond, 16 / (step.computeSeconds + step.allreduceSeconds), accuracy: 1e-9)
        XCTAssertEqual(model.step(ranks: 1, globalBatch: 16).allreduceSeconds, 0)
    }

    func testProjectionOfFreeCommunicationIsTheShareArithmetic() {
        let model = StepTimeModel(computeSecondsPerSample: 0.5, parameters: 1000, allreduce: RingAllreduce(latency: 0, bandwidth: .infinity))
        let rows = model.projection(ranks: [1, 2, 3, 16, 32], strongBatch: 16, weakBatchPerRank: 8)
        // Strong: speedup B / ceil(B / N); beyond B ranks some have nothing to do.
        XCTAssertEqual(rows.map(\.strongSpeedup), [1, 2, 16.0 / 6, 16, 16])
        XCTAssertEqual(rows.map(\.strongEfficiency), [1, 1, 16.0 / 18, 1, 0.5])
        // Weak: each rank always computes 8 trials, so the speedup is N.
        XCTAssertEqual(rows.map(\.weakSpeedup), [1, 2, 3, 16, 32])
        XCTAssertEqual(rows.map(\.weak.globalBatch), [8, 16, 24, 128, 256])
    }

    /// The gradient allreduce's cost hardly grows with N while each rank's compute shrinks as 1/N:
    /// the strong-scaling share of the allreduce grows several-fold from 2 to 16 ranks, while the
    /// weak one less than doubles (only the 2 (N - 1) / N factor and the latency term grow).
    func testAllreduceShareGrowsFasterInStrongScaling() {
        let model = StepTimeModel(computeSecondsPerSample: 0.01, parameters: 2_500_000, allreduce: RingAllreduce(latency: 5e-6, bandwidth: 1e9))
        let rows = model.projection(ranks: [2, 4, 8, 16], strongBatch: 16, weakBatchPerRank: 8)
        let strong = rows.map(\.strong.allreduceShare), weak = rows.map(\.weak.allreduceShare)
        XCTAssertEqual(strong, strong.sorted())
        XCTAssertGreaterThan(strong.last! / strong.first!, 5)
        XCTAssertLessThan(weak.last! / weak.first!, 2)
    }
}
