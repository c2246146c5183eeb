import Foundation
import TrainingSet
import XCTest

/// Every damaged training set of `TrainingSetFault` through the reader, then through `inspect`,
/// `train` and `evaluate`, which must refuse it alike: exit status 1 and the same message.
final class TrainingSetFaultTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("set-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// One fault of each kind: bytes, values, statistics, types, layout.
    static let everyCommand: Set<TrainingSetFault> = [.truncated, .absurdResponse, .responseStdZeroed, .responsesAsFloat64, .missingTiers]

    /// Writes every damaged file; returns fault -> path.
    func damagedFiles() throws -> [(TrainingSetFault, String)] {
        let recording = try TrainingSetFault.recording()
        return try TrainingSetFault.allCases.map { fault in
            let file = path("\(fault.rawValue).h5")
            try fault.write(recording, to: file)
            return (fault, file)
        }
    }

    func testEveryDamagedTrainingSetHasItsExpectedOutcome() throws {
        for (fault, file) in try damagedFiles() {
            switch (fault.expected, Result { try Recording.read(from: file) }) {
            case (.accepted, .success(let recording)):
                XCTAssertEqual(recording.neurons.count, 6)
            case (.refused(let place, let mentions), .failure(let error)):
                assertRefusal(error, file: file, place: place, mentions: mentions, case: fault.rawValue)
            case (let expected, let result):
                XCTFail("\(fault.rawValue): expected \(expected), got \(result)")
            }
        }
    }

    func testInspectTrainAndEvaluateRefuseEveryDamagedFileAlike() throws {
        let files = try damagedFiles()
        let intact = try XCTUnwrap(files.first { $0.0 == .intact }?.1)
        let run = path("run")
        let training = try Tool.run(["train", "--data", intact, "--output-dir", run, "--epochs", "1", "--batch-size", "8",
                                     "--preset", "demo", "--core", "vit", "--patch-stride", "8", "--emb-dim", "16", "--num-blocks", "1",
                                     "--num-heads", "2", "--mlp-dim", "32", "--verbose", "0"])
        XCTAssertEqual(training.status, 0, training.output)
        for (fault, file) in files {
            guard case .refused(let place, let mentions) = fault.expected else {
                XCTAssertEqual(try Tool.run(["inspect", file]).status, 0, fault.rawValue)
                continue
            }
            // All three read through `Recording.read`; `train` and `evaluate` (which start MPI, ~0.4 s
            // each) take one fault of each kind, `inspect` takes them all.
            let commands = [["inspect", file]] + (Self.everyCommand.contains(fault) ? [
                ["train", "--data", file, "--output-dir", path("run-\(fault.rawValue)"), "--epochs", "1"],
                ["evaluate", run, "--data", file]] : [])
            for command in commands {
                let (status, output) = try Tool.run(command)
                XCTAssertEqual(status, 1, "\(fault.rawValue), \(command[0]): \(output)")
                XCTAssertTrue(output.contains(file) && (place.isEmpty || output.contains(place)), "\(fault.rawValue), \(command[0]): \(output)")
                for phrase in mentions {
                    XCTAssertTrue(output.contains(phrase), "\(fault.rawValue), \(command[0]) lacks '\(phrase)': \(output)")
                }
            }
        }
    }
}
