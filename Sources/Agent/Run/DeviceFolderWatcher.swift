import Glibc
public import Plant
import YAML

/// Notices device files added to, changed in or removed from the devices folder while the agent runs.
///
/// It looks every few seconds (no inotify: the folder may be on any file system, and a look costs a directory
/// listing and a `stat` per file). A file counts as changed when its size or modification time changes. A new or
/// changed file is checked together with every other file of the folder (a duplicate id, Modbus unit or MQTT topic
/// is that file's problem), and a removed file is known by the device id it held, whatever its name.
public struct DeviceFolderWatcher: Sendable {
    public let folder: String
    private var known: [String: FileStamp] = [:]
    /// The device id each loaded file held.
    private var ids: [String: String] = [:]

    struct FileStamp: Equatable, Sendable {
        var size: Int
        var modified: Int64
    }

    /// What changed since the last look.
    public struct Changes: Sendable {
        /// Files that are new or changed, with their device (checked with the whole folder) or their problems.
        public var loaded: [(path: String, result: Result<DeviceFile, DeviceFileError>)] = []
        /// Files that disappeared, with the id of the device they held (nil if they never loaded).
        public var removed: [(path: String, device: String?)] = []
    }

    public init(folder: String) { self.folder = folder }

    /// Takes note of the files present now and of their devices, without reporting them (the agent loaded them at
    /// start).
    public mutating func acknowledge(_ devices: [(path: String, id: String)]) {
        for path in paths() { known[path] = stamp(path) }
        for (path, id) in devices { ids[path] = id }
    }

    /// Looks at the folder.
    public mutating func look() -> Changes {
        var changes = Changes()
        let present = paths()
        let changed = present.filter { path in
            guard let stamp = stamp(path) else { return false }
            return known[path] != stamp
        }
        for path in changed {
            known[path] = stamp(path)
            // Checked after the files already serving, so a clash with one of them is this file's problem.
            let serving = ids.keys.filter { $0 != path && present.contains($0) }.sorted()
            let set = DeviceFileLoader.load(paths: serving + [path])
            let problems = set.problems(inFile: path)
            if let device = set.entries.first(where: { $0.path == path })?.device, problems.isEmpty {
                ids[path] = device.id
                changes.loaded.append((path, .success(device)))
            } else {
                // A clash the rules reported at the other file still belongs to this one.
                let own = problems.isEmpty ? set.problems : problems
                changes.loaded.append((path, .failure(DeviceFileError(problems: own))))
            }
        }
        for path in known.keys where !present.contains(path) {
            known[path] = nil
            changes.removed.append((path, ids.removeValue(forKey: path)))
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
