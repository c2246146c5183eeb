import Foundation
import XCTest
@testable import Training

final class PlateauScheduleTests: XCTestCase {
    func testReducesAfterPatienceAndStopsAfterMaxReductions() {
        var schedule = PlateauSchedule(patience: 2, factor: 0.3, maxReductions: 2)
        XCTAssertEqual(schedule.record(0.1, epoch: 1), .improved)
        var decisions: [PlateauSchedule.Decision] = []
        for epoch in 2...12 {
            let decision = schedule.record(0.05, epoch: epoch)
            decisions.append(decision)
            if decision == .stop { break }
        }
        // Two stale epochs are tolerated, the third reduces; twice; then the next plateau stops.
        XCTAssertEqual(decisions, [
            .continueTraining, .continueTraining, .restoreBestAndReduce(factor: 0.3),
            .continueTraining, .continueTraining, .restoreBestAndReduce(factor: 0.3),
            .continueTraining, .continueTraining, .stop,
        ])
        XCTAssertEqual(schedule.bestEpoch, 1)
        XCTAssertEqual(schedule.bestValue, 0.1)
    }

    func testImprovementResetsCounts() {
        var schedule = PlateauSchedule(patience: 1, maxReductions: 1)
        _ = schedule.record(0.1, epoch: 1)
        _ = schedule.record(0.0, epoch: 2)
        XCTAssertEqual(schedule.record(0.0, epoch: 3), .restoreBestAndReduce(factor: 0.3))
        XCTAssertEqual(schedule.reductions, 1)
        XCTAssertEqual(schedule.record(0.2, epoch: 4), .improved)
        XCTAssertEqual(schedule.reductions, 0)
        XCTAssertEqual(schedule.staleEpochs, 0)
    }

    func testNaNNeverImprovesAndMinimumEpochsDelayCounting() {
        var schedule = PlateauSchedule(patience: 0, maxReductions: 0, minimumEpochs: 3)
        _ = schedule.record(0.3, epoch: 1)
        XCTAssertEqual(schedule.record(.nan, epoch: 2), .continueTraining)
        XCTAssertEqual(schedule.record(0.1, epoch: 3), .continueTraining)
        XCTAssertEqual(schedule.record(0.1, epoch: 4), .stop)
    }

    func testStateSurvivesEncoding() throws {
        var schedule = PlateauSchedule(patience: 3)
        _ = schedule.record(0.2, epoch: 1)
        _ = schedule.record(0.1, epoch: 2)
        let decoded = try JSONDecoder().decode(PlateauSchedule.self, from: JSONEncoder().encode(schedule))
        XCTAssertEqual(decoded, schedule)
    }
}
