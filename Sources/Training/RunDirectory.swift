import DDP
import Foundation
import V1TModel

/// The files of one training run, written by rank 0 only, each atomically (temporary name, then
/// rename), so a crash or pre-emption never leaves a half-written file under a final name:
///
///     config.json          the TrainingConfiguration
///     best.safetensors     parameters with the best validation correlation (load in PyTorch with
///                          safetensors.torch.load_file; names and shapes are the model's slices)
///     last.safetensors     parameters, AdamW moments, at the end of the last completed step
///     state.json           where training stands (epoch, step, schedule, optimiser), for --resume
///     metrics.csv          one row per epoch
///     evaluation.json      scores written by `evaluate`, with a per-neuron CSV
///     log.txt              everything printed
public struct RunDirectory {
    public let url: URL

    public init(_ path: String) {
        url = URL(fileURLWithPath: path, isDirectory: true)
    }

    public var configuration: URL { url.appendingPathComponent("config.json") }
    public var bestParameters: URL { url.appendingPathComponent("best.safetensors") }
    public var lastCheckpoint: URL { url.appendingPathComponent("last.safetensors") }
    public var state: URL { url.appendingPathComponent("state.json") }
    public var metrics: URL { url.appendingPathComponent("metrics.csv") }
    public var log: URL { url.appendingPathComponent("log.txt") }
    public var evaluation: URL { url.appendingPathComponent("evaluation.json") }
    public var plots: URL { url.appendingPathComponent("plots", isDirectory: true) }

    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `data` to `destination` through a temporary file in the same directory and a rename.
    public static func writeAtomically(_ data: Data, to destination: URL) throws {
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).partial")
        do {
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically: a reader sees the old file or the new one.
            guard rename(temporary.path, destination.path) == 0 else {
                throw RunError(String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw RunError("cannot write \(destination.path): \(ErrorText.describe(error))")
        }
    }

    public func writeJSON<Value: Encodable>(_ value: Value, to destination: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // The schedule starts from -infinity and a metric can be NaN; JSON has neither.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try Self.writeAtomically(encoder.encode(value), to: destination)
    }

    public func readJSON<Value: Decodable>(_ type: Value.Type, from source: URL) throws -> Value {
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw RunError("\(source.path) is missing: is \(url.path) a v1t-dist run directory?")
        }
        do {
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(type, from: data)
        } catch {
            throw RunError("\(source.path) is not valid (\(error)); it may come from another version of v1t-dist")
        }
    }

    public func loadConfiguration() throws -> TrainingConfiguration {
        try readJSON(TrainingConfiguration.self, from: configuration)
    }

    /// Loads the best parameters into `model`.
    public func loadBest(into model: V1T) throws {
        guard let data = FileManager.default.contents(atPath: bestParameters.path) else {
            throw RunError("\(bestParameters.path) is missing: the run has not finished an epoch yet")
        }
        let remedy = "Train the run again (v1t-dist train --clear-output-dir) or give another run"
        try model.parameters.load(SafeTensors.decode(data, path: bestParameters.path, remedy: remedy).tensors, source: bestParameters.path)
    }

    public func appendLine(_ line: String, to file: URL) {
        let bytes = Data((line + "\n").utf8)
        if let handle = try? FileHandle(forWritingTo: file) {
            handle.seekToEndOfFile()
            handle.write(bytes)
            try? handle.close()
        } else {
            try? bytes.write(to: file)
        }
    }
}

/// A problem with a run directory or a training run, with what to do about it.
public struct RunError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
