import XCTest
@testable import TrainingSet

/// `Simulator.simulateContainer`: three sessions of the same simulated neurons, overlapping cells.
final class SimulatedContainerTests: XCTestCase {
    func testThreeSessionsOfTheSameNeuronsWithHeldOutImagesOnlyInB() throws {
        var options = SimulationOptions()
        options.neurons = 9
        options.images = 10
        options.repeats = 4
        options.imageHeight = 16
        options.imageWidth = 16
        options.seed = 3
        let container = try Simulator.simulateContainer(options)
        let single = try Simulator.simulate(options)

        XCTAssertEqual(container.sessions.map(\.sessionType), ["three_session_A", "three_session_B", "three_session_C"])
        for (k, session) in container.sessions.enumerated() {
            XCTAssertEqual(session.recorded, (0..<9).map { $0 % 4 != k + 1 })
        }
        // Each session shows its own 10 images (B also the blank) `repeats` times.
        XCTAssertEqual(container.images.count, 31)
        for k in 0..<3 {
            let trials = (0..<container.trials.count).filter { container.trials.sessionIndex[$0] == Int32(k) }
            XCTAssertEqual(trials.count, k == 1 ? 4 * 11 : 4 * 10)
            let images = Set(trials.map { container.trials.imageIndex[$0] })
            XCTAssertEqual(images.count, k == 1 ? 11 : 10)
            if k != 1 { XCTAssertTrue(trials.allSatisfy { container.trials.tiers[$0] == .train }) }
        }
        let heldOut = container.trials.indices(in: .test) + container.trials.indices(in: .validation)
        XCTAssertFalse(heldOut.isEmpty)
        XCTAssertTrue(heldOut.allSatisfy { container.trials.sessionIndex[$0] == 1 })
        // The same neurons: identical ids and receptive fields to a single session of the same seed.
        XCTAssertEqual(container.neurons.ids, single.neurons.ids)
        XCTAssertEqual(container.groundTruth?.receptiveFieldSizes, single.groundTruth?.receptiveFieldSizes)
        // It is a valid training set: written and read back unchanged.
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try container.write(to: folder.appendingPathComponent("c.h5").path)
        XCTAssertEqual(try Recording.read(from: folder.appendingPathComponent("c.h5").path), container)
    }
}
