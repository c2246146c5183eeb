import Foundation
import XCTest
@testable import Training
import TrainingSet
import V1TModel

final class RunRecordTests: XCTestCase {
    func testSHA256MatchesTheStandardVectors() throws {
        XCTAssertEqual(SHA256.hex(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A file longer than one read (4 MiB), checked against the in-memory digest.
        let bytes = Data((0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try bytes.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        XCTAssertEqual(try SHA256.hex(ofFile: file.path), SHA256.hex(bytes))
    }

    func testGitCommitIsReadFromTheCheckoutWithoutGit() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("git-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let git = root.appendingPathComponent("repo/.git")
        try FileManager.default.createDirectory(at: git.appendingPathComponent("refs/heads"), withIntermediateDirectories: true)
        try "ref: refs/heads/main\n".write(to: git.appendingPathComponent("HEAD"), atomically: true, encoding: .utf8)
        try "# pack-refs\n1111111111111111111111111111111111111111 refs/heads/main\n"
            .write(to: git.appendingPathComponent("packed-refs"), atomically: true, encoding: .utf8)
        XCTAssertEqual(RunRecord.commit(in: git), "1111111111111111111111111111111111111111", "a packed branch")
        try "2222222222222222222222222222222222222222\n".write(to: git.appendingPathComponent("refs/heads/main"), atomically: true, encoding: .utf8)
        XCTAssertEqual(RunRecord.commit(in: git), "2222222222222222222222222222222222222222", "a loose ref wins over the packed one")

        // A worktree: .git is a file pointing at its own folder, which shares the main refs.
        let worktree = git.appendingPathComponent("worktrees/wt")
        try FileManager.default.createDirectory(at: worktree, withIntermediateDirectories: true)
        try "ref: refs/heads/main\n".write(to: worktree.appendingPathComponent("HEAD"), atomically: true, encoding: .utf8)
        try "../..\n".write(to: worktree.appendingPathComponent("commondir"), atomically: true, encoding: .utf8)
        let checkout = root.appendingPathComponent("wt")
        try FileManager.default.createDirectory(at: checkout, withIntermediateDirectories: true)
        try "gitdir: \(worktree.path)\n".write(to: checkout.appendingPathComponent(".git"), atomically: true, encoding: .utf8)
        XCTAssertEqual(RunRecord.commit(in: checkout.appendingPathComponent(".git")), "2222222222222222222222222222222222222222")

        // An executable outside any checkout.
        XCTAssertEqual(RunRecord.gitCommit(executable: "/usr/bin/env"), "unknown")
    }

    func testLimitDataDrawsASeededSubsetFromTheWholeSession() {
        let trials = Array(0..<1000)
        let subset = MouseData.randomSubset(of: trials, count: 100, seed: 1234)
        XCTAssertEqual(subset.count, 100)
        XCTAssertEqual(Set(subset).count, 100, "without replacement")
        XCTAssertEqual(subset, subset.sorted())
        XCTAssertGreaterThan(subset.last!, 800, "drawn from the whole session, not its first trials")
        XCTAssertLessThan(subset.first!, 200)
        XCTAssertEqual(subset, MouseData.randomSubset(of: trials, count: 100, seed: 1234), "the same seed, the same trials")
        XCTAssertNotEqual(subset, MouseData.randomSubset(of: trials, count: 100, seed: 1235))
        XCTAssertEqual(MouseData.randomSubset(of: [3, 5], count: 10, seed: 1), [3, 5], "asking for more keeps all")
    }

    func testOldConfigurationsWithoutARecordStillLoad() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("old-\(UUID().uuidString)")
        let run = RunDirectory(directory.path)
        try run.create()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = TrainingConfiguration(
            model: V1TConfiguration(behaviourMode: 0, usesShifter: false, core: .demo, mice: [
                .init(name: "m", neuronX: [0, 1], neuronY: [1, 0], imageHeight: 36, imageWidth: 64, imageMean: 100, imageStd: 50)]),
            dataFiles: ["data/sim.h5"], epochs: 3, batchSize: 8, microBatchSize: nil, criterion: .poisson, datasetScale: true,
            optimiser: .init(coreLearningRate: 0.001, readoutLearningRate: 0.001, beta1: 0.9, beta2: 0.9999, epsilon: 1e-8, weightDecay: 0),
            coreRegularization: 0, readoutRegularization: 0, seed: 1, limitTrainingTrials: nil, schedule: PlateauSchedule())
        try run.writeJSON(configuration, to: run.configuration)
        let text = try String(contentsOf: run.configuration, encoding: .utf8)
        XCTAssertFalse(text.contains("\"record\""), "an old file has no record")
        XCTAssertNil(try run.loadConfiguration().record)

        // Its relative data path is found next to the run, from any working directory.
        let data = directory.deletingLastPathComponent().appendingPathComponent("data")
        XCTAssertThrowsError(try TrainingSetFiles.locate(["no/such.h5"], run: run)) { error in
            XCTAssertTrue("\(error)".contains("give the run's training sets with --data"), "\(error)")
        }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: data.appendingPathComponent("sim-\(directory.lastPathComponent).h5").path, contents: Data())
        defer { try? FileManager.default.removeItem(at: data.appendingPathComponent("sim-\(directory.lastPathComponent).h5")) }
        XCTAssertEqual(try TrainingSetFiles.locate(["data/sim-\(directory.lastPathComponent).h5"], run: run),
                       [data.appendingPathComponent("sim-\(directory.lastPathComponent).h5").standardizedFileURL.path])
    }
}
