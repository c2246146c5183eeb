import AllenNWB
import NumPyFormat
import TrainingSet
import XCTest

/// Converts synthetic sessions written in the Allen layout and checks the numbers against values
/// computed here from the session's own arrays (not through the converter's code).
final class AllenConverterTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("allen-nwb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func written(_ settings: SyntheticAllenSession.Settings = .init(), name: String = "s.nwb") throws -> (SyntheticAllenSession, String) {
        let session = SyntheticAllenSession(settings)
        let path = folder.appendingPathComponent(name).path
        try session.write(to: path)
        return (session, path)
    }

    /// Frames with timestamps in [onset + a, onset + b) for the trial's onset (its first frame's time).
    func windowFrames(_ session: SyntheticAllenSession, trial: Int, _ a: Double = 0, _ b: Double = 0.5) -> [Int] {
        let onset = session.timestamps[session.trialStarts[trial]]
        return session.timestamps.indices.filter { session.timestamps[$0] >= onset + a && session.timestamps[$0] < onset + b }
    }

    func testResponsesAreWindowMeansOfDff() throws {
        let (session, path) = try written()
        let (recording, report) = try AllenConverter.convert(nwb: path)
        // Scene trials come first, in file order; the movie frames follow.
        XCTAssertEqual(recording.trials.indices(selecting: try StimulusSelection(parsing: "scenes")), Array(0..<714))
        XCTAssertEqual(report.trialsKept, recording.trials.count)
        XCTAssertEqual(recording.neurons.count, 5)
        let frames = session.frames
        for trial in [0, 1, 357, 713] {
            let window = windowFrames(session, trial: trial)
            XCTAssertEqual(window.count, 15)  // 0.5 s at 30 Hz
            for cell in 0..<5 {
                let expected = window.map { Double(session.dff[cell * frames + $0]) }.reduce(0, +) / Double(window.count)
                XCTAssertEqual(Double(recording.trials.responses[trial, cell]), expected, accuracy: 1e-6)
            }
        }
        XCTAssertEqual(recording.metadata.responseKind, .dff)
        XCTAssertEqual(recording.metadata.frameRate, 30, accuracy: 1e-6)
        XCTAssertEqual(recording.trials.onsetTimes?[5], session.timestamps[session.trialStarts[5]])
    }

    func testOtherWindowsAndBlockSizesGiveTheSameMeans() throws {
        let (session, path) = try written()
        var small = ConversionOptions(), large = ConversionOptions()
        (small.windowStart, small.windowEnd, small.blockFrames) = (0.11, 0.31, 1)
        (large.windowStart, large.windowEnd, large.blockFrames) = (0.11, 0.31, 1_000_000)
        let a = try AllenConverter.convert(nwb: path, options: small).0
        let b = try AllenConverter.convert(nwb: path, options: large).0
        XCTAssertEqual(a.trials.responses, b.trials.responses)
        // Frames 4...9 after onset (0.133 s to 0.3 s); window edges off the frame times, which float
        // rounding would make ambiguous.
        let window = windowFrames(session, trial: 10, 0.11, 0.31)
        XCTAssertEqual(window, Array((session.trialStarts[10] + 4)...(session.trialStarts[10] + 9)))
        let expected = window.map { Double(session.dff[2 * session.frames + $0]) }.reduce(0, +) / 6
        XCTAssertEqual(Double(a.trials.responses[10, 2]), expected, accuracy: 1e-6)
    }

    func testBlankTrialsShowTheGrayImageAndTiersSplitByImage() throws {
        let (session, path) = try written()
        var scenesOnly = ConversionOptions()
        scenesOnly.includeMovies = false
        let recording = try AllenConverter.convert(nwb: path, options: scenesOnly).0
        XCTAssertEqual(recording.trials.stimulusKinds, [.naturalScenes])
        XCTAssertEqual(recording.images.count, 119)
        XCTAssertTrue(recording.images.image(118).allSatisfy { $0 == 127 })
        for trial in 0..<recording.trials.count {
            let shown = session.trialImages[trial]
            XCTAssertEqual(Int64(recording.trials.stimulusFrame[trial]), shown)
            XCTAssertEqual(recording.trials.imageIndex[trial], shown < 0 ? 118 : Int32(shown))
            if shown < 0 { XCTAssertEqual(recording.trials.tiers[trial], .train) }
        }
        var tierOfImage: [Int32: Tier] = [:]
        for (trial, image) in recording.trials.imageIndex.enumerated() {
            XCTAssertEqual(tierOfImage[image, default: recording.trials.tiers[trial]], recording.trials.tiers[trial])
            tierOfImage[image] = recording.trials.tiers[trial]
        }
        // 10 % of 118 images each for validation and test, by image.
        XCTAssertEqual(tierOfImage.values.filter { $0 == .validation }.count, 12)
        XCTAssertEqual(tierOfImage.values.filter { $0 == .test }.count, 12)
    }

    func testNeuronPositionsAreMaskCentroidsInMicrometres() throws {
        let (session, path) = try written()
        let recording = try AllenConverter.convert(nwb: path).0
        let micrometresPerPixel: Float = 400 / 32
        for cell in 0..<5 {
            let mask = session.mask(cell)
            let on = mask.indices.filter { mask[$0] != 0 }
            let x = Float(on.map { $0 % 32 }.reduce(0, +)) / Float(on.count)
            let y = Float(on.map { $0 / 32 }.reduce(0, +)) / Float(on.count)
            XCTAssertEqual(recording.neurons.positions[cell, 0], x * micrometresPerPixel, accuracy: 1e-4)
            XCTAssertEqual(recording.neurons.positions[cell, 1], y * micrometresPerPixel, accuracy: 1e-4)
            XCTAssertEqual(recording.neurons.positions[cell, 2], 175)
            XCTAssertEqual(recording.neurons.ids[cell], Int64(517_500_000 + cell))
        }
        XCTAssertEqual(recording.metadata.creLine, "Cux2-CreERT2")
        XCTAssertEqual(recording.metadata.area, "VISp")
        XCTAssertEqual(recording.metadata.sessionType, "three_session_B")
        XCTAssertEqual(recording.metadata.experimentID, "501559087")
    }

    func testEventsReplaceDffWhenGiven() throws {
        let (session, path) = try written()
        let events = session.events
        let eventsPath = folder.appendingPathComponent("events.npz")
        try session.writeEvents(to: eventsPath.path)
        let recording = try AllenConverter.convert(nwb: path, events: eventsPath.path).0
        XCTAssertEqual(recording.metadata.responseKind, .events)
        var nonZero = 0
        for trial in stride(from: 0, to: 714, by: 17) {
            let window = windowFrames(session, trial: trial)
            for cell in 0..<5 {
                let expected = window.map { Double(events[cell * session.frames + $0]) }.reduce(0, +) / Double(window.count)
                XCTAssertEqual(Double(recording.trials.responses[trial, cell]), expected, accuracy: 1e-6)
                if expected > 0 { nonZero += 1 }
            }
        }
        XCTAssertGreaterThan(nonZero, 20)

        try NpzWriter.write([("ev", NpyArray(events, shape: [session.frames, 5]))], to: eventsPath)
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path, events: eventsPath.path)) { error in
            XCTAssertTrue("\(error)".contains("events.npz: ev: has shape [6498, 5] but the NWB file has 5 cells x 6498 frames"), "\(error)")
        }
    }

    func testWriteReadAndManifest() throws {
        let (_, path) = try written()
        let recording = try AllenConverter.convert(nwb: path).0
        let output = folder.appendingPathComponent("501559087.h5").path
        try recording.write(to: output)
        let back = try Recording.read(from: output)
        XCTAssertEqual(back.trials, recording.trials)
        XCTAssertEqual(back.images, recording.images)
        var manifest = TrainingSetManifest()
        manifest.upsert(.init(recording: back, file: "501559087.h5", convertedFrom: path))
        manifest.upsert(.init(recording: back, file: "501559087.h5", convertedFrom: path))
        try manifest.write(folder: folder)
        let read = try XCTUnwrap(TrainingSetManifest.read(folder: folder))
        XCTAssertEqual(read, manifest)
        XCTAssertEqual(read.recordings.count, 1)
        XCTAssertEqual(read.recordings[0].trials, recording.trials.count)
        XCTAssertEqual(read.recordings[0].tiers["train"]! + read.recordings[0].tiers["validation"]! + read.recordings[0].tiers["test"]!, recording.trials.count)
        let text = try String(contentsOf: folder.appendingPathComponent("manifest.json"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"experiment_id\" : \"501559087\""), text)
    }
}
