import FoundationEssentials

extension JSONValue: Encodable {
    /// Encodes as the JSON value it is; non-finite numbers become `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
        case .string(let value): try container.encode(value)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}

/// The one way Hearth turns its `Codable` payloads (alarms, outcomes, decisions, status) into JSON and back:
/// keys sorted, no escaped slashes, non-finite numbers as the strings `NaN`, `Infinity`, `-Infinity` rather than a
/// failure.
public enum JSONCoding {
    /// The JSON bytes of a value.
    public static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Only a value whose own `encode(to:)` throws gets here; say so in the document rather than losing it.
            return Array(#"{"encoding_error":"\#(error)"}"#.utf8)
        }
    }

    /// The JSON text of a value.
    public static func text<Value: Encodable>(_ value: Value) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    /// Decodes a value from JSON bytes.
    /// - Throws: `JSONPayloadError` with the decoder's reason.
    public static func decode<Value: Decodable>(
        _ type: Value.Type, from bytes: [UInt8]
    ) throws(JSONPayloadError) -> Value {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw JSONPayloadError(reason: "\(error)")
        }
    }
}

extension JSONValue {
    /// The JSON value of an encodable value (to put a typed payload into an audit entry's details).
    public init<Value: Encodable>(encoding value: Value) {
        self = (try? JSONValue.parse(JSONCoding.encode(value))) ?? .null
    }
}
