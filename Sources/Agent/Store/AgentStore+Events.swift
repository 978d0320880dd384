import Plant
public import SQLite

/// A pumping event as stored.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var device: String
    public var start: Int64
    public var end: Int64?
    public var threshold: Double
    public var previousMinimum: Double?
    /// The true minimum pressure, once known.
    public var minimum: Double?
    public var failed: Bool?
    /// Features by checkpoint (seconds into the event).
    public var features: [Int: [String: Double]]
}

/// One prediction of an event's minimum pressure.
public struct StoredPrediction: Sendable, Equatable {
    public var eventID: Int64
    public var checkpoint: Int
    /// 0 for the fallback rule.
    public var modelVersion: Int
    public var role: String
    public var predicted: Double
    public var time: Int64

    public init(eventID: Int64, checkpoint: Int, modelVersion: Int, role: String, predicted: Double, time: Int64) {
        self.eventID = eventID
        self.checkpoint = checkpoint
        self.modelVersion = modelVersion
        self.role = role
        self.predicted = predicted
        self.time = time
    }
}

extension AgentStore {
    /// Records the start of an event (or finds it again after a restart); returns its id.
    public func beginEvent(
        device: String, start: Int64, threshold: Double, previousMinimum: Double?
    )
        throws(SQLiteError) -> Int64
    {
        try database.run(
            """
            INSERT INTO events (device_id, start_ms, threshold, previous_minimum) VALUES (?, ?, ?, ?)
            ON CONFLICT (device_id, start_ms) DO NOTHING
            """, device, start, threshold, previousMinimum)
        let rows = try database.query("SELECT id FROM events WHERE device_id = ? AND start_ms = ?", device, start)
        return rows.first?[0].integer ?? 0
    }

    /// Records the features of an event at a checkpoint.
    public func recordFeatures(event: Int64, checkpoint: Int, features: [String: Double]) throws(SQLiteError) {
        try database.run(
            "INSERT OR REPLACE INTO event_features (event_id, checkpoint_s, feature_schema, features) VALUES (?, ?, ?, ?)",
            event, checkpoint, PumpingEventFeatures.schema, Self.json(features))
    }

    /// Records predictions (champion, shadows, fallback) in one transaction.
    public func recordPredictions(_ predictions: [StoredPrediction]) throws(SQLiteError) {
        guard !predictions.isEmpty else { return }
        let statement = try database.prepare(
            """
            INSERT OR REPLACE INTO predictions (event_id, checkpoint_s, model_version, role, predicted, time_ms)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        try database.transaction { () throws(SQLiteError) in
            for prediction in predictions {
                try statement.run([
                    prediction.eventID, prediction.checkpoint, prediction.modelVersion, prediction.role,
                    prediction.predicted, prediction.time,
                ])
            }
        }
    }

    /// Records an event's end and, when known, its true minimum.
    public func finishEvent(
        id: Int64, end: Int64, minimum: Double?, source: String?, failed: Bool?
    ) throws(SQLiteError) {
        try database.run(
            "UPDATE events SET end_ms = ?, minimum = ?, minimum_source = ?, failed = ? WHERE id = ?", end, minimum,
            source, failed.map { $0 ? 1 : 0 }, id)
    }

    /// Events with their features, newest last.
    /// - Parameters:
    ///   - device: one device, or all.
    ///   - labeledOnly: only events whose true minimum is known.
    ///   - limit: at most this many (the newest).
    public func events(
        device: String? = nil, labeledOnly: Bool = false, limit: Int = 10_000
    )
        throws(SQLiteError) -> [StoredEvent]
    {
        let rows = try database.query(
            """
            SELECT id, device_id, start_ms, end_ms, threshold, previous_minimum, minimum, failed FROM (
                SELECT * FROM events WHERE (? IS NULL OR device_id = ?) AND (? = 0 OR minimum IS NOT NULL)
                ORDER BY start_ms DESC LIMIT ?) ORDER BY start_ms
            """, device, device, labeledOnly ? 1 : 0, limit)
        var events = rows.map { row in
            StoredEvent(
                id: row[0].integer ?? 0, device: row[1].text ?? "", start: row[2].integer ?? 0, end: row[3].integer,
                threshold: row[4].real ?? 0, previousMinimum: row[5].real, minimum: row[6].real,
                failed: row[7].integer.map { $0 != 0 }, features: [:])
        }
        guard let first = events.first?.id else { return events }
        let index = Dictionary(uniqueKeysWithValues: events.enumerated().map { ($0.element.id, $0.offset) })
        let features = try database.prepare(
            "SELECT event_id, checkpoint_s, features FROM event_features WHERE event_id >= ? AND feature_schema = ?")
        try features.forEachRow([first, PumpingEventFeatures.schema]) { row throws(SQLiteError) in
            guard let id = row[0].integer, let position = index[id], let checkpoint = row[1].integer,
                let text = row[2].text
            else { return }
            events[position].features[Int(checkpoint)] = Self.features(fromJSON: text)
        }
        return events
    }

    /// The predictions made for labeled events of a device, joined with the true minimum.
    public func labeledPredictions(
        device: String, sinceEventStart: Int64 = .min
    )
        throws(SQLiteError) -> [(prediction: StoredPrediction, minimum: Double, eventStart: Int64)]
    {
        let rows = try database.query(
            """
            SELECT p.event_id, p.checkpoint_s, p.model_version, p.role, p.predicted, p.time_ms, e.minimum, e.start_ms
            FROM predictions p JOIN events e ON e.id = p.event_id
            WHERE e.device_id = ? AND e.minimum IS NOT NULL AND e.start_ms >= ?
            ORDER BY e.start_ms, p.checkpoint_s
            """, device, sinceEventStart)
        return rows.map { row in
            (
                StoredPrediction(
                    eventID: row[0].integer ?? 0, checkpoint: Int(row[1].integer ?? 0),
                    modelVersion: Int(row[2].integer ?? 0), role: row[3].text ?? "", predicted: row[4].real ?? 0,
                    time: row[5].integer ?? 0),
                row[6].real ?? 0, row[7].integer ?? 0
            )
        }
    }

    static func json(_ features: [String: Double]) -> String {
        JSONValue.object(features.mapValues { $0.isFinite ? JSONValue.number($0) : .null }).serialized
    }

    static func features(fromJSON text: String) -> [String: Double] {
        guard case .object(let members)? = try? JSONValue.parse(Array(text.utf8)) else { return [:] }
        return members.mapValues { value in
            if case .number(let number) = value { return number }
            return .nan
        }
    }
}
