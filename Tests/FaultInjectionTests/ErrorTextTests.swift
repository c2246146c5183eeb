import DDP
import Foundation
import XCTest

/// Foundation's file errors in words with the path, as every command prints them.
final class ErrorTextTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("error-text-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// The words `ErrorText` gives for what `body` throws.
    func words(_ body: () throws -> Void) -> String {
        do {
            try body()
            XCTFail("expected a file-system error")
            return ""
        } catch {
            return ErrorText.describe(error)
        }
    }

    func testFileSystemErrorsNameThePathAndTheCause() throws {
        let file = folder.appendingPathComponent("set.h5")
        try Data("x".utf8).write(to: file)

        let existing = words { try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false) }
        XCTAssertTrue(existing.hasPrefix(file.path + ": ") && existing.contains("already exists and is not a folder"), existing)

        let underFile = words { try FileManager.default.createDirectory(at: file.appendingPathComponent("run"), withIntermediateDirectories: true) }
        XCTAssertTrue(underFile.contains("\(file.path) is a file, not a folder, so nothing can be made inside it"), underFile)
        XCTAssertFalse(underFile.contains("NSCocoaErrorDomain"), underFile)

        let missing = folder.appendingPathComponent("nowhere/x.json")
        let absent = words { try Data("x".utf8).write(to: missing) }
        XCTAssertTrue(absent.contains("nowhere") && absent.contains("does not exist"), absent)
    }

    func testOtherErrorsKeepTheirOwnText() {
        XCTAssertEqual(ErrorText.describe(DDPError("--memory-per-rank: 4Q is not a size")), "--memory-per-rank: 4Q is not a size")
    }
}
