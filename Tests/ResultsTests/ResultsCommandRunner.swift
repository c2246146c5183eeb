import Foundation
import XCTest

/// Runs the `v1t-dist` binary SwiftPM builds next to the test bundle, as a user would.
enum ResultsCommandRunner {
    static var binary: URL {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("v1t-dist")
    }

    /// - environment: variables to set (or, with a nil value, remove) on top of this process's.
    @discardableResult
    static func run(_ arguments: [String], expectSuccess: Bool = true, environment: [String: String?] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["OPENBLAS_NUM_THREADS"] = "1"
        for (name, value) in environment { variables[name] = value }
        process.environment = variables
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
}

/// One small simulated recording and a run trained on it (3 epochs, --save-plots), made once per
/// test process for every test that needs a trained run, and deleted when the tests end.
final class TrainedRun: NSObject, XCTestObservation {
    static let shared = TrainedRun()

    let directory: URL
    let data: String
    let run: String
    private(set) var trainingOutput = ""
    private var failure: String?

    /// A small model: 36x64 input, 8x8 patches with stride 8 (4x8 grid), width 16, one block.
    static let tinyModel = ["--preset", "demo", "--core", "vit", "--patch-stride", "8", "--emb-dim", "16", "--num-blocks", "1",
                            "--num-heads", "2", "--mlp-dim", "32", "--verbose", "1"]

    private override init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("vita-results-\(UUID().uuidString)")
        data = directory.appendingPathComponent("sim.h5").path
        run = directory.appendingPathComponent("run").path
        super.init()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try ResultsCommandRunner.run(["simulate", "--out", data, "--neurons", "16", "--images", "30", "--repeats", "6", "--seed", "4"])
            trainingOutput = try ResultsCommandRunner.run(["train", "--data", data, "--output-dir", run, "--epochs", "3", "--lr", "0.005",
                                                           "--behavior-mode", "3", "--save-plots"] + Self.tinyModel).output
        } catch {
            failure = "\(error)"
        }
        XCTestObservationCenter.shared.addTestObserver(self)
    }

    /// Fails the calling test if the run could not be made.
    func require(file: StaticString = #filePath, line: UInt = #line) throws {
        if let failure { XCTFail("the shared training run failed: \(failure)", file: file, line: line); throw CocoaError(.fileNoSuchFile) }
    }

    func testBundleDidFinish(_ testBundle: Bundle) {
        try? FileManager.default.removeItem(at: directory)
    }
}
