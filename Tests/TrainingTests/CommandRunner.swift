import Foundation
import XCTest

/// Runs the `v1t-dist` binary that SwiftPM builds next to the test bundle (the test target depends
/// on the executable), as a user would.
enum CommandRunner {
    static var binary: URL {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("v1t-dist")
    }

    @discardableResult
    static func run(_ arguments: [String], expectSuccess: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if expectSuccess {
            XCTAssertEqual(process.terminationStatus, 0, "v1t-dist \(arguments.joined(separator: " ")) failed:\n\(output)", file: file, line: line)
        }
        return (process.terminationStatus, output)
    }

    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vita-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A test case with a fresh scratch folder per test (`directory`, removed afterwards) for the
/// training sets and run directories the commands write.
class ScratchDirectoryTestCase: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try CommandRunner.scratchDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
