public import SQLite

/// How many predictions a model made on a furnace in one role.
public struct PredictionCount: Sendable, Equatable {
    public var device: String
    public var modelVersion: Int
    public var role: PredictionRole
    public var count: Int

    public init(device: String, modelVersion: Int, role: PredictionRole, count: Int) {
        self.device = device
        self.modelVersion = modelVersion
        self.role = role
        self.count = count
    }
}

/// A furnace's collection since the first stored reading: the counters of `/metrics`.
public struct CollectionTotals: Sendable, Equatable {
    /// Polls (one time stamp of the device's readings) with at least one valid reading.
    public var okPolls: Int
    /// Polls that read nothing valid.
    public var failedPolls: Int
    /// Readings by their stored status (`ok`, `out_of_range`, `timeout`, ...).
    public var readingsByStatus: [String: Int]

    public init(okPolls: Int, failedPolls: Int, readingsByStatus: [String: Int]) {
        self.okPolls = okPolls
        self.failedPolls = failedPolls
        self.readingsByStatus = readingsByStatus
    }
}

/// Read-only queries for the dashboard and its metrics; everything else it shows comes from the other extensions.
extension AgentStore {
    /// Every prediction made during one event, by checkpoint and model.
    public func predictions(eventID: Int64) throws(SQLiteError) -> [StoredPrediction] {
        try database.query(
            """
            SELECT checkpoint_s, model_version, role, predicted, time_ms FROM predictions WHERE event_id = ?
            ORDER BY checkpoint_s, model_version
            """, eventID
        ).compactMap { row in
            guard let role = PredictionRole(rawValue: row["role"].text ?? "") else { return nil }
            return StoredPrediction(
                eventID: eventID, checkpoint: Int(row["checkpoint_s"].integer ?? 0),
                modelVersion: Int(row["model_version"].integer ?? 0), role: role, predicted: row["predicted"].real ?? 0,
                time: row["time_ms"].integer ?? 0)
        }
    }

    /// How many predictions every model made on every furnace, by role (the counters of `/metrics`).
    public func predictionCounts() throws(SQLiteError) -> [PredictionCount] {
        try database.query(
            """
            SELECT e.device_id, p.model_version, p.role, count(*) AS n
            FROM predictions p JOIN events e ON e.id = p.event_id
            GROUP BY e.device_id, p.model_version, p.role ORDER BY e.device_id, p.model_version, p.role
            """
        ).compactMap { row in
            guard let role = PredictionRole(rawValue: row["role"].text ?? "") else { return nil }
            return PredictionCount(
                device: row["device_id"].text ?? "", modelVersion: Int(row["model_version"].integer ?? 0), role: role,
                count: Int(row["n"].integer ?? 0))
        }
    }

    /// A furnace's polls and readings by status, over every stored reading.
    public func collectionTotals(device: String) throws(SQLiteError) -> CollectionTotals {
        let polls = try database.query(
            """
            SELECT coalesce(sum(ok), 0) AS ok, count(*) - coalesce(sum(ok), 0) AS failed FROM (
                SELECT max(r.status = 'ok') AS ok FROM readings r JOIN signals s ON s.id = r.signal_id
                WHERE s.device_id = ? GROUP BY r.time_ms)
            """, device
        ).first
        var byStatus: [String: Int] = [:]
        for row in try database.query(
            """
            SELECT r.status, count(*) AS n FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE s.device_id = ? GROUP BY r.status
            """, device)
        {
            byStatus[row["status"].text ?? "unknown"] = Int(row["n"].integer ?? 0)
        }
        return CollectionTotals(
            okPolls: Int(polls?["ok"].integer ?? 0), failedPolls: Int(polls?["failed"].integer ?? 0),
            readingsByStatus: byStatus)
    }
}
