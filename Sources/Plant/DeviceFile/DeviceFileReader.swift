import YAML

/// A device file read without problems, with the places the cross-file rules point at.
struct ParsedDeviceFile {
    var device: DeviceFile
    /// Where the `id` value is written.
    var idMark: YAMLMark
    /// Where the endpoint is written: the host, serial device or topic value (or the connection when defaulted).
    var endpointMark: YAMLMark
}

/// Reads one device file's YAML tree into a ``DeviceFile``, recording every problem on the way.
///
/// The sections live in extensions: `+Connection`, `+Signals`, `+Event`. The format is documented key by key in
/// `docs/device-files.md`.
struct DeviceFileReader {
    var yaml: YAMLSchemaReader

    static let topLevelKeys = [
        "id", "kind", "name", "connection", "poll_interval", "signals", "attributes", "event",
    ]

    init(file: String) {
        yaml = YAMLSchemaReader(file: file)
    }

    /// Reads a whole file; `nil` when it has any problem (see `yaml.problems`).
    mutating func read(bytes: [UInt8]) -> ParsedDeviceFile? {
        guard let root = yaml.document(bytes: bytes),
            let fields = yaml.mapping(
                root, field: "", keys: Self.topLevelKeys,
                explanations: ["device": "unknown key; the file is one device, its keys are at the top level"])
        else { return nil }

        let id = readID(in: fields)
        let kind = yaml.nonEmptyString("kind", in: fields, required: true)
        let name = yaml.nonEmptyString("name", in: fields) ?? id
        let pollInterval = readPollInterval(in: fields)
        let connection = readConnection(in: fields, pollInterval: pollInterval)
        let signals = readSignals(in: fields, transport: connection.transport)
        let attributes = readAttributes(in: fields)
        let event = readEvent(in: fields, signals: signals)

        guard yaml.problems.isEmpty, let id, let kind, let name, let pollInterval, let endpoint = connection.value,
            let signals = signals?.compactMap(\.definition), let idMark = fields["id"]?.mark
        else { return nil }
        let device = DeviceFile(
            id: id, kind: kind, name: name, connection: endpoint, pollIntervalSeconds: pollInterval,
            signals: signals, attributes: attributes, event: event)
        return ParsedDeviceFile(device: device, idMark: idMark, endpointMark: connection.endpointMark)
    }

    // MARK: Identity and timing

    /// `[a-z0-9][a-z0-9_-]*`, at most 64 characters: safe in file names, SQL, MQTT topics and feature names.
    static func isDeviceID(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64, isLowerAlphanumeric(first) else { return false }
        return text.utf8.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    /// `[a-z][a-z0-9_]*`, at most 64 characters: signal and attribute names become column and feature names.
    static func isSnakeCaseName(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 64, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z")
        else { return false }
        return text.utf8.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    private mutating func readID(in fields: YAMLFields) -> String? {
        guard let id = yaml.string("id", in: fields, required: true), let node = fields["id"] else { return nil }
        guard Self.isDeviceID(id) else {
            yaml.report(
                "\(YAMLProblem.quote(id)) is not a valid id; use lowercase letters, digits, - and _, starting with a "
                    + "letter or digit (at most 64 characters)",
                field: "id", node: node)
            return nil
        }
        return id
    }

    private mutating func readPollInterval(in fields: YAMLFields) -> Double? {
        if fields.contains("poll_interval") {
            return yaml.positiveDuration("poll_interval", in: fields, within: DeviceFile.pollIntervalRange)
        }
        return 30
    }

    // MARK: Attributes

    private mutating func readAttributes(in fields: YAMLFields) -> [StaticAttribute] {
        guard let attributes = yaml.mapping("attributes", in: fields, keys: nil) else { return [] }
        var result: [StaticAttribute] = []
        for entry in attributes.entries {
            let field = attributes.path(entry.key.text)
            guard Self.isSnakeCaseName(entry.key.text) else {
                yaml.report(
                    "\(YAMLProblem.quote(entry.key.text)) is not a valid attribute name; use lowercase letters, digits "
                        + "and _, starting with a letter (units in the name: chamber_volume_m3)",
                    field: field, at: entry.keyMark, value: entry.key.text)
                continue
            }
            if let value = yaml.number(entry.value, field: field) {
                result.append(StaticAttribute(name: entry.key.text, value: value))
            }
        }
        return result
    }
}
