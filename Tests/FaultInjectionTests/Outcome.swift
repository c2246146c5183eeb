import Foundation
import XCTest

/// What VITA must do with a damaged input (docs/robustness.md lists every case).
enum Outcome {
    /// Refused with one message that names the file, the place (dataset path; empty when the file
    /// as a whole is unreadable) and says what to do; `mentions` are phrases the message must hold.
    case refused(place: String, mentions: [String])
    /// Converted or read after a documented repair, which the report must count.
    case repaired(String)
    /// Converted or read as it is.
    case accepted
}

/// Byte-level damage, the same for NWB files and training sets.
enum ByteDamage {
    /// Keeps the first `fraction` of the file, as an interrupted download or copy does.
    static func truncate(_ path: String, keeping fraction: Double) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
    }

    /// Inverts the bytes at `offsets`, as a bad disk or a broken transfer does. Offsets 0..<8 hit the
    /// HDF5 signature; HDF5 keeps no checksum of contiguous raw data, so a flip inside the data is
    /// caught only when it makes a value impossible (NaN, out of range, statistics that disagree).
    static func flip(_ path: String, at offsets: [Int]) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        for offset in offsets { data[offset] = ~data[offset] }
        try data.write(to: URL(fileURLWithPath: path))
    }
}

/// Checks that `error` is the refusal `outcome` asks for and names `file`.
func assertRefusal(_ error: Error, file path: String, place: String, mentions: [String], case name: String,
                   file: StaticString = #filePath, line: UInt = #line) {
    let text = "\(error)"
    XCTAssertTrue(text.contains(path), "\(name): the message does not name the file: \(text)", file: file, line: line)
    if !place.isEmpty {
        XCTAssertTrue(text.contains(place), "\(name): the message does not name \(place): \(text)", file: file, line: line)
    }
    for phrase in mentions {
        XCTAssertTrue(text.contains(phrase), "\(name): the message lacks '\(phrase)': \(text)", file: file, line: line)
    }
}

/// Runs the `v1t-dist` binary built beside the test bundle, as a user would.
enum Tool {
    static var binary: URL {
        Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("v1t-dist")
    }

    /// Runs `arguments`, optionally through `prefix` (e.g. `setpriv ...`): exit status and output.
    @discardableResult
    static func run(_ arguments: [String], through prefix: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [binary.path] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
