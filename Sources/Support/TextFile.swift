import Glibc

/// Files through the C library, with the system's own error text when that fails: reading the small files Hearth
/// is configured with (device files, the agent configuration, secrets), listing folders, and writing any file
/// durably and atomically (`TextFile+Write.swift`).
public enum TextFile {
    /// The largest file read: 1 MiB, far above any real configuration and a guard against reading a device node
    /// or a log by mistake.
    public static let maximumSize = 1 << 20

    /// Reads a whole file.
    ///
    /// - Throws: ``TextFileError`` when the file cannot be opened or read, is a folder, or exceeds `maximumSize`.
    public static func read(path: String, maximumSize: Int = maximumSize) throws(TextFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TextFileError(path: path, errno: errno) }
        defer { close(descriptor) }
        if isFolder(path) { throw TextFileError(path: path, code: EISDIR, reason: "is a folder, not a file") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { readBytes(descriptor, into: $0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TextFileError(path: path, errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk.prefix(count))
            if bytes.count > maximumSize {
                throw TextFileError(path: path, code: EFBIG, reason: "is larger than \(maximumSize / 1024) KiB")
            }
        }
    }

    /// The names of the regular files (or links to them) directly inside a folder, sorted by name.
    ///
    /// - Throws: ``TextFileError`` when the folder cannot be opened.
    public static func files(inFolder path: String) throws(TextFileError) -> [String] {
        guard let folder = opendir(path) else { throw TextFileError(path: path, errno: errno) }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if isRegularFile(join(path, name)) { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `path` names a folder (following links).
    public static func isFolder(_ path: String) -> Bool {
        fileType(path) == S_IFDIR
    }

    /// Whether `path` names a regular file (following links).
    public static func isRegularFile(_ path: String) -> Bool {
        fileType(path) == S_IFREG
    }

    /// Joins a folder and a relative path; an absolute `path` is returned as is.
    public static func join(_ folder: String, _ path: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty || folder == "." { return path }
        return folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }

    /// The folder part of a path (`devices` for `devices/furnace-a.yaml`, `.` for a bare name).
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }

    private static func fileType(_ path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }
}

/// `read(2)`, out of reach of ``TextFile/read(path:maximumSize:)``'s name.
private func readBytes(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    read(descriptor, buffer.baseAddress, buffer.count)
}

/// A file that could not be read, with the system's reason.
public struct TextFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as given.
    public var path: String
    /// The `errno` value behind the failure.
    public var code: Int32
    /// The reason in words (`No such file or directory`).
    public var reason: String

    /// Creates an error with its own reason.
    public init(path: String, code: Int32, reason: String) {
        self.path = path
        self.code = code
        self.reason = reason
    }

    /// Creates an error from an `errno` value, with the C library's text for it, optionally saying what failed
    /// (`cannot write`: the reason reads `cannot write: No space left on device`).
    public init(path: String, errno code: Int32, doing: String? = nil) {
        let text = String(cString: strerror(code))
        self.init(path: path, code: code, reason: doing.map { "\($0): \(text)" } ?? text)
    }

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}
