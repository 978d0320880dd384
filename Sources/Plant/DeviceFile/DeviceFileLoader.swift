import Support
public import YAML

/// Reads and checks device files (`devices/*.yaml`), reporting every problem with its file, line, column and field.
///
/// The format is documented key by key in `docs/device-files.md`.
public enum DeviceFileLoader {
    /// Parses one device file's text.
    ///
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the name put into problems (`devices/furnace-a.yaml`).
    /// - Throws: ``DeviceFileError`` with every problem of the file.
    public static func parse(_ text: String, file: String) throws(DeviceFileError) -> DeviceFile {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses one device file's raw bytes (invalid UTF-8 is reported with its place).
    ///
    /// - Throws: ``DeviceFileError`` with every problem of the file.
    public static func parse(bytes: [UInt8], file: String) throws(DeviceFileError) -> DeviceFile {
        try parsed(bytes: bytes, file: file).device
    }

    /// Reads and parses one device file.
    ///
    /// - Throws: ``DeviceFileError`` when the file cannot be read or has problems.
    public static func load(path: String) throws(DeviceFileError) -> DeviceFile {
        try parsed(path: path).device
    }

    /// Loads several device files together and checks the rules that span files: unique ids, no Modbus unit
    /// (TCP endpoint or serial line) and no MQTT topic claimed twice, one set of settings per serial line.
    ///
    /// Paths are taken in the order given; a path given twice is read once.
    public static func load(paths: [String]) -> DeviceFileSet {
        var set = DeviceFileSet()
        var parsedFiles: [(path: String, parsed: ParsedDeviceFile)] = []
        var seen: Set<String> = []
        for path in paths where seen.insert(path).inserted {
            do {
                let file = try parsed(path: path)
                parsedFiles.append((path, file))
                set.entries.append(DeviceFileSet.Entry(path: path, device: file.device))
            } catch {
                set.entries.append(DeviceFileSet.Entry(path: path, device: nil))
                set.problems += error.problems
            }
        }
        set.problems += DeviceFileSetRules.problems(parsedFiles)
        return set
    }

    /// Loads every top-level `*.yaml` and `*.yml` file of a folder, sorted by name, and checks the rules that
    /// span files.
    ///
    /// Subfolders (such as `devices/examples/`) and hidden files are not read, so examples kept beside the
    /// devices are never polled. A folder without device files is a problem: an agent with nothing to poll is
    /// misconfigured.
    ///
    /// - Returns: every device whose file has no problem of its own, and the error listing all problems
    ///   (including cross-file ones), if any. A caller that must not run with a broken folder checks `error` first.
    public static func loadFolder(path: String) -> (devices: [DeviceFile], error: DeviceFileError?) {
        let set: DeviceFileSet
        do {
            set = load(paths: try deviceFilePaths(inFolder: path))
        } catch {
            return ([], error)
        }
        return (set.devices, set.error)
    }

    /// Checks files without connecting anywhere; a folder among `paths` stands for its device files.
    ///
    /// - Returns: every problem, or `nil` when all files are sound together.
    public static func validate(paths: [String]) -> DeviceFileError? {
        var files: [String] = []
        var problems: [DeviceFileProblem] = []
        for path in paths {
            guard TextFile.isFolder(path) else {
                files.append(path)
                continue
            }
            do {
                files += try deviceFilePaths(inFolder: path)
            } catch {
                problems += error.problems
            }
        }
        let set = load(paths: files)
        problems += set.problems
        return problems.isEmpty ? nil : DeviceFileError(problems: problems)
    }

    /// The device files directly inside a folder: `*.yaml` and `*.yml`, not hidden, sorted by name.
    ///
    /// - Throws: ``DeviceFileError`` when the folder cannot be read or holds no device file.
    public static func deviceFilePaths(inFolder path: String) throws(DeviceFileError) -> [String] {
        let names: [String]
        do {
            names = try TextFile.files(inFolder: path)
        } catch {
            throw DeviceFileError(problems: [DeviceFileProblem(unreadable: error)])
        }
        let deviceFiles = names.filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
        guard !deviceFiles.isEmpty else {
            throw DeviceFileError(problems: [
                DeviceFileProblem(file: path, at: nil, field: "", message: "holds no device file (*.yaml)")
            ])
        }
        return deviceFiles.map { TextFile.join(path, $0) }
    }

    private static func parsed(path: String) throws(DeviceFileError) -> ParsedDeviceFile {
        let bytes: [UInt8]
        do {
            bytes = try TextFile.read(path: path)
        } catch {
            throw DeviceFileError(problems: [DeviceFileProblem(unreadable: error)])
        }
        return try parsed(bytes: bytes, file: path)
    }

    private static func parsed(bytes: [UInt8], file: String) throws(DeviceFileError) -> ParsedDeviceFile {
        var reader = DeviceFileReader(file: file)
        guard let parsed = reader.read(bytes: bytes) else {
            throw DeviceFileError(problems: reader.yaml.problemsInFileOrder)
        }
        return parsed
    }
}

/// Device files loaded together: each file with its device, and every problem, cross-file ones included.
public struct DeviceFileSet: Sendable {
    /// One file as loaded.
    public struct Entry: Sendable {
        /// The path as given.
        public var path: String
        /// The device, when the file has no problem of its own.
        public var device: DeviceFile?
    }

    /// The files in the order given.
    public var entries: [Entry] = []
    /// Every problem, file by file, then the cross-file ones.
    public var problems: [DeviceFileProblem] = []

    /// The devices whose files have no problem of their own.
    public var devices: [DeviceFile] { entries.compactMap(\.device) }

    /// All problems as one error, or `nil` when there is none.
    public var error: DeviceFileError? { problems.isEmpty ? nil : DeviceFileError(problems: problems) }

    /// The problems that concern one file.
    public func problems(inFile path: String) -> [DeviceFileProblem] {
        problems.filter { $0.file == path }
    }
}
