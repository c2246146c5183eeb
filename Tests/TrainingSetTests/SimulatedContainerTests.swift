import Metrics
import XCTest
@testable import TrainingSet

/// `Simulator.simulateContainer`: three sessions of the same simulated neurons, overlapping cells.
final class SimulatedContainerTests: XCTestCase {
    func testBIsTheSingleSessionAndAAndCShowTheirMoviesToTheSameNeurons() throws {
        var options = SimulationOptions()
        options.neurons = 9
        options.images = 10
        options.repeats = 4
        options.imageHeight = 16
        options.imageWidth = 16
        options.seed = 3
        (options.movieFrames, options.movieRepeats, options.movieFrameStep) = (60, 2, 5)
        let container = try Simulator.simulateContainer(options)
        let single = try Simulator.simulate(options)

        XCTAssertEqual(container.sessions.map(\.sessionType), ["three_session_A", "three_session_B", "three_session_C"])
        XCTAssertEqual(container.sessions[0].recorded, (0..<9).map { $0 % 4 != 1 })
        XCTAssertEqual(container.sessions[1].recorded, [Bool](repeating: true, count: 9))
        XCTAssertEqual(container.sessions[2].recorded, (0..<9).map { $0 % 4 != 3 })
        // B is the single session itself, its scenes and movie one: same trials, images, tiers and responses.
        let trials = container.trials
        let b = (0..<trials.count).filter { trials.sessionIndex[$0] == 1 }
        XCTAssertEqual(b.count, single.trials.count)
        for (row, trial) in b.enumerated() {
            XCTAssertEqual(container.images.image(Int(trials.imageIndex[trial])), single.images.image(Int(single.trials.imageIndex[row])))
            XCTAssertEqual(trials.stimulusKind(of: trial), single.trials.stimulusKind(of: row))
            XCTAssertEqual(trials.tiers[trial], single.trials.tiers[row])
            XCTAssertEqual(trials.responses.values[(trial * 9)..<(trial * 9 + 9)], single.trials.responses.values[(row * 9)..<(row * 9 + 9)])
        }
        // A shows movies one and three, C one and two, and neither natural scenes.
        func kinds(ofSession k: Int32) -> Set<String> {
            Set((0..<trials.count).filter { trials.sessionIndex[$0] == k }.map { trials.stimulusKind(of: $0).name })
        }
        XCTAssertEqual(kinds(ofSession: 0), ["natural_movie_one", "natural_movie_three"])
        XCTAssertEqual(kinds(ofSession: 2), ["natural_movie_one", "natural_movie_two"])
        // Movie one is one image per frame across the sessions, in one tier; each session its own trials.
        let movieOne = (0..<trials.count).filter { trials.stimulusKind(of: $0).name == "natural_movie_one" }
        var sessionsOfImage = [Int32: Set<Int32>](), tiersOfImage = [Int32: Set<Tier>]()
        for trial in movieOne {
            sessionsOfImage[trials.imageIndex[trial], default: []].insert(trials.sessionIndex[trial])
            tiersOfImage[trials.imageIndex[trial], default: []].insert(trials.tiers[trial])
        }
        XCTAssertTrue(sessionsOfImage.values.allSatisfy { $0 == [0, 1, 2] }, "\(sessionsOfImage)")
        XCTAssertTrue(tiersOfImage.values.allSatisfy { $0.count == 1 }, "\(tiersOfImage)")
        let responsesOf = { (k: Int32) in movieOne.filter { trials.sessionIndex[$0] == k }.map { trials.responses[$0, 0] } }
        XCTAssertNotEqual(responsesOf(0), responsesOf(1))
        // Movie three is four times movie one's 60 frames; its own images, kept frames up to 235.
        let three = (0..<trials.count).filter { trials.stimulusKind(of: $0).name == "natural_movie_three" }
        XCTAssertEqual(three.map { trials.stimulusFrame[$0] }.max(), 235)
        XCTAssertTrue(Set(three.map { trials.imageIndex[$0] }).isDisjoint(with: movieOne.map { trials.imageIndex[$0] }))
        XCTAssertEqual(container.images.count, Set(trials.imageIndex).count)
        // The held-out scenes are B's, and the neurons those of the single session.
        let scenesTest = { (recording: Recording) in
            recording.trials.indices(in: .test).filter { !recording.trials.stimulusKind(of: $0).isMovie }.count
        }
        XCTAssertEqual(scenesTest(container), scenesTest(single))
        XCTAssertEqual(container.neurons.ids, single.neurons.ids)
        XCTAssertEqual(container.groundTruth?.receptiveFieldSizes, single.groundTruth?.receptiveFieldSizes)
        // It is a valid training set: written and read back unchanged.
        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try container.write(to: folder.appendingPathComponent("c.h5").path)
        XCTAssertEqual(try Recording.read(from: folder.appendingPathComponent("c.h5").path), container)

        options.movieFrames = 0
        XCTAssertThrowsError(try Simulator.simulateContainer(options)) { error in
            XCTAssertEqual((error as? SimulationOptionsError)?.flag, "--movie-frames")
        }
    }

    /// `inspect` of a container: each neuron's noise ceiling over the trials that recorded it.
    func testInspectScoresEachNeuronOnItsRecordedTrials() throws {
        var options = SimulationOptions()
        options.neurons = 8
        options.images = 12
        options.repeats = 4
        options.imageHeight = 16
        options.imageWidth = 16
        (options.movieFrames, options.movieRepeats) = (60, 2)
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
