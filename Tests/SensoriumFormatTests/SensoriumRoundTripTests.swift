import Foundation
import NumPyFormat
import SensoriumFormat
import TrainingSet
import XCTest

final class SensoriumRoundTripTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sensorium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    let trials = 30, neurons = 4, height = 6, width = 8

    func tier(_ trial: Int) -> String {
        trial >= 28 ? "final_test" : ["train", "train", "train", "validation", "test"][trial % 5]
    }

    /// Image id of a trial: 10 images, each repeated; trial t shows image t % 10.
    func imageID(_ trial: Int) -> Int { trial % 10 }

    func pixel(_ image: Int, _ index: Int, channel: Int = 0) -> Float { Float((image * 23 + index * 7 + channel * 40) % 256) }

    /// Writes a mouse folder in the Sensorium 2022 layout; `channels` 2 makes Franke-style colour images.
    func writeMouse(_ mouse: URL, channels: Int = 1, behaviour: Bool = true) throws {
        func write(_ array: NpyArray, _ path: String) throws {
            let url = mouse.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try NpyFile.write(array, to: url)
        }
        for trial in 0..<trials {
            let pixels = (0..<channels).flatMap { c in (0..<(height * width)).map { pixel(imageID(trial), $0, channel: c) } }
            try write(NpyArray(pixels, shape: [channels, height, width]), "data/images/\(trial).npy")
            try write(NpyArray((0..<neurons).map { Float(trial * 10 + $0) / 7 }), "data/responses/\(trial).npy")
            let running = Float(trial % 4)
            try write(NpyArray(behaviour ? [Float(trial) + 0.5, Float(trial % 3) - 1, running] : [0, 0, running]),
                      "data/behavior/\(trial).npy")
            try write(NpyArray([Float(trial) / 3, -Float(trial) / 5]), "data/pupil_center/\(trial).npy")
        }
        try write(NpyArray([Int64]([11, 12, 13, 14])), "meta/neurons/unit_ids.npy")
        try write(NpyArray([Int64](repeating: 21067, count: neurons)), "meta/neurons/animal_ids.npy")
        try write(NpyArray((0..<(neurons * 3)).map { Float($0) * 1.5 }, shape: [neurons, 3]), "meta/neurons/cell_motor_coordinates.npy")
        try write(NpyArray(unicode: (0..<trials).map(tier)), "meta/trials/tiers.npy")
        try write(NpyArray((0..<trials).map { Int64(imageID($0) + 1000) }),
                  channels == 1 ? "meta/trials/frame_image_id.npy" : "meta/trials/colorframeprojector_image_id.npy")
        try write(NpyArray((0..<trials).map { Int64($0) }), "meta/trials/trial_idx.npy")
    }

    func testImportKeepsEveryValueAndStoresImagesOnce() throws {
        let mouse = folder.appendingPathComponent("static21067")
        try writeMouse(mouse)
        let (recording, report) = try SensoriumImporter.load(mouse)
        XCTAssertEqual(report.trialsKept, 28)
        XCTAssertEqual(report.distinctImages, 10)
        XCTAssertTrue(report.summary.contains("left out 2 final_test trials"), report.summary)
        XCTAssertEqual(recording.trials.count, 28)
        for trial in [0, 9, 17, 27] {
            XCTAssertEqual(Array(recording.images.image(Int(recording.trials.imageIndex[trial]))),
                           (0..<48).map { UInt8(pixel(imageID(trial), $0)) })
            XCTAssertEqual(recording.trials.stimulusFrame[trial], Int32(imageID(trial) + 1000))
            XCTAssertEqual(Array(recording.trials.responses.row(trial)), (0..<neurons).map { Float(trial * 10 + $0) / 7 })
            XCTAssertEqual(Array(recording.trials.behaviour.row(trial)), [Float(trial) + 0.5, Float(trial % 3) - 1, Float(trial % 4)])
            XCTAssertEqual(Array(recording.trials.pupilCenter.row(trial)), [Float(trial) / 3, -Float(trial) / 5])
            XCTAssertEqual(recording.trials.tiers[trial].description, tier(trial))
        }
        XCTAssertEqual(recording.neurons.ids, [11, 12, 13, 14])
        XCTAssertEqual(recording.neurons.positions[3, 2], 16.5)
        XCTAssertEqual(recording.trials.behaviourAvailable, [true, true, true])
        XCTAssertEqual(recording.metadata.source, .sensorium)
    }

    func testColourImagesAreAveragedToGray() throws {
        let mouse = folder.appendingPathComponent("franke")
        try writeMouse(mouse, channels: 2)
        let (recording, report) = try SensoriumImporter.load(mouse)
        let expected = (0..<48).map { UInt8(((pixel(3, $0) + pixel(3, $0, channel: 1)) / 2).rounded()) }
        XCTAssertEqual(Array(recording.images.image(Int(recording.trials.imageIndex[3]))), expected)
        XCTAssertEqual(recording.trials.stimulusFrame[3], 1003)
        XCTAssertTrue(report.notes.contains { $0.contains("averaging their channels") })
    }

    /// Sensorium -> training set -> Sensorium -> training set -> Sensorium: the two exports are identical
    /// file for file, and the second import equals the first.
    func testExportImportRoundTripPreservesEveryArray() throws {
        let mouse = folder.appendingPathComponent("mouse")
        try writeMouse(mouse, behaviour: false)
        let first = try SensoriumImporter.load(mouse).0
        XCTAssertEqual(first.trials.behaviourAvailable, [false, false, true])
        let exportA = folder.appendingPathComponent("a"), exportB = folder.appendingPathComponent("b")
        let notes = try SensoriumExporter.write(first, to: exportA)
        XCTAssertEqual(notes, ["std of pupil_size, pupil_size_derivative is 0 (constant); written as 1"])
        let second = try SensoriumImporter.load(exportA).0
        XCTAssertEqual(second.trials.responses, first.trials.responses)
        XCTAssertEqual(second.trials.behaviour, first.trials.behaviour)
        XCTAssertEqual(second.trials.behaviourAvailable, first.trials.behaviourAvailable)
        XCTAssertEqual(second.trials.pupilCenter, first.trials.pupilCenter)
        XCTAssertEqual(second.trials.tiers, first.trials.tiers)
        XCTAssertEqual(second.trials.stimulusFrame, first.trials.stimulusFrame)
        XCTAssertEqual(second.images, first.images)
        XCTAssertEqual(second.trials.imageIndex, first.trials.imageIndex)
        XCTAssertEqual(second.neurons.ids, first.neurons.ids)
        XCTAssertEqual(second.neurons.positions, first.neurons.positions)
        try SensoriumExporter.write(second, to: exportB)
        let names = try XCTUnwrap(FileManager.default.enumerator(atPath: exportA.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".npy") }.sorted()
        XCTAssertEqual(names.count, 28 * 4 + 6 + 20)
        for name in names {
            XCTAssertEqual(try Data(contentsOf: exportA.appendingPathComponent(name)),
                           try Data(contentsOf: exportB.appendingPathComponent(name)), name)
        }
        let std = try NpyFile.read(exportA.appendingPathComponent("meta/statistics/behavior/all/std.npy")).floats()
        XCTAssertEqual(Array(std[0...1]), [1, 1])
        let image = try NpyFile.read(exportA.appendingPathComponent("data/images/5.npy"))
        XCTAssertEqual(image.shape, [1, height, width])
        XCTAssertEqual(try NpyFile.read(exportA.appendingPathComponent("meta/trials/tiers.npy")).elements,
                       .unicode((0..<28).map(tier), width: 10))
    }

    func testRefusals() throws {
        let mouse = folder.appendingPathComponent("bad")
        try writeMouse(mouse)
        try NpyFile.write(NpyArray([Float](repeating: 300, count: 48), shape: [1, 6, 8]), to: mouse.appendingPathComponent("data/images/4.npy"))
        XCTAssertThrowsError(try SensoriumImporter.load(mouse)) { error in
            XCTAssertTrue("\(error)".contains("images/4.npy: holds 300.0, outside the 0...255"), "\(error)")
        }
        try FileManager.default.removeItem(at: mouse.appendingPathComponent("data/images/4.npy"))
        XCTAssertThrowsError(try SensoriumImporter.load(mouse)) { error in
            XCTAssertTrue("\(error)".contains("data/images/4.npy: is missing"), "\(error)")
        }
        try NpyFile.write(NpyArray(unicode: ["holdout"]), to: mouse.appendingPathComponent("meta/trials/tiers.npy"))
        let nonEmpty = folder.appendingPathComponent("full")
        try FileManager.default.createDirectory(at: nonEmpty, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: nonEmpty.appendingPathComponent("x"))
        let good = folder.appendingPathComponent("good")
        try writeMouse(good)
        let recording = try SensoriumImporter.load(good).0
        XCTAssertThrowsError(try SensoriumExporter.write(recording, to: nonEmpty)) { error in
            XCTAssertTrue("\(error)".contains("exists and is not empty"), "\(error)")
        }
    }
}
