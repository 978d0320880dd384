import Plant
import Support
public import YAML

/// What `hearth validate` found: each file checked, with a one-line summary when it is sound, and every problem.
///
/// Nothing is contacted: files are read and checked, devices are not polled and the broker is not reached.
public struct ValidationReport: Sendable, Encodable {
    /// One file checked.
    public struct File: Sendable, Encodable, Equatable {
        /// The path as given (or as found in a folder).
        public var path: String
        /// Whether the file has no problem.
        public var ok: Bool
        /// What the file describes, in one line, when it has no problem.
        public var summary: String?

        /// A file with its summary when sound, or `nil` when it has problems.
        public init(path: String, summary: String?) {
            self.path = path
            self.ok = summary != nil
            self.summary = summary
        }
    }

    /// The files in the order checked: the configuration first, then device files.
    public var files: [File] = []
    /// Every problem, file by file.
    public var problems: [YAMLProblem] = []

    /// Whether everything checked is sound.
    public var ok: Bool { problems.isEmpty }

    private enum CodingKeys: String, CodingKey {
        case ok, files, problems
    }

    /// Encodes `ok`, `files` and `problems`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ok, forKey: .ok)
        try container.encode(files, forKey: .files)
        try container.encode(problems, forKey: .problems)
    }

    /// Checks device files, folders of them, and optionally an agent configuration with the devices it names.
    ///
    /// - Parameters:
    ///   - paths: device files, or folders whose top-level `*.yaml`/`*.yml` files are checked.
    ///   - configuration: an agent configuration file; when sound, its `devices` folder is checked too, and
    ///     MQTT devices need its `broker`.
    public static func check(paths: [String], configuration: String? = nil) -> ValidationReport {
        var report = ValidationReport()
        var devicePaths: [String] = []
        var agent: AgentConfiguration?
        if let configuration {
            do {
                let loaded = try AgentConfiguration.load(path: configuration)
                agent = loaded
                report.files.append(File(path: configuration, summary: loaded.summary))
                devicePaths += report.expand(loaded.devicesFolder)
            } catch {
                report.files.append(File(path: configuration, summary: nil))
                report.problems += error.problems
            }
        }
        for path in paths { devicePaths += report.expand(path) }

        let set = DeviceFileLoader.load(paths: devicePaths)
        report.problems += set.problems
        for entry in set.entries {
            let sound = set.problems(inFile: entry.path).isEmpty
            report.files.append(File(path: entry.path, summary: sound ? entry.device?.summary : nil))
        }
        if let agent, let configuration {
            let configurationProblems = agent.problems(with: set.devices, file: configuration)
            if !configurationProblems.isEmpty {
                report.problems += configurationProblems
                report.files[0] = File(path: configuration, summary: nil)
            }
        }
        return report
    }

    /// A folder's device files, or the path itself when it is not a folder.
    private mutating func expand(_ path: String) -> [String] {
        guard TextFile.isFolder(path) else { return [path] }
        do {
            return try DeviceFileLoader.deviceFilePaths(inFolder: path)
        } catch {
            problems += error.problems
            return []
        }
    }
}

extension AgentConfiguration {
    /// The configuration in one line for `hearth validate`.
    public var summary: String {
        var parts = [
            "devices \(devicesFolder)", "database \(databasePath)",
            "retention \(YAMLSchemaReader.format(seconds: retentionSeconds))",
        ]
        if speed != 1 {
            parts.append("speed \(speed.rounded() == speed && speed < 1e15 ? String(Int(speed)) : String(speed))×")
        }
        if let broker {
            parts.append("broker \(broker.host):\(broker.port)\(broker.tls == nil ? "" : " (TLS)")")
        } else {
            parts.append("no broker")
        }
        return parts.joined(separator: ", ")
    }
}
