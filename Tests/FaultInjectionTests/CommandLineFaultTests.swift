import Foundation
import TrainingSet
import XCTest
@testable import v1t_dist

/// The command line under faults: negative numbers as values, output paths that cannot be folders,
/// permission and disk-full failures in words, exit status 64 for usage and 1 for runtime errors,
/// and remedies that exist. The permission and disk-full cases are provoked for real even as root
/// (which ignores file permissions): the command runs as user `nobody` through `setpriv`, and in a
/// private mount namespace over a 64 KiB tmpfs through `unshare`.
final class CommandLineFaultTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func trainingSet() throws -> String {
        let file = path("set.h5")
        try TrainingSetFault.intact.write(try TrainingSetFault.recording(), to: file)
        return file
    }

    func testNegativeNumbersAreJoinedToTheOptionBeforeThem() {
        XCTAssertEqual(ArgumentPreparser.prepare(["train", "--lr", "-0.001", "--window", "-.1,0.4", "--seed", "3"]),
                       ["train", "--lr=-0.001", "--window=-.1,0.4", "--seed", "3"])
        XCTAssertEqual(ArgumentPreparser.prepare(["--shift", "-1e-4", "--name", "-x", "--", "--lr", "-1"]),
                       ["--shift=-1e-4", "--name", "-x", "--", "--lr", "-1"])
        XCTAssertEqual(ArgumentPreparser.prepare(["--lr=-1", "-v", "-2"]), ["--lr=-1", "-v", "-2"])
        for word in ["-3", "-0.5", "-.5", "-1e-4", "-inf", "-0.1,0.4"] { XCTAssertTrue(ArgumentPreparser.isNegativeNumber(word), word) }
        for word in ["-", "--lr", "-x", "--5", "-+5", "3"] { XCTAssertFalse(ArgumentPreparser.isNegativeNumber(word), word) }
    }

    func testANegativeValueReachesTheOptionsOwnCheck() throws {
        let data = try trainingSet()
        let (status, output) = try Tool.run(["train", "--data", data, "--output-dir", path("run"), "--lr", "-0.001"])
        XCTAssertEqual(status, 64, output)
        XCTAssertTrue(output.contains("--lr -0.001 is not a usable learning rate"), output)
        XCTAssertFalse(output.contains("Missing value"), output)
    }

    func testOutputPathsThatCannotBeFoldersAreUsageErrors() throws {
        let data = try trainingSet()
        let asFile = try Tool.run(["train", "--data", data, "--output-dir", data])
        XCTAssertEqual(asFile.status, 64, asFile.output)
        XCTAssertTrue(asFile.output.contains("--output-dir \(data) is a file, not a folder"), asFile.output)

        try AllenFault.intact.write(to: path("s.nwb"))
        let underFile = try Tool.run(["convert", path("s.nwb"), "--out", data + "/out"])
        XCTAssertEqual(underFile.status, 64, underFile.output)
        XCTAssertTrue(underFile.output.contains("\(data) is a file, so no folder can be made inside it"), underFile.output)
        XCTAssertFalse(underFile.output.contains("NSCocoaErrorDomain"), underFile.output)
    }

    func testAMovieFrameRunLongerThanTheTierGapIsRefusedWithTheRemedy() throws {
        try AllenFault.intact.write(to: path("s.nwb"))
        let convert = try Tool.run(["convert", path("s.nwb"), "--out", path("out"), "--movie-frame-run", "31"])
        XCTAssertEqual(convert.status, 64, convert.output)
        XCTAssertTrue(convert.output.contains("--movie-frame-run 31 is longer than the 30-frame gap between movie tiers (--movie-tiers 150,30)"), convert.output)
        XCTAssertTrue(convert.output.contains("Use --movie-frame-run 30 or less, or widen the gap (--movie-tiers 150,31)"), convert.output)

        let simulate = try Tool.run(["simulate", "--out", path("s.h5"), "--movie-frames", "60", "--movie-frame-run", "3"])
        XCTAssertEqual(simulate.status, 64, simulate.output)
        XCTAssertTrue(simulate.output.contains("--movie-frame-run 3 is longer than the 2-frame gap between the movie's tiers"), simulate.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("s.h5")))
    }

    func testAContainerWithoutMoviesIsRefused() throws {
        let simulate = try Tool.run(["simulate", "--container", "--movie-frames", "0", "--out", path("c.h5")])
        XCTAssertEqual(simulate.status, 64, simulate.output)
        XCTAssertTrue(simulate.output.contains("--movie-frames 0 does not combine with --container: the container's A and C sessions show only movies; "
                                               + "leave it out for the Allen's 900 frames"), simulate.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("c.h5")))
    }

    func testPermissionDeniedIsReportedInWordsWithThePath() throws {
        try AllenFault.intact.write(to: path("s.nwb"))
        let locked = path("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
        // Root writes anywhere: drop to `nobody`, for whom the folder is read-only.
        let prefix = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let (status, output) = try Tool.run(["convert", path("s.nwb"), "--out", locked + "/out"], through: prefix)
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains(locked + "/out: permission denied"), output)
        XCTAssertFalse(output.contains("NSCocoaErrorDomain"), output)
    }

    func testAFullDiskIsReportedInWordsAndLeavesNoPartialFile() throws {
        try AllenFault.intact.write(to: path("s.nwb"))
        let small = path("small")
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        let script = "mount -t tmpfs -o size=64k tmpfs \"$1\" && shift && exec \"$@\""
        let (status, output) = try Tool.run(["convert", path("s.nwb"), "--out", small + "/out"],
                                            through: ["/usr/bin/unshare", "-rm", "sh", "-c", script, "sh", small])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains(small + "/out/501559087.h5"), output)
        XCTAssertTrue(output.contains("cannot be written: the disk is full"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: small + "/out/501559087.h5"))
    }

    func testUsageErrorsExit64AndRuntimeErrors1() throws {
        let data = try trainingSet()
        let memory = try Tool.run(["train", "--data", data, "--output-dir", path("run"), "--memory-per-rank", "4Q"])
        XCTAssertEqual(memory.status, 64, memory.output)
        XCTAssertTrue(memory.output.contains("--memory-per-rank"), memory.output)
        XCTAssertEqual(try Tool.run(["inspect", path("missing.h5")]).status, 64)
        try ByteDamage.truncate(data, keeping: 0.5)
        XCTAssertEqual(try Tool.run(["inspect", data]).status, 1)
    }

    /// `--preset demo` builds a stacked2d core unless told otherwise: ViT-only flags name the way out.
    func testViTFlagsOnTheDemoPresetAskForCoreViT() throws {
        let data = try trainingSet()
        for flags in [["--emb-dim", "16"], ["--behavior-mode", "3"]] {
            let refused = try Tool.run(["train", "--data", data, "--output-dir", path("run"), "--preset", "demo"] + flags)
            XCTAssertEqual(refused.status, 64, refused.output)
            XCTAssertTrue(refused.output.contains("--preset demo builds a stacked2d core"), refused.output)
            XCTAssertTrue(refused.output.contains("add --core vit"), refused.output)
        }
        let explicit = try Tool.run(["train", "--data", data, "--output-dir", path("run"), "--core", "stacked2d", "--emb-dim", "16"])
        XCTAssertTrue(explicit.output.contains("--core stacked2d has no patches"), explicit.output)
    }

    func testATruncatedCheckpointOffersOnlyRemediesThatExist() throws {
        let data = try trainingSet(), run = path("run")
        let tiny = ["--epochs", "1", "--batch-size", "8", "--preset", "demo", "--core", "vit", "--patch-stride", "8", "--emb-dim", "16",
                    "--num-blocks", "1", "--num-heads", "2", "--mlp-dim", "32", "--verbose", "0"]
        let training = try Tool.run(["train", "--data", data, "--output-dir", run] + tiny)
        XCTAssertEqual(training.status, 0, training.output)
        try ByteDamage.truncate(run + "/last.safetensors", keeping: 0.5)
        try ByteDamage.truncate(run + "/best.safetensors", keeping: 0.5)

        let resumed = try Tool.run(["train", "--data", data, "--output-dir", run, "--resume"] + tiny)
        XCTAssertEqual(resumed.status, 1, resumed.output)
        XCTAssertTrue(resumed.output.contains(run + "/last.safetensors is not a readable safetensors checkpoint"), resumed.output)
        XCTAssertTrue(resumed.output.contains("start the run over with --clear-output-dir"), resumed.output)
        XCTAssertFalse(resumed.output.contains("best.safetensors"), "train cannot resume from the best weights: \(resumed.output)")

        let evaluated = try Tool.run(["evaluate", run])
        XCTAssertEqual(evaluated.status, 1, evaluated.output)
        XCTAssertTrue(evaluated.output.contains(run + "/best.safetensors is not a readable safetensors checkpoint"), evaluated.output)
        XCTAssertTrue(evaluated.output.contains("Train the run again"), evaluated.output)
    }
}
