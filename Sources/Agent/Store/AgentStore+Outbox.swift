public import Fieldbus
public import SQLite

/// A message on its way to the broker: stored first, removed once the broker acknowledged it.
public typealias OutboxMessage = MQTTMessage

/// How full the outbox is.
public struct OutboxDepth: Sendable, Equatable {
    public var messages: Int
    /// When the oldest waiting message was queued, plant time; nil when empty.
    public var oldestQueued: Int64?
}

extension AgentStore {
    /// The oldest queued messages, in the order they were queued.
    public func pendingMessages(limit: Int = 100) throws(SQLiteError) -> [(id: Int64, message: OutboxMessage)] {
        try database.query("SELECT id, topic, payload, qos, retain FROM outbox ORDER BY id LIMIT ?", limit).map { row in
            (
                row["id"].integer ?? 0,
                OutboxMessage(
                    topic: row["topic"].text ?? "", payload: row["payload"].blob ?? [],
                    qos: Int(row["qos"].integer ?? 1), retain: row["retain"].integer == 1)
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

    /// How many messages wait for the broker, and since when.
    public func outboxDepth() throws(SQLiteError) -> OutboxDepth {
        let row = try database.query("SELECT count(*) AS n, min(created_ms) AS oldest FROM outbox").first
        return OutboxDepth(messages: Int(row?["n"].integer ?? 0), oldestQueued: row?["oldest"].integer)
    }

    /// Drops the oldest messages beyond `limit` (a broker gone for weeks must not fill the disk); alarms and
    /// outcomes are kept in their own tables whatever the outbox holds.
    /// - Returns: how many were dropped.
    @discardableResult
    public func trimOutbox(keeping limit: Int) throws(SQLiteError) -> Int {
        try database.run(
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT -1 OFFSET ?)", limit)
        return database.changes
    }

    func insertOutbox(_ messages: [OutboxMessage], at time: Int64) throws(SQLiteError) {
        for message in messages {
            try database.run(
                "INSERT INTO outbox (topic, payload, qos, retain, created_ms) VALUES (?, ?, ?, ?, ?)", message.topic,
                message.payload, message.qos, message.retain, time)
        }
    }
}
