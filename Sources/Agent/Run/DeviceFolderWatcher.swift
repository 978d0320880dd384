import Glibc
public import Plant
import YAML

/// Notices device files added to, changed in or removed from the devices folder while the agent runs.
///
/// It looks every few seconds (no inotify: the folder may be on any file system, and a look costs a directory
/// listing and a `stat` per file). A file counts as changed when its size or modification time changes.
public struct DeviceFolderWatcher: Sendable {
    public let folder: String
    private var known: [String: FileStamp] = [:]

    struct FileStamp: Equatable, Sendable {
        var size: Int
        var modified: Int64
    }

    /// What changed since the last look.
    public struct Changes: Sendable {
        /// Files that are new or changed, with their content (loaded and validated) or their problems.
        public var loaded: [(path: String, result: Result<DeviceFile, DeviceFileError>)] = []
        /// Files that disappeared.
        public var removed: [String] = []
    }

    public init(folder: String) { self.folder = folder }

    /// Takes note of the files present now without reporting them (the agent loaded them at start).
    public mutating func acknowledgeCurrentFiles() {
        for path in paths() { known[path] = stamp(path) }
    }

    /// Looks at the folder.
    public mutating func look() -> Changes {
        var changes = Changes()
        let present = paths()
        for path in present {
            guard let stamp = stamp(path) else { continue }
            if known[path] == stamp { continue }
            known[path] = stamp
            do {
                changes.loaded.append((path, .success(try DeviceFileLoader.load(path: path))))
            } catch {
                changes.loaded.append((path, .failure(error)))
            }
        }
        for path in known.keys where !present.contains(path) {
            known[path] = nil
            changes.removed.append(path)
        }
        return changes
    }

    private func paths() -> [String] {
        (try? DeviceFileLoader.deviceFilePaths(inFolder: folder)) ?? []
    }

    private func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileStamp(
            size: Int(info.st_size), modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
