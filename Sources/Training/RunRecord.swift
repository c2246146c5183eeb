import DDP
import Foundation
import H5
import V1TModel

/// How a run was made, stored in its config.json next to the configuration: enough to say later
/// which program, libraries and data produced a model, and to run it again with
/// `v1t-dist train --config RUN/config.json --output-dir NEW`.
public struct RunRecord: Codable, Equatable, Sendable {
    public var commandLine: [String]
    public var workingDirectory: String
    public var startedAt: String
    public var host: String
    public var vitaVersion: String
    /// The git commit of the checkout the program was built in, "+modified" when it had
    /// uncommitted changes; "unknown" when the executable does not live in a git checkout.
    public var gitCommit: String
    /// Library name -> version line (Open MPI, OpenBLAS, HDF5).
    public var libraries: [String: String]
    /// The OpenBLAS kernel family in use and who chose it (the library, the user, or VITA).
    public var blasKernel: BLASKernel
    /// The layers' element-wise kernels in use (AVX-512, AVX2 or portable); absent in records
    /// written before it was kept.
    public var layerKernels: VectorKernels?
    public var ranks: Int
    public var microBatch: Int
    public var data: [DataFile]

    public struct DataFile: Codable, Equatable, Sendable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    /// VITA's release; the git commit says exactly which code.
    public static let vitaVersion = "0.1.0"

    /// The record of this process. Checksums read every data file once (rank 0 only).
    public static func current(dataFiles: [String], ranks: Int, microBatch: Int, now: Date = Date()) throws -> RunRecord {
        let data = try dataFiles.map { path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return DataFile(path: path, bytes: size, sha256: try SHA256.hex(ofFile: path))
        }
        return RunRecord(
            commandLine: CommandLine.arguments, workingDirectory: FileManager.default.currentDirectoryPath,
            startedAt: ISO8601DateFormatter().string(from: now), host: ProcessInfo.processInfo.hostName,
            vitaVersion: vitaVersion, gitCommit: gitCommit(),
            libraries: ["Open MPI": mpiLibraryVersion, "OpenBLAS": blasConfiguration, "HDF5": hdf5LibraryVersion],
            blasKernel: .current, layerKernels: .inUse, ranks: ranks, microBatch: microBatch, data: data)
    }

    /// The commit of the git checkout holding the executable (a build under .build/ of a clone),
    /// read from .git's files so that no git program is needed; "+modified" only when `git` can tell.
    static func gitCommit(executable: String = Bundle.main.executablePath ?? CommandLine.arguments[0]) -> String {
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            let dotGit = folder.appendingPathComponent(".git")
            if let commit = commit(in: dotGit) {
                return commit + (hasLocalChanges(folder) ? "+modified" : "")
            }
            folder = folder.deletingLastPathComponent()
        }
        return "unknown"
    }

    /// HEAD's commit from a .git folder, or from the folder a worktree's .git file points to.
    static func commit(in dotGit: URL) -> String? {
        var gitDirectory = dotGit
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) else { return nil }
        if !isDirectory.boolValue {
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
            gitDirectory = URL(fileURLWithPath: text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines),
                               relativeTo: dotGit.deletingLastPathComponent())
        }
        guard let head = try? String(contentsOf: gitDirectory.appendingPathComponent("HEAD"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let reference = String(head.dropFirst(5))
        // A worktree keeps its HEAD but shares the main repository's refs.
        var repositories = [gitDirectory]
        if let common = try? String(contentsOf: gitDirectory.appendingPathComponent("commondir"), encoding: .utf8) {
            repositories.append(URL(fileURLWithPath: common.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: gitDirectory))
        }
        for repository in repositories {
            if let loose = try? String(contentsOf: repository.appendingPathComponent(reference), encoding: .utf8) {
                return loose.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let packed = try? String(contentsOf: repository.appendingPathComponent("packed-refs"), encoding: .utf8),
               let line = packed.split(separator: "\n").first(where: { $0.hasSuffix(" " + reference) }) {
                return String(line.prefix { $0 != " " })
            }
        }
        return nil
    }

    static func hasLocalChanges(_ checkout: URL) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", checkout.path, "status", "--porcelain", "--untracked-files=no"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 && !text.isEmpty
    }
}
