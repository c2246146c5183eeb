import ArgumentParser
import DDP
import Foundation

/// Checks an output-folder option before anything runs, so a path that can never be a folder is a
/// usage error (exit 64) naming the option, not a file-system error halfway through a run.
/// Permission and disk space can only be learnt by writing: those failures come later, in words
/// (`ErrorText`), with exit status 1.
enum OutputFolder {
    static func requireUsable(_ path: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("\(option) \(path) is a file, not a folder; give a folder (it is created if missing)")
        }
        if let file = ErrorText.fileAbove(path) {
            throw ValidationError("\(option) \(path): \(file) is a file, so no folder can be made inside it; choose another path")
        }
    }
}
