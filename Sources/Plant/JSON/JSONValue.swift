import FoundationEssentials

/// A JSON document, as MQTT sensor payloads carry them.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a payload.
    /// - Throws: `JSONPayloadError` with the decoder's reason when the bytes are not JSON.
    public static func parse(_ bytes: [UInt8]) throws(JSONPayloadError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            // Control characters escaped (`\u0000`): the preview goes to logs, terminals and the database.
            var preview = ""
            for scalar in String(decoding: bytes.prefix(60), as: UTF8.self).unicodeScalars {
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    preview += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    preview.unicodeScalars.append(scalar)
                }
            }
            throw JSONPayloadError(reason: "not JSON (\(Self.reason(error))): \(preview)")
        }
    }

    private static func reason(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return "\(error)"
    }

    /// The value at a dotted path (`pressure.value`, `sensors.0.temp`); `nil` if any step is missing.
    public func value(atPath path: String) -> JSONValue? {
        var current = self
        for step in path.split(separator: ".", omittingEmptySubsequences: false) {
            switch current {
            case .object(let members):
                guard let next = members[String(step)] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(step), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Serialises compactly, objects with their keys sorted; non-finite numbers become `null`.
    public var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value):
            guard value.isFinite else { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case .string(let value): return Self.quote(value)
        case .array(let items): return "[" + items.map(\.serialized).joined(separator: ",") + "]"
        case .object(let members):
            return "{"
                + members.keys.sorted().map { Self.quote($0) + ":" + members[$0]!.serialized }
                .joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += "\\u" + hex4(scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Builds an object from dotted paths (`pressure.value` → {"pressure": {"value": ...}}); numeric steps under an
    /// object stay object keys, so arrays are never created.
    public static func object(fromPaths entries: [(path: String, value: JSONValue)]) -> JSONValue {
        var root = JSONValue.object([:])
        for (path, value) in entries {
            root.insert(value, at: path.split(separator: ".").map(String.init)[...])
        }
        return root
    }

    private mutating func insert(_ value: JSONValue, at steps: ArraySlice<String>) {
        guard let first = steps.first else {
            self = value
            return
        }
        var members: [String: JSONValue]
        if case .object(let existing) = self { members = existing } else { members = [:] }
        var child = members[first] ?? .object([:])
        child.insert(value, at: steps.dropFirst())
        members[first] = child
        self = .object(members)
    }
}

private func hex4(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// A payload that is not JSON.
public struct JSONPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
