import XCTest
@testable import Training

final class ProgressTests: XCTestCase {
    func testTerminalRewritesInPlaceAndFilesGetALineEveryInterval() {
        var terminal: [String] = []
        let live = ProgressLine(mode: .terminal) { terminal.append($0) }
        live.update("a", now: 10)
        live.update("b", now: 10.1)  // too soon: skipped
        live.update("c", now: 10.6)
        live.clear()
        XCTAssertEqual(terminal, ["\r\u{1B}[Ka", "\r\u{1B}[Kc", "\r\u{1B}[K"])

        var log: [String] = []
        let file = ProgressLine(mode: .every(seconds: 60)) { log.append($0) }
        for second in stride(from: 0.0, through: 130, by: 5) { file.update("at \(Int(second))", now: 1000 + second) }
        file.clear()
        XCTAssertEqual(log, ["at 60\n", "at 120\n"], "a full line once a minute, none at the start, nothing erased")
    }

    func testUnderMPIItWritesLinesWhateverTheTerminal() {
        XCTAssertEqual(ProgressLine.automatic(minutes: 5, environment: ["OMPI_COMM_WORLD_SIZE": "2"]), .every(seconds: 300))
        XCTAssertEqual(ProgressLine.automatic(minutes: 0, environment: ["PMI_SIZE": "4"]), .off)
    }

    func testRunTimeLeftCountsEarlyStoppingAndTheEpochLimit() {
        var schedule = PlateauSchedule(patience: 10, factor: 0.3, maxReductions: 2)
        _ = schedule.record(0.2, epoch: 1)
        // No improvement from epoch 1 on: 11 stale epochs per reduction, 2 reductions, then 11 more to stop.
        XCTAssertEqual(schedule.epochsUntilEarlyStop(after: 1), 33)
        let progress = StepProgress(epoch: 1, epochs: 400, step: 25, stepsPerEpoch: 100, stepsTimed: 25, trialsTimed: 400,
                                    secondsInEpoch: 50, schedule: schedule)
        XCTAssertEqual(progress.samplesPerSecond, 8)
        XCTAssertEqual(progress.epochSecondsLeft, 150)
        XCTAssertEqual(progress.runSecondsLeft.earliest, 150 + 33 * 200)
        XCTAssertEqual(progress.runSecondsLeft.latest, 150 + 399 * 200)
        XCTAssertTrue(progress.line.contains("epoch 1/400  step 25/100  8.0 samples/s  epoch 2m30s left  run 1h52m-22h12m left (early stop - all epochs)"), progress.line)
        XCTAssertEqual(ProgressLine.duration(3 * 3600 + 5 * 60), "3h05m")
        XCTAssertEqual(ProgressLine.duration(.infinity), "?")
    }
}
