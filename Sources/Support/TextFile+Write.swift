public import Glibc

extension TextFile {
    /// Writes `bytes` to `path` so that a crash or power cut at any moment leaves either the complete old file or the
    /// complete new one: a hidden temporary file in the same folder, written, fsynced, renamed over the target, and
    /// the folder fsynced. Watchers of the folder that skip hidden files never see a half-written file.
    ///
    /// - Parameters:
    ///   - bytes: the whole new content.
    ///   - path: the file to create or replace.
    ///   - mode: permission bits of a new file (a replaced file gets them too).
    ///   - createFolder: create the folder (one level) when it does not exist.
    /// A path that leads through symbolic links is written at the file it names, so the links stay. A target that
    /// exists and is no regular file (a device such as `/dev/stdout` or `/dev/full`, a pipe) is written in place: it
    /// cannot be replaced, and renaming over it would put a regular file where the device was.
    ///
    /// - Throws: ``TextFileError`` naming the file, what failed and the system's reason (`No space left on device`);
    ///   the target is then untouched and no temporary file is left behind.
    public static func writeDurably(
        _ bytes: [UInt8], to path: String, mode: mode_t = 0o644, createFolder: Bool = false
    ) throws(TextFileError) {
        var status = stat()
        if stat(path, &status) == 0 {
            let type = status.st_mode & S_IFMT
            if type == S_IFDIR { throw TextFileError(path: path, errno: EISDIR, doing: "cannot write") }
            if type != S_IFREG { return try writeInPlace(bytes, to: path) }
            var link = stat()
            if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK, let resolved = realpath(path, nil) {
                let target = String(cString: resolved)
                free(resolved)
                do {
                    return try writeDurably(bytes, to: target, mode: mode)
                } catch {
                    throw TextFileError(path: path, code: error.code, reason: error.reason)
                }
            }
        }
        let folder = Self.folder(of: path)
        if createFolder, !isFolder(folder), mkdir(folder, 0o755) != 0, errno != EEXIST {
            throw TextFileError(path: folder, errno: errno, doing: "cannot create the folder")
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = join(folder, ".\(name).\(getpid()).tmp")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw TextFileError(path: path, errno: errno, doing: "cannot write") }
        func fail(_ doing: String) -> TextFileError {
            let error = TextFileError(path: path, errno: errno, doing: doing)
            close(descriptor)
            unlink(temporary)
            return error
        }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { writeBytes(descriptor, $0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw fail("cannot write") }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw fail("cannot flush") }
        guard close(descriptor) == 0 else {
            let error = TextFileError(path: path, errno: errno, doing: "cannot write")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = TextFileError(path: path, errno: errno, doing: "cannot replace")
            unlink(temporary)
            throw error
        }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    /// Writes to a file that is not replaced: a device or a pipe.
    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(TextFileError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TextFileError(path: path, errno: errno, doing: "cannot write") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { writeBytes(descriptor, $0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = TextFileError(path: path, errno: count == 0 ? EIO : errno, doing: "cannot write")
                close(descriptor)
                throw error
            }
            written += count
        }
        guard close(descriptor) == 0 else { throw TextFileError(path: path, errno: errno, doing: "cannot write") }
    }

    /// Writes text durably (see ``writeDurably(_:to:mode:createFolder:)``).
    public static func writeDurably(
        _ text: String, to path: String, mode: mode_t = 0o644, createFolder: Bool = false
    ) throws(TextFileError) {
        try writeDurably(Array(text.utf8), to: path, mode: mode, createFolder: createFolder)
    }
}

/// `write(2)`, out of reach of the methods' names.
private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    write(descriptor, buffer.baseAddress, buffer.count)
}
