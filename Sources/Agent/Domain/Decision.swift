public import Plant

/// One decision of the agent (or of a person through the command line): what was decided, about which furnace
/// and model, in one sentence, with the numbers behind it. Made in one place, recorded once by the
/// ``DecisionJournal`` (audit row and outbox message in one transaction, one log line).
public struct Decision: Sendable, Equatable {
    public var kind: DecisionKind
    public var device: String?
    public var modelVersion: Int?
    public var summary: String
    public var details: JSONValue
    /// Plant time, ms since the Unix epoch.
    public var time: Int64

    public init(
        _ kind: DecisionKind, device: String? = nil, model: Int? = nil, summary: String,
        details: JSONValue = .object([:]), at time: Int64
    ) {
        self.kind = kind
        self.device = device
        modelVersion = model
        self.summary = summary
        self.details = details
        self.time = time
    }
}
