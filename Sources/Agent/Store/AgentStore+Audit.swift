public import Plant
public import SQLite

/// One drift check of a furnace, as recorded.
public struct DriftCheckRecord: Sendable, Equatable {
    public enum Verdict: String, Sendable, Codable, Equatable {
        case drift
        case noDrift = "no_drift"
        /// The check could not run; the reason is in the details.
        case skipped
    }

    public var device: String
    public var time: Int64
    public var modelVersion: Int?
    public var verdict: Verdict
    /// The statistics (or the reason it was skipped).
    public var details: JSONValue

    public init(device: String, time: Int64, modelVersion: Int?, verdict: Verdict, details: JSONValue) {
        self.device = device
        self.time = time
        self.modelVersion = modelVersion
        self.verdict = verdict
        self.details = details
    }
}

extension AgentStore {
    /// The newest decisions (of a kind, of a device), oldest of them first.
    public func decisions(
        limit: Int = 50, kind: DecisionKind? = nil, device: String? = nil
    ) throws(SQLiteError)
        -> [Decision]
    {
        try database.query(
            """
            SELECT * FROM (
                SELECT * FROM decisions WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR device_id = ?)
                ORDER BY id DESC LIMIT ?)
            ORDER BY id
            """, kind?.rawValue, kind?.rawValue, device, device, limit
        ).compactMap { row in
            // A kind this program does not know (a newer agent wrote it) is skipped rather than misread.
            guard let kind = DecisionKind(rawValue: row["kind"].text ?? "") else { return nil }
            return Decision(
                kind, device: row["device_id"].text, model: row["model_version"].integer.map { Int($0) },
                summary: row["summary"].text ?? "",
                details: (try? JSONValue.parse(Array((row["details"].text ?? "{}").utf8))) ?? .object([:]),
                at: row["time_ms"].integer ?? 0)
        }
    }

    /// The newest drift checks of a device, oldest of them first.
    public func driftChecks(device: String, limit: Int = 100) throws(SQLiteError) -> [DriftCheckRecord] {
        try database.query(
            "SELECT * FROM (SELECT * FROM drift_checks WHERE device_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
            device, limit
        ).compactMap { row in
            guard let verdict = DriftCheckRecord.Verdict(rawValue: row["verdict"].text ?? "") else { return nil }
            return DriftCheckRecord(
                device: device, time: row["time_ms"].integer ?? 0,
                modelVersion: row["model_version"].integer.map { Int($0) }, verdict: verdict,
                details: (try? JSONValue.parse(Array((row["details"].text ?? "{}").utf8))) ?? .object([:]))
        }
    }

    /// Deletes drift checks older than a time.
    public func deleteDriftChecks(before time: Int64) throws(SQLiteError) {
        try database.run("DELETE FROM drift_checks WHERE time_ms < ?", time)
    }

    func insert(_ decision: Decision) throws(SQLiteError) {
        try database.run(
            "INSERT INTO decisions (time_ms, kind, device_id, model_version, summary, details) VALUES (?, ?, ?, ?, ?, ?)",
            decision.time, decision.kind.rawValue, decision.device, decision.modelVersion, decision.summary,
            decision.details.serialized)
    }

    func insert(_ check: DriftCheckRecord) throws(SQLiteError) {
        try database.run(
            "INSERT INTO drift_checks (device_id, time_ms, model_version, verdict, details) VALUES (?, ?, ?, ?, ?)",
            check.device, check.time, check.modelVersion, check.verdict.rawValue, check.details.serialized)
    }
}
