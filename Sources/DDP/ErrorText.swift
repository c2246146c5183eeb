import Foundation

/// The one line a person reads for an error, whichever layer threw it.
///
/// Foundation's file errors describe themselves as `The operation could not be completed
/// (NSCocoaErrorDomain error 516)`; here they become words with the path and what to do, e.g.
/// `cannot create runs/a: runs is a file, not a folder`. Errors of VITA's own types keep their text.
public enum ErrorText {
    public static func describe(_ error: Error) -> String {
        if let cocoa = error as? CocoaError, let text = fileSystemText(cocoa) { return text }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
        return String(describing: error)
    }

    /// Words for a Foundation file error; nil when it names no path.
    static func fileSystemText(_ error: CocoaError) -> String? {
        let path = error.filePath ?? error.url?.path
        guard let path else { return nil }
        let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
        return "\(path): " + reason(cocoa: error.code, errno: underlying, path: path)
    }

    /// What went wrong with `path`, and what to do, from Foundation's code and the system's errno.
    static func reason(cocoa code: CocoaError.Code, errno: Int32?, path: String) -> String {
        // Foundation reports a file in the way of a folder to create without an errno (code 512).
        if let file = fileAbove(path) {
            return "\(file) is a file, not a folder, so nothing can be made inside it; choose another path"
        }
        switch (code, errno) {
        case (_, ENOTDIR?):
            return "a part of this path is a file, not a folder; choose a path whose folders are folders"
        case (_, ENOSPC?), (.fileWriteOutOfSpace, _):
            return "the disk is full; free some space or choose a folder on another disk"
        case (_, EROFS?), (.fileWriteVolumeReadOnly, _):
            return "the file system is read-only; choose a folder you can write to"
        case (_, EACCES?), (_, EPERM?), (.fileWriteNoPermission, _), (.fileReadNoPermission, _):
            return "permission denied; choose a folder you can write to, or change its permissions"
        case (.fileWriteFileExists, _), (_, EEXIST?):
            return FileManager.default.fileExists(atPath: path)
                ? "already exists and is not a folder; remove it or choose another name" : "already exists"
        case (.fileNoSuchFile, _), (.fileReadNoSuchFile, _), (_, ENOENT?):
            return "does not exist"
        case (_, let code?):
            return String(cString: strerror(code))
        default:
            return "file-system error \(code.rawValue)"
        }
    }

    /// The nearest existing ancestor of `path` when it is a file rather than a folder.
    public static func fileAbove(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isFolder) {
            let parent = ancestor.deletingLastPathComponent()
            if parent.path == ancestor.path { return nil }
            ancestor = parent
        }
        return isFolder.boolValue ? nil : ancestor.path
    }
}
