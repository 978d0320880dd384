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
    /// Features by checkpoint (seconds into the event); empty when not asked for.
    public var features: [Int: [String: Double]]
}

/// One prediction of an event's minimum pressure.
public struct StoredPrediction: Sendable, Equatable {
    public var eventID: Int64
    public var checkpoint: Int
    /// 0 for the fallback rule.
    public var modelVersion: Int
    public var role: PredictionRole
    public var predicted: Double
    public var time: Int64
    /// Its conformal interval and failure probability, from the same model's labeled predictions on the furnace at
    /// this checkpoint; nil while the model has fewer than ``PredictionUncertainty/minimumEvents`` of them.
    public var uncertainty: PredictionUncertainty?

    public init(
        eventID: Int64, checkpoint: Int, modelVersion: Int, role: PredictionRole, predicted: Double, time: Int64,
        uncertainty: PredictionUncertainty? = nil
    ) {
        self.eventID = eventID
        self.checkpoint = checkpoint
        self.modelVersion = modelVersion
        self.role = role
        self.predicted = predicted
        self.time = time
        self.uncertainty = uncertainty
    }
}

/// A prediction for a labeled event, with what the event turned out to be.
public struct LabeledPrediction: Sendable, Equatable {
    public var eventID: Int64
    public var eventStart: Int64
    public var checkpoint: Int
    public var modelVersion: Int
    public var predicted: Double
    public var minimum: Double
    public var threshold: Double
    public var failed: Bool
    /// The failure probability stored with the prediction (nil where none could be computed).
    public var failureProbability: Double?
    /// The interval stored with it, as served (nil where none could be computed, and for backtests).
    public var uncertainty: PredictionUncertainty?

    public init(
        eventID: Int64, eventStart: Int64, checkpoint: Int, modelVersion: Int, predicted: Double, minimum: Double,
        threshold: Double, failed: Bool, failureProbability: Double? = nil, uncertainty: PredictionUncertainty? = nil
    ) {
        self.failureProbability = failureProbability
        self.uncertainty = uncertainty
        self.eventID = eventID
        self.eventStart = eventStart
        self.checkpoint = checkpoint
        self.modelVersion = modelVersion
        self.predicted = predicted
        self.minimum = minimum
        self.threshold = threshold
        self.failed = failed
    }
}

/// A model's live error on a furnace's labeled events, computed in SQL.
public struct ModelErrorSummary: Sendable, Equatable {
    public var modelVersion: Int
    /// Labeled events it predicted for (from the checkpoint asked for).
    public var events: Int
    public var predictions: Int
    /// Mean absolute percentage error, % (minima of 0 left out); nil without predictions.
    public var mapePercent: Double?
    /// Mean absolute error, in the pressure's unit.
    public var maeMbar: Double?
}

extension AgentStore {
    /// Records the start of an event (or finds it again after a restart); returns its id.
    public func beginEvent(
        device: String, start: Int64, threshold: Double, previousMinimum: Double?
    ) throws(SQLiteError) -> Int64 {
        try database.run(
            """
            INSERT INTO events (device_id, start_ms, threshold, previous_minimum) VALUES (?, ?, ?, ?)
            ON CONFLICT (device_id, start_ms) DO NOTHING
            """, device, start, threshold, previousMinimum)
        let rows = try database.query("SELECT id FROM events WHERE device_id = ? AND start_ms = ?", device, start)
        return rows.first?["id"].integer ?? 0
    }

    /// Records an event's features at a checkpoint and the predictions made from them, in one transaction.
    public func recordCheckpoint(
        event: Int64, checkpoint: Int, features: [String: Double], predictions: [StoredPrediction]
    ) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            try database.run(
                """
                INSERT OR REPLACE INTO event_features (event_id, checkpoint_s, feature_schema, features)
                VALUES (?, ?, ?, ?)
                """, event, checkpoint, PumpingEventFeatures.schema, Self.json(features))
            for prediction in predictions {
                try database.run(
                    """
                    INSERT OR REPLACE INTO predictions (event_id, checkpoint_s, model_version, role, predicted, time_ms,
                        lower, upper, failure_probability, coverage, calibration_events)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, prediction.eventID, prediction.checkpoint, prediction.modelVersion, prediction.role.rawValue,
                    prediction.predicted, prediction.time, prediction.uncertainty?.lowMbar,
                    prediction.uncertainty?.highMbar, prediction.uncertainty?.failureProbability,
                    prediction.uncertainty?.coverage, prediction.uncertainty?.calibrationEvents)
            }
        }
    }

    /// Records an event's end (its label follows in ``labelEvent(id:minimum:source:failed:)``).
    public func finishEvent(id: Int64, end: Int64) throws(SQLiteError) {
        try database.run("UPDATE events SET end_ms = ? WHERE id = ?", end, id)
    }

    /// Records an event's true minimum.
    public func labelEvent(id: Int64, minimum: Double, source: MinimumSource, failed: Bool) throws(SQLiteError) {
        try database.run(
            "UPDATE events SET minimum = ?, minimum_source = ?, failed = ? WHERE id = ?", minimum, source.rawValue,
            failed, id)
    }

    /// Events, newest last.
    /// - Parameters:
    ///   - device: one device, or all.
    ///   - labeledOnly: only events whose true minimum is known.
    ///   - since: only events that started at or after this time.
    ///   - limit: at most this many (the newest).
    ///   - withFeatures: also read their features (JSON per checkpoint).
    public func events(
        device: String? = nil, labeledOnly: Bool = false, since: Int64 = .min, limit: Int = 10_000,
        withFeatures: Bool = true
    ) throws(SQLiteError) -> [StoredEvent] {
        let rows = try database.query(
            """
            SELECT * FROM (
                SELECT id, device_id, start_ms, end_ms, threshold, previous_minimum, minimum, failed FROM events
                WHERE (? IS NULL OR device_id = ?) AND (? = 0 OR minimum IS NOT NULL) AND start_ms >= ?
                ORDER BY start_ms DESC LIMIT ?)
            ORDER BY start_ms
            """, device, device, labeledOnly, since, limit)
        var events = rows.map { row in
            StoredEvent(
                id: row["id"].integer ?? 0, device: row["device_id"].text ?? "", start: row["start_ms"].integer ?? 0,
                end: row["end_ms"].integer, threshold: row["threshold"].real ?? 0,
                previousMinimum: row["previous_minimum"].real, minimum: row["minimum"].real,
                failed: row["failed"].integer.map { $0 != 0 }, features: [:])
        }
        guard withFeatures, let first = events.map(\.id).min() else { return events }
        let index = Dictionary(uniqueKeysWithValues: events.enumerated().map { ($0.element.id, $0.offset) })
        let features = try database.prepare(
            """
            SELECT event_id, checkpoint_s, features FROM event_features WHERE event_id >= ? AND feature_schema = ?
            """)
        try features.forEachRow([first, PumpingEventFeatures.schema]) { row throws(SQLiteError) in
            guard let id = row["event_id"].integer, let position = index[id],
                let checkpoint = row["checkpoint_s"].integer, let text = row["features"].text
            else { return }
            events[position].features[Int(checkpoint)] = Self.features(fromJSON: text)
        }
        return events
    }

    /// How many events of a device are stored.
    public func eventCount(device: String) throws(SQLiteError) -> Int {
        Int(try database.query("SELECT count(*) AS n FROM events WHERE device_id = ?", device).first?["n"].integer ?? 0)
    }

    /// Events whose end was never recorded (running when a previous run stopped).
    public func unfinishedEvents() throws(SQLiteError) -> [Int64] {
        try database.query("SELECT id FROM events WHERE end_ms IS NULL").compactMap { $0["id"].integer }
    }

    /// How many of a device's events are labeled (since a time).
    public func labeledEventCount(device: String, since: Int64 = .min) throws(SQLiteError) -> Int {
        Int(
            try database.query(
                "SELECT count(*) AS n FROM events WHERE device_id = ? AND minimum IS NOT NULL AND start_ms >= ?",
                device, since
            ).first?["n"].integer ?? 0)
    }

    /// The predictions some models made for a device's labeled events since a time, from a checkpoint on, with the
    /// events' outcomes — the evidence live comparisons are computed from.
    public func labeledPredictions(
        device: String, models: [Int], since: Int64 = .min, fromCheckpoint: Int = 0
    ) throws(SQLiteError) -> [LabeledPrediction] {
        guard !models.isEmpty else { return [] }
        let list = models.map(String.init).joined(separator: ",")
        return try database.query(
            """
            SELECT p.event_id, e.start_ms, p.checkpoint_s, p.model_version, p.predicted, e.minimum, e.threshold,
                e.failed, p.failure_probability, p.lower, p.upper, p.coverage, p.calibration_events
            FROM predictions p JOIN events e ON e.id = p.event_id
            WHERE e.device_id = ? AND e.minimum IS NOT NULL AND e.start_ms >= ? AND p.checkpoint_s >= ?
                AND p.model_version IN (\(list))
            ORDER BY e.start_ms, p.checkpoint_s, p.model_version
            """, device, since, fromCheckpoint
        ).map(Self.labeledPrediction)
    }

    /// The deciding predictions (champion's, or the fallback rule's) a device was served at one checkpoint on its
    /// newest `limit` labeled events, in event order, with the intervals stored with them.
    public func servedPredictions(
        device: String, checkpoint: Int, limit: Int = 500
    ) throws(SQLiteError) -> [LabeledPrediction] {
        try database.query(
            """
            SELECT * FROM (
                SELECT p.event_id, e.start_ms, p.checkpoint_s, p.model_version, p.predicted, e.minimum, e.threshold,
                    e.failed, p.failure_probability, p.lower, p.upper, p.coverage, p.calibration_events
                FROM predictions p JOIN events e ON e.id = p.event_id
                WHERE e.device_id = ? AND e.minimum IS NOT NULL AND p.checkpoint_s = ?
                    AND p.role IN ('champion', 'fallback')
                ORDER BY e.start_ms DESC LIMIT ?)
            ORDER BY start_ms
            """, device, checkpoint, limit
        ).map(Self.labeledPrediction)
    }

    /// Saves a candidate's backtest predictions (see ``CandidateBuilder``): (event, checkpoint, predicted minimum).
    public func saveBacktest(
        model: Int, predictions: [(event: Int64, checkpoint: Int, predicted: Double)]
    )
        throws(SQLiteError)
    {
        try database.transaction { () throws(SQLiteError) in
            let insert = try database.prepare(
                """
                INSERT OR IGNORE INTO backtest_predictions (model_version, event_id, checkpoint_s, predicted)
                VALUES (?, ?, ?, ?)
                """)
            for prediction in predictions {
                try insert.run([model, prediction.event, prediction.checkpoint, prediction.predicted])
            }
        }
    }

    /// A model's backtest predictions with the events' outcomes, from a checkpoint on, in event order.
    public func backtestPredictions(model: Int, fromCheckpoint: Int = 0) throws(SQLiteError) -> [LabeledPrediction] {
        try database.query(
            """
            SELECT b.event_id, e.start_ms, b.checkpoint_s, b.model_version, b.predicted, e.minimum, e.threshold,
                e.failed
            FROM backtest_predictions b JOIN events e ON e.id = b.event_id
            WHERE b.model_version = ? AND e.minimum IS NOT NULL AND b.checkpoint_s >= ?
            ORDER BY e.start_ms, b.checkpoint_s
            """, model, fromCheckpoint
        ).map(Self.labeledPrediction)
    }

    /// A row of predictions (or backtest predictions) joined with its event's outcome; a missing
    /// `failure_probability` column or value reads as none.
    static func labeledPrediction(_ row: Row) -> LabeledPrediction {
        LabeledPrediction(
            eventID: row["event_id"].integer ?? 0, eventStart: row["start_ms"].integer ?? 0,
            checkpoint: Int(row["checkpoint_s"].integer ?? 0), modelVersion: Int(row["model_version"].integer ?? 0),
            predicted: row["predicted"].real ?? 0, minimum: row["minimum"].real ?? 0,
            threshold: row["threshold"].real ?? 0, failed: (row["failed"].integer ?? 0) != 0,
            failureProbability: row["failure_probability"].real, uncertainty: uncertainty(row))
    }

    /// Every model's live error on a device's labeled events, from a checkpoint on (aggregated in SQL).
    public func modelErrors(device: String, fromCheckpoint: Int) throws(SQLiteError) -> [ModelErrorSummary] {
        try database.query(
            """
            SELECT p.model_version, count(DISTINCT p.event_id) AS events, count(*) AS predictions,
                100.0 * avg(CASE WHEN e.minimum > 0 THEN abs(p.predicted - e.minimum) / e.minimum END) AS mape,
                avg(abs(p.predicted - e.minimum)) AS mae
            FROM predictions p JOIN events e ON e.id = p.event_id
            WHERE e.device_id = ? AND e.minimum IS NOT NULL AND p.checkpoint_s >= ?
            GROUP BY p.model_version ORDER BY p.model_version
            """, device, fromCheckpoint
        ).map { row in
            ModelErrorSummary(
                modelVersion: Int(row["model_version"].integer ?? 0), events: Int(row["events"].integer ?? 0),
                predictions: Int(row["predictions"].integer ?? 0), mapePercent: row["mape"].real,
                maeMbar: row["mae"].real)
        }
    }

    /// Deletes events that started before a time, with their features, predictions (backtests' too) and alarms.
    /// - Returns: how many events were deleted.
    @discardableResult
    public func deleteEvents(before time: Int64) throws(SQLiteError) -> Int {
        try database.transaction { () throws(SQLiteError) -> Int in
            let old = "SELECT id FROM events WHERE start_ms < ?"
            try database.run("DELETE FROM event_features WHERE event_id IN (\(old))", time)
            try database.run("DELETE FROM predictions WHERE event_id IN (\(old))", time)
            try database.run("DELETE FROM backtest_predictions WHERE event_id IN (\(old))", time)
            try database.run("DELETE FROM alarms WHERE event_id IN (\(old))", time)
            try database.run("DELETE FROM events WHERE start_ms < ?", time)
            return database.changes
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
