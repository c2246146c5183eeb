import ArgumentParser
import Foundation

/// Checks an output-folder option before anything runs, so a path that can never be a folder is a
/// usage error (exit 64) naming the option, not a file-system error halfway through a run.
/// Permission and disk space can only be learnt by writing: those failures come later, in words
/// (`ErrorText`), with exit status 1.
enum OutputFolder {
    static func requireUsable(_ path: String, option: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw ValidationError("\(option) \(path) is a file, not a folder; give a folder (it is created if missing)")
            }
            return
        }
        // The nearest existing ancestor must be a folder, or nothing can be created below it.
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isFolder) {
            let parent = ancestor.deletingLastPathComponent()
            if parent.path == ancestor.path { return }
            ancestor = parent
        }
        guard isFolder.boolValue else {
            throw ValidationError("\(option) \(path): \(ancestor.path) is a file, so no folder can be made inside it; choose another path")
        }
    }
}
