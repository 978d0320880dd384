import Plant
import Support
import YAML

/// Reads one scenario file's YAML tree into a ``Scenario``, loading the device files it names and recording every
/// problem on the way.
///
/// The sections live in extensions: `+Physics`, `+Faults`. The format is documented key by key in
/// `docs/scenarios.md`.
struct ScenarioReader {
    var yaml: YAMLSchemaReader
    /// Problems of the device files the scenario names, under their own file names.
    var deviceFileProblems: [YAMLProblem] = []
    /// The folder device paths are relative to.
    let folder: String

    static let topLevelKeys = ["description", "seed", "speed", "devices", "physics", "onboard", "faults", "history"]
    static let onboardKeys = ["at", "device"]
    static let historyKeys = ["events"]

    /// A device file named in the scenario.
    struct DeviceReference {
        /// `devices[1]` or `onboard[0].device`.
        var field: String
        var node: YAMLNode
        /// The path as written.
        var written: String
        /// The path to read: the scenario's folder joined with `written`.
        var path: String
        /// Plant seconds after the start at which it is onboarded; `nil` for a device served from the start.
        var onboardAt: Double?
    }

    /// The devices the scenario names, as far as they could be loaded.
    struct KnownDevices {
        /// Loaded devices by id, with their reference.
        var byID: [String: (device: DeviceFile, reference: DeviceReference)] = [:]
        /// Whether every named file was loaded: only then is an id missing from `byID` certainly unknown.
        var complete = true

        /// The ids, sorted, for did-you-mean hints.
        var ids: [String] { byID.keys.sorted() }
    }

    init(file: String) {
        yaml = YAMLSchemaReader(file: file)
        folder = TextFile.folder(of: file)
    }

    /// Reads a whole file; `nil` when it or a device file it names has any problem.
    mutating func read(bytes: [UInt8]) -> Scenario? {
        guard let root = yaml.document(bytes: bytes),
            let fields = yaml.mapping(root, field: "", keys: Self.topLevelKeys)
        else { return nil }

        let summary = yaml.nonEmptyString("description", in: fields)
        let seed = fields.contains("seed") ? yaml.integer("seed", in: fields, range: 0...Int(UInt32.max)) : nil
        let speed = fields.contains("speed") ? yaml.positiveNumber("speed", in: fields) : Scenario.defaultSpeed
        let initial = readDeviceList(in: fields)
        let onboarding = readOnboarding(in: fields)
        let known = loadDevices(initial + onboarding)
        let physics = readPhysics(in: fields, known: known)
        let faults = readFaults(in: fields, known: known)
        let historyEvents = readHistory(in: fields)

        guard yaml.problems.isEmpty, deviceFileProblems.isEmpty, let speed, let historyEvents
        else { return nil }
        func device(_ reference: DeviceReference) -> DeviceFile? {
            known.byID.values.first { $0.reference.path == reference.path }?.device
        }
        let devices = initial.compactMap { reference in
            device(reference).map { Scenario.Device(path: reference.path, device: $0) }
        }
        let onboarded = onboarding.compactMap { reference in
            device(reference).map {
                Scenario.Onboarding(atSeconds: reference.onboardAt ?? 0, path: reference.path, device: $0)
            }
        }
        return Scenario(
            file: yaml.file, summary: summary, seed: seed.map(UInt64.init) ?? Scenario.defaultSeed, speed: speed,
            devices: devices, physics: physics, onboarding: onboarded, faults: faults, historyEvents: historyEvents)
    }

    // MARK: Devices

    /// Reads `devices:`, a non-empty list of device file paths.
    private mutating func readDeviceList(in fields: YAMLFields) -> [DeviceReference] {
        guard let items = yaml.list("devices", in: fields, required: true), let node = fields["devices"] else {
            return []
        }
        if items.isEmpty {
            yaml.report("must name at least one device file", field: "devices", node: node)
        }
        return items.compactMap { readReference($0.node, field: $0.field, onboardAt: nil) }
    }

    /// Reads `onboard:`, a list of `at` and `device`.
    private mutating func readOnboarding(in fields: YAMLFields) -> [DeviceReference] {
        guard let items = yaml.list("onboard", in: fields) else { return [] }
        var references: [DeviceReference] = []
        for item in items {
            guard let entry = yaml.mapping(item.node, field: item.field, keys: Self.onboardKeys) else { continue }
            let at = yaml.duration("at", in: entry, required: true)
            guard let node = entry["device"] else {
                yaml.require("device", in: entry)
                continue
            }
            if let reference = readReference(node, field: entry.path("device"), onboardAt: at ?? 0) {
                references.append(reference)
            }
        }
        return references
    }

    private mutating func readReference(_ node: YAMLNode, field: String, onboardAt: Double?) -> DeviceReference? {
        guard let written = yaml.string(node, field: field) else { return nil }
        guard !written.allSatisfy(\.isWhitespace) else {
            yaml.report("must not be empty", field: field, node: node)
            return nil
        }
        return DeviceReference(
            field: field, node: node, written: written, path: Self.normalized(TextFile.join(folder, written)),
            onboardAt: onboardAt)
    }

    /// Loads every named device file together (so ids, Modbus units and MQTT topics are unique across all of them)
    /// and reports their problems.
    private mutating func loadDevices(_ references: [DeviceReference]) -> KnownDevices {
        var known = KnownDevices()
        var firstByPath: [String: DeviceReference] = [:]
        var unique: [DeviceReference] = []
        for reference in references {
            if let first = firstByPath[reference.path] {
                yaml.report(
                    "\(YAMLProblem.quote(reference.written)) is already named at \(first.node.mark) (\(first.field))",
                    field: reference.field, node: reference.node)
                known.complete = false
            } else {
                firstByPath[reference.path] = reference
                unique.append(reference)
            }
        }
        let set = DeviceFileLoader.load(paths: unique.map(\.path))
        for (reference, entry) in zip(unique, set.entries) {
            let problems = set.problems(inFile: reference.path)
            let (wholeFile, placed) = (problems.filter { $0.line == 0 }, problems.filter { $0.line > 0 })
            for problem in wholeFile {
                yaml.report(
                    "\(YAMLProblem.quote(reference.written)) \(problem.message)", field: reference.field,
                    node: reference.node)
            }
            if !placed.isEmpty {
                yaml.report(
                    "\(YAMLProblem.quote(reference.written)) has \(placed.count) problem\(placed.count == 1 ? "" : "s")"
                        + " (listed under \(reference.path))",
                    field: reference.field, node: reference.node)
                deviceFileProblems += placed
            }
            if let device = entry.device {
                known.byID[device.id] = (device, reference)
            } else {
                known.complete = false
            }
        }
        checkOnboardedEndpoints(known)
        return known
    }

    /// An onboarded device is served on its own (a Modbus TCP server of its own, a pseudo-terminal of its own), so
    /// it cannot share a TCP port or a serial line with another device.
    private mutating func checkOnboardedEndpoints(_ known: KnownDevices) {
        func endpoint(_ device: DeviceFile) -> String? {
            switch device.connection {
            case .modbusTCP(let tcp): "tcp \(tcp.host.lowercased()):\(tcp.port)"
            case .modbusRTU(let rtu): "rtu \(rtu.device)"
            case .mqtt: nil
            }
        }
        let entries = known.byID.values.sorted {
            ($0.reference.node.mark.line, $0.device.id) < ($1.reference.node.mark.line, $1.device.id)
        }
        for onboarded in entries where onboarded.reference.onboardAt != nil {
            guard let own = endpoint(onboarded.device) else { continue }
            for other in entries where other.device.id != onboarded.device.id && endpoint(other.device) == own {
                yaml.report(
                    "\(onboarded.device.id)'s \(onboarded.device.connection.summary) shares its endpoint with "
                        + "\(other.device.id) (\(other.device.connection.summary)); an onboarded device is served on "
                        + "a port or serial line of its own",
                    field: onboarded.reference.field, node: onboarded.reference.node)
                break
            }
        }
    }

    /// A device id named in the scenario, checked against the loaded devices.
    mutating func knownDevice(
        _ id: String, field: String, node: YAMLNode, known: KnownDevices
    ) -> (device: DeviceFile, reference: DeviceReference)? {
        if let found = known.byID[id] { return found }
        if known.complete {
            yaml.report(
                "no device of the scenario has the id \(YAMLProblem.quote(id))"
                    + SpellingSuggestion.hint(for: id, among: known.ids),
                field: field, node: node)
        }
        return nil
    }

    // MARK: History

    private mutating func readHistory(in fields: YAMLFields) -> Int? {
        guard fields.contains("history") else { return Scenario.defaultHistoryEvents }
        guard let history = yaml.mapping("history", in: fields, keys: Self.historyKeys) else { return nil }
        if history.contains("events") { return yaml.integer("events", in: history, range: 1...100_000) }
        return Scenario.defaultHistoryEvents
    }

    // MARK: Paths

    /// Removes `.` and `name/..` pairs from a path, so `simulator/scenarios/../../devices/a.yaml` reads
    /// `devices/a.yaml` in problems and announcements.
    static func normalized(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == "..", absolute {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
