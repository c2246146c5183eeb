import Foundation
import H5
@testable import TrainingSet
import XCTest

final class RecordingFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try makeScratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes the small recording, lets `edit` damage it with raw HDF5 calls, and returns the read error.
    private func readError(after edit: (H5File) throws -> Void) throws -> TrainingSetError {
        let file = path("edited.h5")
        try makeSmallRecording().write(to: file)
        let editable = try H5File.open(file, mode: .readWrite)
        try edit(editable)
        try editable.close()
        do {
            _ = try Recording.read(from: file)
        } catch let error as TrainingSetError {
            XCTAssertEqual(error.file, file)
            return error
        }
        throw EditedFileWasAccepted()
    }

    /// Thrown (and so failing the test) when a file that should be rejected reads without error.
    private struct EditedFileWasAccepted: Error, CustomStringConvertible {
        var description: String { "reading the edited file should fail" }
    }

    func testEveryFieldSurvivesWriteAndRead() throws {
        for withTruth in [true, false] {
            let recording = makeSmallRecording(groundTruth: withTruth)
            let file = path("round-trip-\(withTruth).h5")
            try recording.write(to: file)
            let read = try Recording.read(from: file)
            XCTAssertEqual(read, recording)
            XCTAssertEqual(read.groundTruth != nil, withTruth)
            XCTAssertEqual(read.trials.behaviourAvailable, [false, false, true])
            XCTAssertEqual(read.neurons.areas, ["VISp", "VISp", "VISl"])
            XCTAssertEqual(read.metadata.formatVersion, Recording.formatVersion)
        }
    }

    func testOptionalFieldsMayBeAbsent() throws {
        var recording = makeSmallRecording(groundTruth: false)
        recording.trials.onsetTimes = nil
        recording.neurons.areas = nil
        try recording.write(to: path("bare.h5"))
        let read = try Recording.read(from: path("bare.h5"))
        XCTAssertNil(read.trials.onsetTimes)
        XCTAssertNil(read.neurons.areas)
        XCTAssertEqual(read, recording)
    }

    func testTruncatedFileIsRejected() throws {
        let file = path("cut.h5")
        try makeSmallRecording().write(to: file)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! UInt64
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.truncate(atOffset: size / 2)
        try handle.close()
        XCTAssertThrowsError(try Recording.read(from: file)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(file): /: cannot be opened"), text)
            XCTAssertTrue(text.contains("truncated"), text)
            XCTAssertTrue(text.contains("v1t-dist convert"), text)
        }
    }

    func testNonHDF5FileIsRejected() throws {
        let file = path("notes.h5")
        try "responses,neuron\n1,2\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Recording.read(from: file)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(file): /: cannot be opened: not an HDF5 file"), "\(error)")
        }
    }

    func testOtherHDF5FilesAreToldApart() throws {
        let file = path("other.h5")
        let other = try H5File.create(file)
        try other.write([1, 2] as [Float], to: "processing/data")
        try other.close()
        XCTAssertThrowsError(try Recording.read(from: file)) { error in
            XCTAssertEqual((error as? TrainingSetError)?.field, "/@format")
            XCTAssertTrue("\(error)".contains("not a VITA training set"), "\(error)")
        }
    }

    func testWrongFormatVersionIsRejected() throws {
        let error = try readError { try $0.setAttribute("format_version", Int64(Recording.formatVersion + 1)) }
        XCTAssertEqual(error.field, "/@format_version")
        XCTAssertTrue(error.problem.contains("format version \(Recording.formatVersion + 1)"), error.problem)
        XCTAssertTrue(error.remedy.contains("with this version of v1t-dist"), error.remedy)
    }

    func testNaNResponseIsRejected() throws {
        var responses = makeSmallRecording().trials.responses
        responses[4, 1] = .nan
        let error = try readError { try $0.dataset("trials/responses").overwrite(with: responses.values) }
        XCTAssertEqual(error.field, "/trials/responses")
        XCTAssertTrue(error.problem.contains("row 4, neuron 1 is nan"), error.problem)
    }

    func testTrialPointingAtMissingImageIsRejected() throws {
        var indices = makeSmallRecording().trials.imageIndex
        indices[7] = 6  // the stack holds images 0..<6
        let error = try readError { try $0.dataset("trials/image_index").overwrite(with: indices) }
        XCTAssertEqual(error.field, "/trials/image_index")
        XCTAssertTrue(error.problem.contains("trial 7 points at image 6"), error.problem)
        XCTAssertTrue(error.remedy.hasPrefix("The file is inconsistent: regenerate"), error.remedy)
    }

    func testMismatchedNeuronCountsAreRejected() throws {
        let error = try readError { file in
            try file.remove("neurons/id")
            try file.write([1, 2, 3, 4] as [Int64], to: "neurons/id")
        }
        XCTAssertEqual(error.field, "/trials/responses")
        XCTAssertTrue(error.problem.hasPrefix("neuron counts disagree: /neurons/id has 4, /trials/responses has 3"), error.problem)
    }

    func testEmptyTrainingTierIsRejected() throws {
        let tiers = makeSmallRecording().trials.tiers.map { $0 == .train ? Tier.validation.rawValue : $0.rawValue }
        let error = try readError { try $0.dataset("trials/tier").overwrite(with: tiers) }
        XCTAssertEqual(error.field, "/trials/tier")
        XCTAssertTrue(error.problem.contains("the train tier has no trials"), error.problem)
    }

    func testWrongDatasetTypeIsRejected() throws {
        let error = try readError { file in
            try file.remove("trials/responses")
            try file.write([Double](repeating: 1, count: 22 * 3), shape: [22, 3], to: "trials/responses")
        }
        XCTAssertEqual(error.field, "/trials/responses")
        XCTAssertEqual(error.problem, "is stored as float64; expected float32")
    }

    func testFailedWriteLeavesNothingUnderTheFinalName() throws {
        var broken = makeSmallRecording()
        broken.trials.responses[0, 0] = .infinity
        let file = path("never.h5")
        XCTAssertThrowsError(try broken.write(to: file)) { error in
            XCTAssertEqual((error as? TrainingSetError)?.file, file)
            XCTAssertEqual((error as? TrainingSetError)?.field, "/trials/responses")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])

        // A failure inside HDF5 (here: the directory does not exist) also leaves nothing behind.
        let nowhere = directory.appendingPathComponent("missing-directory/file.h5").path
        XCTAssertThrowsError(try makeSmallRecording().write(to: nowhere)) { error in
            XCTAssertTrue("\(error)".hasPrefix(nowhere), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])

        // A failed rewrite keeps the previous complete file.
        let kept = path("kept.h5")
        try makeSmallRecording().write(to: kept)
        XCTAssertThrowsError(try broken.write(to: kept))
        XCTAssertEqual(try Recording.read(from: kept), makeSmallRecording())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["kept.h5"])
    }

    func testUnavailableBehaviourMustBeZero() {
        var recording = makeSmallRecording()
        recording.trials.behaviour[3, BehaviourVariable.pupilSize.rawValue] = 1
        XCTAssertThrowsError(try recording.validate()) { error in
            XCTAssertTrue("\(error)".contains("pupil_size is flagged unavailable"), "\(error)")
        }
    }
}
