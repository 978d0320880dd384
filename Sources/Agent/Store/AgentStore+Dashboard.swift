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

/// A furnace's polls and readings over a span of plant time: the counters of `/metrics`.
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
            SELECT checkpoint_s, model_version, role, predicted, time_ms, lower, upper, failure_probability, coverage,
                calibration_events
            FROM predictions WHERE event_id = ? ORDER BY checkpoint_s, model_version
            """, eventID
        ).compactMap { row in
            guard let role = PredictionRole(rawValue: row["role"].text ?? "") else { return nil }
            return StoredPrediction(
                eventID: eventID, checkpoint: Int(row["checkpoint_s"].integer ?? 0),
                modelVersion: Int(row["model_version"].integer ?? 0), role: role, predicted: row["predicted"].real ?? 0,
                time: row["time_ms"].integer ?? 0, uncertainty: Self.uncertainty(row))
        }
    }

    /// The deciding prediction (champion or fallback) at the latest checkpoint of an event, with its interval.
    public func latestDecidingPrediction(eventID: Int64) throws(SQLiteError) -> StoredPrediction? {
        try predictions(eventID: eventID).last { $0.role == .champion || $0.role == .fallback }
    }

    /// A stored prediction's uncertainty: nil when its interval columns are NULL (not computable, or a row from before
    /// schema version 5).
    static func uncertainty(_ row: Row) -> PredictionUncertainty? {
        guard let low = row["lower"].real, let probability = row["failure_probability"].real,
            let coverage = row["coverage"].real, let events = row["calibration_events"].integer
        else { return nil }
        return PredictionUncertainty(
            lowMbar: low, highMbar: row["upper"].real, failureProbability: probability, coverage: coverage,
            calibrationEvents: Int(events))
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

    /// The plant time of the newest stored reading (through the time index: cheap at any size).
    public func newestReadingTime() throws(SQLiteError) -> Int64? {
        try database.query("SELECT max(time_ms) AS newest FROM readings").first?["newest"].integer
    }

    /// Every furnace's polls and readings by status stamped after a plant time (through the time index), and the
    /// newest time stamp among them: what `/metrics` adds to its counters at each scrape.
    public func collectionTotals(
        after time: Int64
    ) throws(SQLiteError) -> (
        totals: [String: CollectionTotals], newest: Int64?
    ) {
        var totals: [String: CollectionTotals] = [:]
        var polls: [String: [Int64: Bool]] = [:]
        var newest: Int64?
        for row in try database.query(
            """
            SELECT s.device_id, r.time_ms, r.status, count(*) AS n FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE r.time_ms > ? GROUP BY s.device_id, r.time_ms, r.status
            """, time)
        {
            guard let device = row["device_id"].text, let stamp = row["time_ms"].integer else { continue }
            let status = row["status"].text ?? "unknown"
            totals[device, default: CollectionTotals(okPolls: 0, failedPolls: 0, readingsByStatus: [:])]
                .readingsByStatus[status, default: 0] += Int(row["n"].integer ?? 0)
            polls[device, default: [:]][stamp] = (polls[device]?[stamp] ?? false) || status == "ok"
            newest = max(newest ?? stamp, stamp)
        }
        for (device, stamps) in polls {
            let ok = stamps.values.filter { $0 }.count
            totals[device]?.okPolls = ok
            totals[device]?.failedPolls = stamps.count - ok
        }
        return (totals, newest)
    }
}
