import Agent
import Foundation
import Plant
import Testing

/// docs/alarms.md is the contract with subscribers: its examples decode into the types the agent encodes, and its
/// table of decision kinds is exactly the set the agent can record.
@Suite("The documented payloads")
struct DocumentedPayloadTests {
    static let page: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/alarms.md"), encoding: .utf8)) ?? ""
    }()

    /// The first ```json block after a heading.
    static func example(after heading: String) throws -> [UInt8] {
        let section = try #require(page.range(of: "\n## \(heading)\n"), "docs/alarms.md has \"## \(heading)\"")
        let rest = page[section.upperBound...]
        let open = try #require(rest.range(of: "```json\n"))
        let close = try #require(rest[open.upperBound...].range(of: "\n```"))
        return Array(rest[open.upperBound..<close.lowerBound].utf8)
    }

    @Test("The alarm example decodes as an alarm message and encodes back to the same fields")
    func alarm() throws {
        let bytes = try Self.example(after: "Alarm message")
        let message = try JSONCoding.decode(AlarmMessage.self, from: bytes)
        #expect(message.alarmID == "furnace-b/1795392030000" && message.state == .active)
        #expect(message.severity == .critical && message.predictedMinimumMbar == 3.53)
        let documented = try JSONCoding.decode([String: JSONValue].self, from: bytes)
        let encoded = try JSONCoding.decode([String: JSONValue].self, from: JSONCoding.encode(message))
        #expect(Set(documented.keys) == Set(encoded.keys), "the documented fields are the encoded fields")
    }

    @Test("The outcome example decodes as an outcome message with the documented fields")
    func outcome() throws {
        let bytes = try Self.example(after: "Outcome message")
        let message = try JSONCoding.decode(OutcomeMessage.self, from: bytes)
        #expect(message.failed && message.alarmState == .confirmed && message.minimumSource == .register)
        let documented = try JSONCoding.decode([String: JSONValue].self, from: bytes)
        let encoded = try JSONCoding.decode([String: JSONValue].self, from: JSONCoding.encode(message))
        #expect(Set(documented.keys) == Set(encoded.keys))
    }

    @Test("The decision example decodes with its evidence, and the table lists every decision kind, no other")
    func decision() throws {
        let bytes = try Self.example(after: "Decision message")
        let message = try JSONCoding.decode(DecisionMessage.self, from: bytes)
        #expect(message.kind == .promotion && message.modelVersion == 3)
        let evidence = try JSONCoding.decode(
            PromotionPolicy.Evidence.self, from: JSONCoding.encode(message.details))
        #expect(evidence.events == 11 && evidence.alpha == 0.05)

        let section = try #require(Self.page.range(of: "\n## Decision message\n"))
        let rows = Self.page[section.upperBound...].split(separator: "\n").filter { $0.hasPrefix("| `") }
        let documented = Set(
            rows.flatMap { row in
                row.split(separator: "|")[0].split(separator: ",").map {
                    $0.trimmingCharacters(in: CharacterSet(charactersIn: " `"))
                }
            })
        #expect(documented == Set(DecisionKind.allCases.map(\.rawValue)))
    }
}
