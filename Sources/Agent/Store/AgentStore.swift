import Fieldbus
public import Plant
public import SQLite
import Support

/// The agent's SQLite database (WAL mode): devices, signals and readings; events, predictions, alarms, the outbox,
/// the model registry and the audit log (see the `+` extensions).
///
/// An actor on its own thread: SQLite calls block (an fsync can take milliseconds), so they never run on Swift's
/// cooperative pool. When ``append(_:)`` returns, the readings are committed and survive a `kill -9` of the agent
/// (and, with `durability: .full`, a power loss).
public actor AgentStore {
    private let executor: DedicatedThreadExecutor
    let database: Database
    private var signalIDs: [String: [String: Int64]] = [:]
    private var insert: Statement?
    public let path: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens (creating if needed) and migrates the database.
    /// - Throws: `SQLiteError` when the file cannot be opened or migrated.
    public init(path: String, durability: Database.Durability = .full) throws(SQLiteError) {
        self.path = path
        executor = DedicatedThreadExecutor(name: "store \(path)")
        database = try Database(path: path)
        try database.useWriteAheadLog(durability: durability)
        try database.execute("PRAGMA foreign_keys=ON")
        try AgentSchema.migrator.migrate(database)
    }

    deinit { executor.shutdown() }

    /// Records a device and its signals (new signals are added; existing ones keep their ids and history).
    public func register(_ device: DeviceFile, at time: Int64) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            try database.run(
                """
                INSERT INTO devices (id, kind, name, connection, added_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
                    connection = excluded.connection, updated_ms = excluded.updated_ms
                """, device.id, device.kind, device.name, device.connection.summary, time, time)
            for signal in device.signals {
                try database.run(
                    """
                    INSERT INTO signals (device_id, name, unit) VALUES (?, ?, ?)
                    ON CONFLICT (device_id, name) DO UPDATE SET unit = excluded.unit
                    """, device.id, signal.name, signal.unit)
            }
        }
        var ids: [String: Int64] = [:]
        for row in try database.query("SELECT name, id FROM signals WHERE device_id = ?", device.id) {
            if let name = row[0].text, let id = row[1].integer { ids[name] = id }
        }
        signalIDs[device.id] = ids
    }

    /// Stores readings in one transaction; returns once they are committed.
    /// - Throws: `SQLiteError`, or a constraint error naming the device and signal if one was never registered.
    public func append(_ readings: [Reading]) throws(SQLiteError) {
        guard !readings.isEmpty else { return }
        let statement = try insertStatement()
        try database.transaction { () throws(SQLiteError) in
            for reading in readings {
                guard let id = signalIDs[reading.device]?[reading.signal] else {
                    throw SQLiteError(
                        code: 19, message: "no registered signal \(reading.device)/\(reading.signal)", path: path)
                }
                try statement.run([
                    id, reading.timeMilliseconds, reading.value, reading.raw, reading.status.rawValue, reading.detail,
                ])
            }
        }
    }

    /// Readings of a device (optionally one signal) between two plant times, oldest first.
    public func readings(
        device: String, signal: String? = nil, from start: Int64 = .min, to end: Int64 = .max, limit: Int = 100_000
    ) throws(SQLiteError) -> [Reading] {
        let rows = try database.query(
            """
            SELECT s.name, r.time_ms, r.value, r.raw, r.status, r.detail
            FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE s.device_id = ? AND (? IS NULL OR s.name = ?) AND r.time_ms BETWEEN ? AND ?
            ORDER BY r.time_ms, s.id LIMIT ?
            """, device, signal, signal, start, end, limit)
        return rows.map { row in
            Reading(
                device: device, signal: row[0].text ?? "", timeMilliseconds: row[1].integer ?? 0, value: row[2].real,
                raw: row[3].real, status: ReadingStatus(rawValue: row[4].text ?? "") ?? .invalidResponse,
                detail: row[5].text)
        }
    }

    /// How many readings are stored (for a device, if given).
    public func count(device: String? = nil) throws(SQLiteError) -> Int {
        let rows = try database.query(
            "SELECT count(*) FROM readings r JOIN signals s ON s.id = r.signal_id WHERE ? IS NULL OR s.device_id = ?",
            device, device)
        return Int(rows.first?[0].integer ?? 0)
    }

    /// Deletes readings older than a plant time, at most `batch` rows per transaction so polling never waits long.
    /// - Returns: how many rows were deleted.
    @discardableResult
    public func deleteReadings(before time: Int64, batch: Int = 10_000) throws(SQLiteError) -> Int {
        var total = 0
        while true {
            try database.run(
                """
                DELETE FROM readings WHERE (signal_id, time_ms) IN
                    (SELECT signal_id, time_ms FROM readings WHERE time_ms < ? LIMIT ?)
                """, time, batch)
            let deleted = database.changes
            total += deleted
            if deleted < batch { return total }
        }
    }

    /// Runs a read-only query (for `hearth readings` and status reports).
    public func query(_ sql: String, _ parameters: [SQLiteValue]) throws(SQLiteError) -> [Row] {
        try database.prepare(sql).query(parameters)
    }

    private func insertStatement() throws(SQLiteError) -> Statement {
        if let insert { return insert }
        let prepared = try database.prepare(
            "INSERT OR REPLACE INTO readings (signal_id, time_ms, value, raw, status, detail) VALUES (?, ?, ?, ?, ?, ?)"
        )
        insert = prepared
        return prepared
    }
}
