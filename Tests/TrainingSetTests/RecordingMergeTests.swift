import XCTest
@testable import TrainingSet

/// Sessions of one experiment container merged into one recording: the union of their neurons, a
/// per-session recorded mask, one image per stimulus across sessions.
final class RecordingMergeTests: XCTestCase {
    /// A simulated session cut in three "sessions" of the same neurons: trials split in thirds, each
    /// keeping the neurons `kept[k]` (columns of the simulation).
    static let kept = [[0, 2, 3, 4], [0, 1, 3, 5], [0, 1, 2, 4, 5]]

    static func sessions() throws -> (whole: Recording, parts: [Recording]) {
        var options = SimulationOptions()
        options.neurons = 6
        options.images = 12
        options.repeats = 6
        options.imageHeight = 16
        options.imageWidth = 16
        options.seed = 5
        let whole = try Simulator.simulate(options)
        let third = whole.trials.count / 3
        let parts = kept.enumerated().map { k, cells in
            whole.session(trials: Array((k * third)..<((k + 1) * third)), neurons: cells, experimentID: "50155900\(k)",
                          sessionType: ["three_session_A", "three_session_B", "three_session_C"][k])
        }
        return (whole, parts)
    }

    func testTheUnionOfNeuronsWithEachSessionsMaskAndResponses() throws {
        let (whole, parts) = try Self.sessions()
        let merged = try Recording.mergingSessions(parts, names: ["a.h5", "b.h5", "c.h5"], experimentID: "container_1")
        XCTAssertEqual(merged.neurons.ids, whole.neurons.ids)
        XCTAssertEqual(merged.sessions.map(\.experimentID), ["501559000", "501559001", "501559002"])
        for (k, cells) in Self.kept.enumerated() {
            XCTAssertEqual(merged.sessions[k].recorded, (0..<6).map(cells.contains))
        }
        XCTAssertEqual(merged.trials.count, whole.trials.count / 3 * 3)
        XCTAssertFalse(merged.recordsEveryNeuronOnEveryTrial)
        // Every trial as in the simulation where recorded, 0 where not; the images are stored once.
        XCTAssertEqual(merged.images.count, whole.images.count)
        for trial in 0..<merged.trials.count {
            let k = Int(merged.trials.sessionIndex[trial])
            XCTAssertEqual(merged.images.image(Int(merged.trials.imageIndex[trial])), whole.images.image(Int(whole.trials.imageIndex[trial])))
            XCTAssertEqual(merged.trials.tiers[trial], whole.trials.tiers[trial])
            for neuron in 0..<6 {
                XCTAssertEqual(merged.isRecorded(trial: trial, neuron: neuron), Self.kept[k].contains(neuron))
                XCTAssertEqual(merged.trials.responses[trial, neuron],
                               merged.isRecorded(trial: trial, neuron: neuron) ? whole.trials.responses[trial, neuron] : 0)
                XCTAssertEqual(merged.groundTruth!.noiselessResponses[trial, neuron],
                               merged.isRecorded(trial: trial, neuron: neuron) ? whole.groundTruth!.noiselessResponses[trial, neuron] : 0)
            }
        }
        // Statistics of a neuron: over the training trials of the sessions that recorded it.
        let neuron1 = merged.trials.indices(in: .train).filter { merged.isRecorded(trial: $0, neuron: 1) }
            .map { Double(merged.trials.responses[$0, 1]) }
        XCTAssertEqual(Double(merged.statistics.responses.mean[1]), neuron1.reduce(0, +) / Double(neuron1.count), accuracy: 1e-5)

        let folder = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("container.h5").path
        try merged.write(to: path)
        XCTAssertEqual(try Recording.read(from: path), merged)
    }

    func testTheSameStimulusInTwoTiersIsRefusedNamingBothFiles() throws {
        var (_, parts) = try Self.sessions()
        let trial = parts[2].trials.indices(in: .test).first!
        let image = parts[2].trials.imageIndex[trial]
        for t in 0..<parts[2].trials.count where parts[2].trials.imageIndex[t] == image { parts[2].trials.tiers[t] = .train }
        XCTAssertThrowsError(try Recording.mergingSessions(parts, names: ["a.h5", "b.h5", "c.h5"], experimentID: "container_1")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("natural_scenes frame \(parts[2].trials.stimulusFrame[trial]) is in the test tier of"), text)
            XCTAssertTrue(text.contains("but the train tier of c.h5"), text)
        }
    }

    func testImagesOfAnotherSizeAreRefused() throws {
        var (_, parts) = try Self.sessions()
        parts[1].images = ImageStack(count: parts[1].images.count, height: 8, width: 32, pixels: parts[1].images.pixels)
        XCTAssertThrowsError(try Recording.mergingSessions(parts, names: ["a.h5", "b.h5", "c.h5"], experimentID: "container_1")) { error in
            XCTAssertTrue("\(error)".contains("b.h5 has 8x32 images, a.h5 16x16"), "\(error)")
        }
    }
}
