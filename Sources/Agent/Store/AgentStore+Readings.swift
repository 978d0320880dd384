public import Plant
public import SQLite

/// One row of the reading log (`hearth readings`): a reading with its device's signal unit.
public struct ReadingLogEntry: Sendable, Equatable {
    public var reading: Reading
    public var unit: String?
}

/// What a device's readings say about its collection over a window: the counts by kind of status, and the last
/// valid reading (a furnace that is not being read at all shows here, not as "0 events").
public struct CollectionCounts: Sendable, Equatable, Codable {
    public var ok: Int
    /// Decoded but out of range, not a number, or stuck.
    public var invalid: Int
    /// Not read: timeout, exception, disconnected, invalid response, no data, invalid payload, missing field.
    public var missing: Int
    /// The time of the newest `ok` reading, ever.
    public var lastOK: Int64?

    enum CodingKeys: String, CodingKey {
        case ok, invalid, missing
        case lastOK = "last_ok_ms"
    }
}

extension AgentStore {
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
            if let name = row["name"].text, let id = row["id"].integer { ids[name] = id }
        }
        signalIDs[device.id] = ids
    }

    /// Stores readings in one transaction; returns once they are committed.
    ///
    /// A reading for a signal and time already stored never replaces it: what was stored was acknowledged (printed,
    /// passed on, acted on). The newcomer is kept in `reading_conflicts` instead.
    /// - Returns: how many readings conflicted with stored ones.
    /// - Throws: `SQLiteError`, or a constraint error naming the device and signal if one was never registered.
    @discardableResult
    public func append(_ readings: [Reading], receivedAt: Int64? = nil) throws(SQLiteError) -> Int {
        guard !readings.isEmpty else { return 0 }
        let statement = try readingInsert()
        var conflicts = 0
        try database.transaction { () throws(SQLiteError) in
            for reading in readings {
                guard let id = signalIDs[reading.device]?[reading.signal] else {
                    throw SQLiteError(
                        code: 19, message: "no registered signal \(reading.device)/\(reading.signal)", path: path)
                }
                try statement.run([
                    id, reading.timeMilliseconds, reading.value, reading.raw, reading.status.rawValue, reading.detail,
                ])
                if database.changes == 0 {
                    conflicts += 1
                    try database.run(
                        """
                        INSERT INTO reading_conflicts (signal_id, time_ms, value, raw, status, detail, received_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, id, reading.timeMilliseconds, reading.value, reading.raw, reading.status.rawValue,
                        reading.detail, receivedAt ?? reading.timeMilliseconds)
                }
            }
        }
        return conflicts
    }

    /// Readings of a device (optionally one signal) between two plant times, oldest first.
    public func readings(
        device: String, signal: String? = nil, from start: Int64 = .min, to end: Int64 = .max, limit: Int = 100_000
    ) throws(SQLiteError) -> [Reading] {
        try database.query(
            """
            SELECT s.name AS signal, r.time_ms, r.value, r.raw, r.status, r.detail
            FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE s.device_id = ? AND (? IS NULL OR s.name = ?) AND r.time_ms BETWEEN ? AND ?
            ORDER BY r.time_ms, s.id LIMIT ?
            """, device, signal, signal, start, end, limit
        ).map { Self.reading($0, device: device) }
    }

    /// The newest readings (of a device, a signal, only those that are not ok), oldest of them first.
    public func readingLog(
        device: String? = nil, signal: String? = nil, problemsOnly: Bool = false, last: Int = 20
    ) throws(SQLiteError) -> [ReadingLogEntry] {
        try database.query(
            """
            SELECT * FROM (
                SELECT s.device_id AS device, s.name AS signal, s.unit, r.time_ms, r.value, r.raw, r.status, r.detail
                FROM readings r JOIN signals s ON s.id = r.signal_id
                WHERE (? IS NULL OR s.device_id = ?) AND (? IS NULL OR s.name = ?) AND (? = 0 OR r.status <> 'ok')
                ORDER BY r.time_ms DESC LIMIT ?)
            ORDER BY time_ms, device, signal
            """, device, device, signal, signal, problemsOnly, last
        ).map { row in
            ReadingLogEntry(reading: Self.reading(row, device: row["device"].text ?? ""), unit: row["unit"].text)
        }
    }

    /// The registered devices' ids, sorted.
    public func deviceIDs() throws(SQLiteError) -> [String] {
        try database.query("SELECT id FROM devices ORDER BY id").compactMap { $0["id"].text }
    }

    /// A registered device's signal names, sorted.
    public func signalNames(device: String) throws(SQLiteError) -> [String] {
        try database.query("SELECT name FROM signals WHERE device_id = ? ORDER BY name", device).compactMap {
            $0["name"].text
        }
    }

    /// How many readings are stored (for a device, if given).
    public func count(device: String? = nil) throws(SQLiteError) -> Int {
        let rows = try database.query(
            """
            SELECT count(*) AS n FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE ? IS NULL OR s.device_id = ?
            """, device, device)
        return Int(rows.first?["n"].integer ?? 0)
    }

    /// A device's readings since a time, counted by kind of status, and its newest valid reading.
    public func collectionCounts(device: String, since: Int64) throws(SQLiteError) -> CollectionCounts {
        let counts = try database.query(
            """
            SELECT coalesce(sum(r.status = 'ok'), 0) AS ok,
                coalesce(sum(r.status IN ('out_of_range', 'not_a_number', 'stuck')), 0) AS invalid,
                coalesce(sum(r.status NOT IN ('ok', 'out_of_range', 'not_a_number', 'stuck')), 0) AS missing
            FROM readings r JOIN signals s ON s.id = r.signal_id WHERE s.device_id = ? AND r.time_ms >= ?
            """, device, since
        ).first
        let last = try database.query(
            """
            SELECT max(r.time_ms) AS last FROM readings r JOIN signals s ON s.id = r.signal_id
            WHERE s.device_id = ? AND r.status = 'ok'
            """, device
        ).first
        return CollectionCounts(
            ok: Int(counts?["ok"].integer ?? 0), invalid: Int(counts?["invalid"].integer ?? 0),
            missing: Int(counts?["missing"].integer ?? 0), lastOK: last?["last"].integer)
    }

    /// How many readings conflicted with stored ones since a time.
    public func readingConflicts(since: Int64) throws(SQLiteError) -> Int {
        Int(
            try database.query("SELECT count(*) AS n FROM reading_conflicts WHERE time_ms >= ?", since).first?["n"]
                .integer ?? 0)
    }

    /// Deletes readings (and recorded conflicts) older than a plant time, and any stamped implausibly far after
    /// `futureLimit` (a clock set wrong upstream), at most `batch` rows per transaction so polling never waits long.
    /// - Returns: how many rows were deleted.
    @discardableResult
    public func deleteReadings(
        before time: Int64, after futureLimit: Int64 = .max, batch: Int = 10_000
    )
        throws(SQLiteError) -> Int
    {
        var total = 0
        while true {
            try database.run(
                """
                DELETE FROM readings WHERE (signal_id, time_ms) IN
                    (SELECT signal_id, time_ms FROM readings WHERE time_ms < ? OR time_ms > ? LIMIT ?)
                """, time, futureLimit, batch)
            let deleted = database.changes
            total += deleted
            if deleted < batch { break }
        }
        try database.run("DELETE FROM reading_conflicts WHERE time_ms < ? OR time_ms > ?", time, futureLimit)
        return total
    }

    private func readingInsert() throws(SQLiteError) -> Statement {
        if let insertReading { return insertReading }
        let prepared = try database.prepare(
            """
            INSERT INTO readings (signal_id, time_ms, value, raw, status, detail) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (signal_id, time_ms) DO NOTHING
            """)
        insertReading = prepared
        return prepared
    }

    static func reading(_ row: Row, device: String) -> Reading {
        Reading(
            device: device, signal: row["signal"].text ?? "", timeMilliseconds: row["time_ms"].integer ?? 0,
            value: row["value"].real, raw: row["raw"].real,
            status: ReadingStatus(rawValue: row["status"].text ?? "") ?? .invalidResponse, detail: row["detail"].text)
    }
}
