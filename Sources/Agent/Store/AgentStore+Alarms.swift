public import Fieldbus
public import Plant
public import SQLite

/// A message on its way to the broker: stored first, removed once the broker acknowledged it.
public typealias OutboxMessage = MQTTMessage

extension MQTTMessage {
    /// A message whose payload is a JSON document.
    public init(topic: String, json: JSONValue, qos: Int = 1, retain: Bool = false) {
        self.init(topic: topic, payload: Array(json.serialized.utf8), qos: qos, retain: retain)
    }
}

/// An alarm's stored state.
public struct AlarmRecord: Sendable, Equatable {
    /// Stable: `<device>/<event start ms>`.
    public var id: String
    public var device: String
    public var eventID: Int64
    public var eventStart: Int64
    /// `active`, then `confirmed` (the event failed) or `cleared` (it reached its threshold after all).
    public var state: String
    /// Increases with every message about this alarm.
    public var sequence: Int
    public var severity: String
    public var raisedTime: Int64
    /// Seconds into the event when it was raised.
    public var raisedAtSeconds: Int
    public var updatedTime: Int64
    public var predicted: Double
    public var threshold: Double
    /// 0 for the fallback rule.
    public var modelVersion: Int

    public init(
        id: String, device: String, eventID: Int64, eventStart: Int64, state: String, sequence: Int, severity: String,
        raisedTime: Int64, raisedAtSeconds: Int, updatedTime: Int64, predicted: Double, threshold: Double,
        modelVersion: Int
    ) {
        self.id = id
        self.device = device
        self.eventID = eventID
        self.eventStart = eventStart
        self.state = state
        self.sequence = sequence
        self.severity = severity
        self.raisedTime = raisedTime
        self.raisedAtSeconds = raisedAtSeconds
        self.updatedTime = updatedTime
        self.predicted = predicted
        self.threshold = threshold
        self.modelVersion = modelVersion
    }
}

extension AgentStore {
    /// Saves an alarm's state and queues its messages, in one transaction.
    public func saveAlarm(_ alarm: AlarmRecord, messages: [OutboxMessage], at time: Int64) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            try database.run(
                """
                INSERT INTO alarms (id, device_id, event_id, state, sequence, severity, raised_ms, raised_at_s,
                    updated_ms, predicted, threshold, model_version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET state = excluded.state, sequence = excluded.sequence,
                    severity = excluded.severity, updated_ms = excluded.updated_ms, predicted = excluded.predicted,
                    model_version = excluded.model_version
                """, alarm.id, alarm.device, alarm.eventID, alarm.state, alarm.sequence, alarm.severity,
                alarm.raisedTime, alarm.raisedAtSeconds, alarm.updatedTime, alarm.predicted, alarm.threshold,
                alarm.modelVersion)
            try insertOutbox(messages, at: time)
        }
    }

    /// The alarm of an event, if one was raised.
    public func alarm(eventID: Int64) throws(SQLiteError) -> AlarmRecord? {
        try alarms(where: "a.event_id = ?", [eventID]).first
    }

    /// Alarms still active (after a restart, the agent picks them up again).
    public func activeAlarms() throws(SQLiteError) -> [AlarmRecord] {
        try alarms(where: "a.state = 'active'", [])
    }

    /// Every alarm of a device, oldest first.
    public func alarms(device: String) throws(SQLiteError) -> [AlarmRecord] {
        try alarms(where: "a.device_id = ?", [device])
    }

    private func alarms(
        where condition: String, _ parameters: [any SQLiteBindable]
    ) throws(SQLiteError) -> [AlarmRecord] {
        let rows = try database.prepare(
            """
            SELECT a.id, a.device_id, a.event_id, e.start_ms, a.state, a.sequence, a.severity, a.raised_ms,
                a.raised_at_s, a.updated_ms, a.predicted, a.threshold, a.model_version
            FROM alarms a JOIN events e ON e.id = a.event_id WHERE \(condition) ORDER BY a.raised_ms
            """
        ).query(parameters)
        return rows.map { row in
            AlarmRecord(
                id: row[0].text ?? "", device: row[1].text ?? "", eventID: row[2].integer ?? 0,
                eventStart: row[3].integer ?? 0, state: row[4].text ?? "", sequence: Int(row[5].integer ?? 0),
                severity: row[6].text ?? "", raisedTime: row[7].integer ?? 0,
                raisedAtSeconds: Int(row[8].integer ?? 0), updatedTime: row[9].integer ?? 0,
                predicted: row[10].real ?? 0, threshold: row[11].real ?? 0, modelVersion: Int(row[12].integer ?? 0))
        }
    }

    // MARK: Outbox

    /// Queues messages for the broker.
    public func enqueue(_ messages: [OutboxMessage], at time: Int64) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in try insertOutbox(messages, at: time) }
    }

    /// The oldest queued messages, in the order they were queued.
    public func pendingMessages(limit: Int = 100) throws(SQLiteError) -> [(id: Int64, message: OutboxMessage)] {
        try database.query("SELECT id, topic, payload, qos, retain FROM outbox ORDER BY id LIMIT ?", limit).map { row in
            (
                row[0].integer ?? 0,
                OutboxMessage(
                    topic: row[1].text ?? "", payload: row[2].blob ?? [], qos: Int(row[3].integer ?? 1),
                    retain: row[4].integer == 1)
            )
        }
    }

    /// Removes a message the broker acknowledged.
    public func acknowledge(outboxID: Int64) throws(SQLiteError) {
        try database.run("DELETE FROM outbox WHERE id = ?", outboxID)
    }

    /// Counts a failed delivery attempt.
    public func recordAttempt(outboxID: Int64) throws(SQLiteError) {
        try database.run("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", outboxID)
    }

    /// How many messages wait for the broker.
    public func outboxCount() throws(SQLiteError) -> Int {
        Int(try database.query("SELECT count(*) FROM outbox").first?[0].integer ?? 0)
    }

    func insertOutbox(_ messages: [OutboxMessage], at time: Int64) throws(SQLiteError) {
        for message in messages {
            try database.run(
                "INSERT INTO outbox (topic, payload, qos, retain, created_ms) VALUES (?, ?, ?, ?, ?)", message.topic,
                message.payload, message.qos, message.retain, time)
        }
    }

    // MARK: Decisions (audit log)

    /// Records a decision and queues its messages, in one transaction.
    public func recordDecision(
        kind: String, device: String?, modelVersion: Int?, summary: String, details: JSONValue, at time: Int64,
        messages: [OutboxMessage] = []
    ) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            try database.run(
                "INSERT INTO decisions (time_ms, kind, device_id, model_version, summary, details) VALUES (?, ?, ?, ?, ?, ?)",
                time, kind, device, modelVersion, summary, details.serialized)
            try insertOutbox(messages, at: time)
        }
    }

    /// The newest decisions, oldest first.
    public func decisions(limit: Int = 50, kind: String? = nil) throws(SQLiteError) -> [Decision] {
        try database.query(
            """
            SELECT time_ms, kind, device_id, model_version, summary, details FROM (
                SELECT * FROM decisions WHERE ? IS NULL OR kind = ? ORDER BY id DESC LIMIT ?) ORDER BY time_ms
            """, kind, kind, limit
        ).map { row in
            Decision(
                time: row[0].integer ?? 0, kind: row[1].text ?? "", device: row[2].text,
                modelVersion: row[3].integer.map { Int($0) }, summary: row[4].text ?? "", details: row[5].text ?? "{}")
        }
    }
}

/// One entry of the audit log.
public struct Decision: Sendable, Equatable {
    public var time: Int64
    public var kind: String
    public var device: String?
    public var modelVersion: Int?
    public var summary: String
    /// The numbers behind it, as JSON.
    public var details: String
}

extension AgentStore {
    /// After a restart: events that were running when the agent stopped can no longer be followed (their start and
    /// early polls are lost to the new process), so they are closed without a label, and their active alarms are
    /// returned for the caller to clear.
    public func closeInterruptedEvents(at time: Int64) throws(SQLiteError) -> [AlarmRecord] {
        let alarms = try activeAlarms()
        try database.run("UPDATE events SET end_ms = start_ms WHERE end_ms IS NULL")
        return alarms
    }

    /// Saves the latest status report.
    public func saveStatus(_ report: JSONValue, at time: Int64) throws(SQLiteError) {
        try database.run(
            "INSERT INTO agent_status (id, time_ms, report) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET time_ms = excluded.time_ms, report = excluded.report",
            time, report.serialized)
    }
}
