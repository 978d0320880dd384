public import Logging
import Plant

/// Where every decision, alarm and outcome is recorded: the audit row, the registry or alarm change and the outbox
/// message in one transaction (``AgentStore/commit(_:at:)``), then one log line and one narration line per decision.
///
/// The agent's loop and the command line write through the same journal, so a promotion by hand is recorded,
/// published and logged exactly like one the agent decides.
public struct DecisionJournal: Sendable {
    public let store: AgentStore
    /// The topics messages go to; nil when no broker is configured (nothing is queued that nothing would send).
    public let topics: MessageTopics?
    let logger: Logger
    let narrate: @Sendable (String) -> Void
    let messagesQueued: @Sendable () -> Void

    public init(
        store: AgentStore, topics: MessageTopics?, logger: Logger,
        narrate: @escaping @Sendable (String) -> Void = { _ in },
        messagesQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.topics = topics
        self.logger = logger
        self.narrate = narrate
        self.messagesQueued = messagesQueued
    }

    /// An alarm's new state and what to say about its source.
    public struct AlarmUpdate: Sendable {
        public var alarm: AlarmRecord
        /// `model vN`, `fallback rule`, or `agent restart`.
        public var source: String

        public init(_ alarm: AlarmRecord, source: String) {
            self.alarm = alarm
            self.source = source
        }
    }

    /// Records a journal entry with its alarm updates and outcomes; builds every message from the typed payloads.
    /// - Throws: `SQLiteError` when the transaction fails (nothing of it is then recorded).
    public func record(
        _ entry: JournalEntry, alarms: [AlarmUpdate] = [], outcomes: [OutcomeMessage] = [], at time: Int64
    ) async throws {
        var entry = entry
        entry.alarms += alarms.map(\.alarm)
        if let topics {
            for update in alarms {
                entry.messages += AlarmMessage(update.alarm, time: time, source: update.source).messages(
                    topics: topics, eventStart: update.alarm.eventStart)
            }
            for outcome in outcomes {
                entry.messages.append(OutboxMessage(topic: topics.outcomes(device: outcome.device), encoding: outcome))
            }
            for decision in entry.decisions {
                entry.messages.append(OutboxMessage(topic: topics.decisions, encoding: DecisionMessage(decision)))
            }
        }
        try await store.commit(entry, at: time)
        if !entry.messages.isEmpty { messagesQueued() }
        for decision in entry.decisions {
            var metadata: Logger.Metadata = ["kind": "\(decision.kind.rawValue)"]
            if let device = decision.device { metadata["device"] = "\(device)" }
            if let model = decision.modelVersion { metadata["model"] = "\(model)" }
            logger.log(level: Self.level(decision.kind), "\(decision.summary)", metadata: metadata)
            narrate(Narration.decision(decision))
        }
    }

    /// Records one decision (and what it changes).
    public func record(_ decision: Decision, changing entry: JournalEntry = JournalEntry()) async throws {
        var entry = entry
        entry.decisions.append(decision)
        try await record(entry, at: decision.time)
    }

    /// How loud a decision is in the log.
    static func level(_ kind: DecisionKind) -> Logger.Level {
        switch kind {
        case .rollback, .drift, .conceptDrift, .modelUnusable, .initialModelRejected, .deviceFileRejected,
            .candidateFailed, .fallback:
            .warning
        case .promotion, .confirmed, .onboarded, .deployed, .imported, .deviceRemoved, .deviceUpdated,
            .restartRecovered:
            .notice
        case .candidate, .shadow, .shadowRejected, .withdrawn, .driftCleared, .driftCheckSkipped:
            .info
        }
    }
}

extension OutboxMessage {
    /// A QoS 1 message whose payload is a typed value's JSON.
    public init<Payload: Encodable>(topic: String, encoding payload: Payload, retain: Bool = false) {
        self.init(topic: topic, payload: JSONCoding.encode(payload), qos: 1, retain: retain)
    }
}
