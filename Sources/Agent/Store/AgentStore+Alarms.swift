import Plant
public import SQLite

/// An alarm's stored state.
public struct AlarmRecord: Sendable, Equatable {
    /// Stable: `<device>/<event start ms>`.
    public var id: String
    public var device: String
    public var eventID: Int64
    public var eventStart: Int64
    public var state: AlarmState
    /// Increases with every message about this alarm.
    public var sequence: Int
    public var severity: AlarmSeverity
    public var raisedTime: Int64
    /// Seconds into the event when it was raised.
    public var raisedAtSeconds: Int
    public var updatedTime: Int64
    /// The prediction that raised (or last updated) it.
    public var predicted: Double
    public var threshold: Double
    /// 0 for the fallback rule.
    public var modelVersion: Int
    /// The features that moved the deciding prediction most (none for the fallback rule).
    public var reasons: [AlarmReason]
    /// How sure the deciding prediction is, from the model's own errors on the furnace (nil until it has enough).
    public var uncertainty: PredictionUncertainty?
    /// What raised it: its predicted minimum, its failure probability, or its minimum for want of a probability (nil
    /// for alarms stored before schema version 5).
    public var raisedOn: AlarmPolicy.Basis?

    public init(
        id: String, device: String, eventID: Int64, eventStart: Int64, state: AlarmState, sequence: Int,
        severity: AlarmSeverity, raisedTime: Int64, raisedAtSeconds: Int, updatedTime: Int64, predicted: Double,
        threshold: Double, modelVersion: Int, reasons: [AlarmReason] = [], uncertainty: PredictionUncertainty? = nil,
        raisedOn: AlarmPolicy.Basis? = nil
    ) {
        self.raisedOn = raisedOn
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
        self.reasons = reasons
        self.uncertainty = uncertainty
    }
}

/// How a device's alarms did against its events' outcomes (aggregated in SQL).
public struct AlarmPerformance: Sendable, Equatable, Codable {
    /// Finished, labeled events.
    public var events: Int
    public var failedEvents: Int
    public var alarms: Int
    /// Alarms whose event failed.
    public var confirmed: Int
    /// Alarms whose event reached its threshold after all.
    public var falseAlarms: Int
    /// Failed events without an alarm.
    public var missed: Int
    /// Mean seconds between raising an alarm and the end of its (failed) event.
    public var meanLeadSeconds: Double?
    public var minimumLeadSeconds: Double?

    /// Confirmed ÷ alarms; nil without alarms.
    public var precision: Double? { alarms == 0 ? nil : Double(confirmed) / Double(alarms) }
    /// Alarmed failures ÷ failures; nil without failures.
    public var recall: Double? { failedEvents == 0 ? nil : Double(confirmed) / Double(failedEvents) }

    enum CodingKeys: String, CodingKey {
        case events
        case failedEvents = "failed_events"
        case alarms, confirmed
        case falseAlarms = "false_alarms"
        case missed
        case meanLeadSeconds = "mean_lead_seconds"
        case minimumLeadSeconds = "minimum_lead_seconds"
        case precision, recall
    }

    public init(
        events: Int, failedEvents: Int, alarms: Int, confirmed: Int, falseAlarms: Int, missed: Int,
        meanLeadSeconds: Double?, minimumLeadSeconds: Double?
    ) {
        self.events = events
        self.failedEvents = failedEvents
        self.alarms = alarms
        self.confirmed = confirmed
        self.falseAlarms = falseAlarms
        self.missed = missed
        self.meanLeadSeconds = meanLeadSeconds
        self.minimumLeadSeconds = minimumLeadSeconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        events = try container.decode(Int.self, forKey: .events)
        failedEvents = try container.decode(Int.self, forKey: .failedEvents)
        alarms = try container.decode(Int.self, forKey: .alarms)
        confirmed = try container.decode(Int.self, forKey: .confirmed)
        falseAlarms = try container.decode(Int.self, forKey: .falseAlarms)
        missed = try container.decode(Int.self, forKey: .missed)
        meanLeadSeconds = try container.decodeIfPresent(Double.self, forKey: .meanLeadSeconds)
        minimumLeadSeconds = try container.decodeIfPresent(Double.self, forKey: .minimumLeadSeconds)
    }

    /// Writes precision and recall too (derived), `null` where undefined.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
        try container.encode(failedEvents, forKey: .failedEvents)
        try container.encode(alarms, forKey: .alarms)
        try container.encode(confirmed, forKey: .confirmed)
        try container.encode(falseAlarms, forKey: .falseAlarms)
        try container.encode(missed, forKey: .missed)
        try container.encode(meanLeadSeconds, forKey: .meanLeadSeconds)
        try container.encode(minimumLeadSeconds, forKey: .minimumLeadSeconds)
        try container.encode(precision, forKey: .precision)
        try container.encode(recall, forKey: .recall)
    }
}

extension AgentStore {
    /// The alarm of an event, if one was raised.
    public func alarm(eventID: Int64) throws(SQLiteError) -> AlarmRecord? {
        try alarms(where: "a.event_id = ?", [eventID]).first
    }

    /// Alarms still active (after a restart, they belong to events the new process cannot follow).
    public func activeAlarms() throws(SQLiteError) -> [AlarmRecord] {
        try alarms(where: "a.state = 'active'", [])
    }

    /// Every alarm of a device, oldest first.
    public func alarms(device: String) throws(SQLiteError) -> [AlarmRecord] {
        try alarms(where: "a.device_id = ?", [device])
    }

    /// How a device's alarms did on its labeled events (since a time).
    public func alarmPerformance(device: String, since: Int64 = .min) throws(SQLiteError) -> AlarmPerformance {
        let row = try database.query(
            """
            SELECT count(*) AS events, coalesce(sum(e.failed = 1), 0) AS failed,
                count(a.id) AS alarms, coalesce(sum(a.id IS NOT NULL AND e.failed = 1), 0) AS confirmed,
                coalesce(sum(a.id IS NULL AND e.failed = 1), 0) AS missed,
                avg(CASE WHEN e.failed = 1 THEN (e.end_ms - a.raised_ms) / 1000.0 END) AS mean_lead,
                min(CASE WHEN e.failed = 1 THEN (e.end_ms - a.raised_ms) / 1000.0 END) AS minimum_lead
            FROM events e LEFT JOIN alarms a ON a.event_id = e.id
            WHERE e.device_id = ? AND e.minimum IS NOT NULL AND e.end_ms IS NOT NULL AND e.start_ms >= ?
            """, device, since
        ).first
        let alarms = Int(row?["alarms"].integer ?? 0)
        let confirmed = Int(row?["confirmed"].integer ?? 0)
        return AlarmPerformance(
            events: Int(row?["events"].integer ?? 0), failedEvents: Int(row?["failed"].integer ?? 0), alarms: alarms,
            confirmed: confirmed, falseAlarms: alarms - confirmed, missed: Int(row?["missed"].integer ?? 0),
            meanLeadSeconds: row?["mean_lead"].real, minimumLeadSeconds: row?["minimum_lead"].real)
    }

    private func alarms(
        where condition: String, _ parameters: [any SQLiteBindable]
    ) throws(SQLiteError)
        -> [AlarmRecord]
    {
        try database.prepare(
            """
            SELECT a.*, e.start_ms FROM alarms a JOIN events e ON e.id = a.event_id WHERE \(condition)
            ORDER BY a.raised_ms
            """
        ).query(parameters).map { row in
            AlarmRecord(
                id: row["id"].text ?? "", device: row["device_id"].text ?? "", eventID: row["event_id"].integer ?? 0,
                eventStart: row["start_ms"].integer ?? 0,
                state: AlarmState(rawValue: row["state"].text ?? "") ?? .cleared,
                sequence: Int(row["sequence"].integer ?? 0),
                severity: AlarmSeverity(rawValue: row["severity"].text ?? "") ?? .warning,
                raisedTime: row["raised_ms"].integer ?? 0, raisedAtSeconds: Int(row["raised_at_s"].integer ?? 0),
                updatedTime: row["updated_ms"].integer ?? 0, predicted: row["predicted"].real ?? 0,
                threshold: row["threshold"].real ?? 0, modelVersion: Int(row["model_version"].integer ?? 0),
                reasons: (try? JSONCoding.decode([AlarmReason].self, from: Array((row["reasons"].text ?? "[]").utf8)))
                    ?? [],
                uncertainty: row["uncertainty"].text.flatMap {
                    try? JSONCoding.decode(PredictionUncertainty.self, from: Array($0.utf8))
                }, raisedOn: row["raised_on"].text.flatMap(AlarmPolicy.Basis.init(rawValue:)))
        }
    }

    func upsert(_ alarm: AlarmRecord) throws(SQLiteError) {
        try database.run(
            """
            INSERT INTO alarms (id, device_id, event_id, state, sequence, severity, raised_ms, raised_at_s,
                updated_ms, predicted, threshold, model_version, reasons, uncertainty, raised_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, sequence = excluded.sequence,
                severity = excluded.severity, updated_ms = excluded.updated_ms, predicted = excluded.predicted,
                model_version = excluded.model_version, reasons = excluded.reasons,
                uncertainty = excluded.uncertainty, raised_on = excluded.raised_on
            """, alarm.id, alarm.device, alarm.eventID, alarm.state.rawValue, alarm.sequence, alarm.severity.rawValue,
            alarm.raisedTime, alarm.raisedAtSeconds, alarm.updatedTime, alarm.predicted, alarm.threshold,
            alarm.modelVersion, JSONCoding.text(alarm.reasons), alarm.uncertainty.map { JSONCoding.text($0) },
            alarm.raisedOn?.rawValue)
    }
}
