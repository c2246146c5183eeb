import Metrics
import XCTest
@testable import TrainingSet

/// `Simulator.simulateContainer`: three sessions of the same simulated neurons, overlapping cells.
final class SimulatedContainerTests: XCTestCase {
    func testBIsTheSingleSessionAndAAndCAddOtherImagesOfTheSameNeurons() throws {
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
        XCTAssertEqual(container.sessions[0].recorded, (0..<9).map { $0 % 4 != 1 })
        XCTAssertEqual(container.sessions[1].recorded, [Bool](repeating: true, count: 9))
        XCTAssertEqual(container.sessions[2].recorded, (0..<9).map { $0 % 4 != 3 })
        // B is the single session itself: same trials, images, tiers and responses.
        let b = (0..<container.trials.count).filter { container.trials.sessionIndex[$0] == 1 }
        XCTAssertEqual(b.count, single.trials.count)
        for (row, trial) in b.enumerated() {
            XCTAssertEqual(container.images.image(Int(container.trials.imageIndex[trial])), single.images.image(Int(single.trials.imageIndex[row])))
            XCTAssertEqual(container.trials.tiers[trial], single.trials.tiers[row])
            XCTAssertEqual(container.trials.responses.values[(trial * 9)..<(trial * 9 + 9)], single.trials.responses.values[(row * 9)..<(row * 9 + 9)])
        }
        // A and C each show 10 other images 4 times, all training trials.
        XCTAssertEqual(container.images.count, 31)
        for k in [0, 2] {
            let trials = (0..<container.trials.count).filter { container.trials.sessionIndex[$0] == Int32(k) }
            XCTAssertEqual(trials.count, 40)
            XCTAssertEqual(Set(trials.map { container.trials.imageIndex[$0] }).count, 10)
            XCTAssertTrue(trials.allSatisfy { container.trials.tiers[$0] == .train })
            XCTAssertTrue(Set(trials.map { container.trials.imageIndex[$0] }).isDisjoint(with: b.map { container.trials.imageIndex[$0] }))
        }
        XCTAssertEqual(container.trials.indices(in: .test).count, single.trials.indices(in: .test).count)
        // The same neurons: identical ids and receptive fields to the single session.
        XCTAssertEqual(container.neurons.ids, single.neurons.ids)
        XCTAssertEqual(container.groundTruth?.receptiveFieldSizes, single.groundTruth?.receptiveFieldSizes)
        // It is a valid training set: written and read back unchanged.
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try container.write(to: folder.appendingPathComponent("c.h5").path)
        XCTAssertEqual(try Recording.read(from: folder.appendingPathComponent("c.h5").path), container)
    }

    /// `inspect` of a container: each neuron's noise ceiling over the trials that recorded it.
    func testInspectScoresEachNeuronOnItsRecordedTrials() throws {
        var options = SimulationOptions()
        options.neurons = 8
        options.images = 12
        options.repeats = 4
        options.imageHeight = 16
        options.imageWidth = 16
        let container = try Simulator.simulateContainer(options)
        let report = RecordingReport(recording: container, path: "c.h5")
        // Neuron 1 (not in A) by hand over the natural trials of B and C.
        let rows = (0..<container.trials.count).filter { !container.trials.isBlank($0) && container.isRecorded(trial: $0, neuron: 1) }
        XCTAssertEqual(Set(rows.map { container.trials.sessionIndex[$0] }), [1, 2])
        let byHand = oracleCorrelation(targets: rows.map { container.trials.responses[$0, 1] }, neurons: 1,
                                       imageIDs: rows.map { Int(container.trials.imageIndex[$0]) })[0]
        XCTAssertEqual(report.oracle[1], byHand, accuracy: 1e-12)
        XCTAssertTrue(report.text.contains("three_session_A, 6 of 8 neurons"), report.text)
    }
}
