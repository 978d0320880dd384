public import Plant

/// The payload of a decision message, on `<prefix>/decisions`: one per entry of the audit log (docs/alarms.md,
/// "Decision message").
public struct DecisionMessage: Codable, Sendable, Equatable {
    public var kind: DecisionKind
    /// The furnace concerned; `null` for decisions about the whole fleet.
    public var device: String?
    /// The model concerned, if any.
    public var modelVersion: Int?
    /// One sentence for people.
    public var summary: String
    /// The numbers behind it (the evidence and the rule's thresholds).
    public var details: JSONValue
    /// ISO 8601, plant time.
    public var time: String

    enum CodingKeys: String, CodingKey {
        case kind, device
        case modelVersion = "model_version"
        case summary, details, time
    }

    public init(_ decision: Decision) {
        kind = decision.kind
        device = decision.device
        modelVersion = decision.modelVersion
        summary = decision.summary
        details = decision.details
        time = PlantTime.iso8601(decision.time)
    }

    /// `device` and `model_version` are written as `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(device, forKey: .device)
        try container.encode(modelVersion, forKey: .modelVersion)
        try container.encode(summary, forKey: .summary)
        try container.encode(details, forKey: .details)
        try container.encode(time, forKey: .time)
    }
}
