import Plant
public import SQLite

extension AgentStore {
    /// Saves the latest status report (one row).
    public func saveStatus(_ report: [UInt8], at time: Int64) throws(SQLiteError) {
        try database.run(
            """
            INSERT INTO agent_status (id, time_ms, report) VALUES (1, ?, ?)
            ON CONFLICT (id) DO UPDATE SET time_ms = excluded.time_ms, report = excluded.report
            """, time, String(decoding: report, as: UTF8.self))
    }

    /// The latest status report and when it was made (plant time); nil before the first.
    public func status() throws(SQLiteError) -> (time: Int64, report: [UInt8])? {
        guard let row = try database.query("SELECT time_ms, report FROM agent_status WHERE id = 1").first,
            let text = row["report"].text
        else { return nil }
        return (row["time_ms"].integer ?? 0, Array(text.utf8))
    }

    /// Every furnace's kept adaptation state.
    public func furnaceStates() throws(SQLiteError) -> [String: FurnaceAdaptationState] {
        var states: [String: FurnaceAdaptationState] = [:]
        for row in try database.query("SELECT device_id, state FROM furnace_state") {
            guard let device = row["device_id"].text,
                let state = try? JSONCoding.decode(
                    FurnaceAdaptationState.self, from: Array((row["state"].text ?? "").utf8))
            else { continue }
            states[device] = state
        }
        return states
    }

    /// The plant time the agent last spoke of: its last status report, or the newest reading (for the command
    /// line, which has no plant clock of its own).
    public func latestPlantTime() throws(SQLiteError) -> Int64? {
        let row = try database.query(
            """
            SELECT max(coalesce((SELECT time_ms FROM agent_status WHERE id = 1), 0),
                coalesce((SELECT max(time_ms) FROM readings), 0)) AS latest
            """
        ).first
        return row?["latest"].integer.flatMap { $0 > 0 ? $0 : nil }
    }

    func save(_ state: FurnaceAdaptationState, device: String, at time: Int64) throws(SQLiteError) {
        try database.run(
            """
            INSERT INTO furnace_state (device_id, state, updated_ms) VALUES (?, ?, ?)
            ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms
            """, device, JSONCoding.text(state), time)
    }
}
