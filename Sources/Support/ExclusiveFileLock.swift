import Glibc

/// An advisory lock on a file (`flock`), held while this object lives: one process at a time may hold it, and the
/// kernel releases it when the process dies, even by `kill -9`. The holder writes who it is into the file, so a
/// second process is refused with a sentence naming the first.
public final class ExclusiveFileLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock or fails at once.
    /// - Parameters:
    ///   - path: the lock file (created if missing).
    ///   - holder: who takes it, written into the file (`pid 4242, hearth run, since 2026-12-02T10:00:00Z`).
    /// - Throws: ``ExclusiveFileLockError`` naming the current holder when another process holds it, or the
    ///   system's reason when the file cannot be opened.
    public init(path: String, holder: String) throws(ExclusiveFileLockError) {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ExclusiveFileLockError(path: path, holder: nil, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let current = Self.contents(of: descriptor)
            close(descriptor)
            throw ExclusiveFileLockError(
                path: path, holder: current.isEmpty ? nil : current,
                reason: code == EWOULDBLOCK ? "held by another process" : String(cString: strerror(code)))
        }
        ftruncate(descriptor, 0)
        let text = Array(holder.utf8)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func contents(of descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(count), as: UTF8.self).trimmingTrailingNewlines()
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}

/// A lock another process holds, or a lock file that cannot be used.
public struct ExclusiveFileLockError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// What the holder wrote into the lock file, when another process holds it.
    public var holder: String?
    public var reason: String

    public var description: String {
        if let holder { return "\(path) is held by another process (\(holder))" }
        return "\(path): \(reason)"
    }
}
