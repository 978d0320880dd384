import Fieldbus
import Plant
public import SQLite
import Support

/// The agent's SQLite database (WAL mode), one actor over one connection, split by aggregate in its extensions:
/// readings (`+Readings`), events and predictions (`+Events`), the model registry (`+Registry`), alarms
/// (`+Alarms`), the outbox (`+Outbox`), the audit log and drift checks (`+Audit`), furnace state and status
/// (`+Status`); every decision is written through ``commit(_:)`` (`+Journal`) in one transaction.
///
/// The store holds no policy: it reads and writes what the agent's stages decide. An actor on its own thread:
/// SQLite calls block (an fsync can take milliseconds), so they never run on Swift's cooperative pool. When
/// ``append(_:)`` returns, the readings are committed and survive a `kill -9` of the agent (and, with
/// `durability: .full`, a power loss).
public actor AgentStore {
    private let executor: DedicatedThreadExecutor
    let database: Database
    var signalIDs: [String: [String: Int64]] = [:]
    var insertReading: Statement?
    /// The database file.
    public let path: String
    /// Whether this connection may only read (the command line beside a running agent).
    public let readOnly: Bool

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens the database.
    /// - Parameters:
    ///   - path: the database file.
    ///   - durability: how hard each commit works to survive a power cut (writers only).
    ///   - readOnly: open without write access, create nothing, migrate nothing (a database older than this program
    ///     is read as it is; one newer is refused).
    /// - Throws: `SQLiteError` when the file cannot be opened, migrated, or is of a newer schema.
    public init(path: String, durability: Database.Durability = .full, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        self.readOnly = readOnly
        executor = DedicatedThreadExecutor(name: "store \(path)")
        database = try Database(path: path, readOnly: readOnly)
        if readOnly {
            let version = try database.userVersion()
            guard version <= AgentSchema.migrator.newestVersion else {
                throw SQLiteError(
                    code: 1,
                    message:
                        "its schema version \(version) is newer than this program's \(AgentSchema.migrator.newestVersion); use a newer hearth",
                    path: path)
            }
        } else {
            try database.useWriteAheadLog(durability: durability)
            try database.execute("PRAGMA foreign_keys=ON")
            try AgentSchema.migrator.migrate(database)
        }
    }

    deinit { executor.shutdown() }

    /// The schema version of the file.
    public func schemaVersion() throws(SQLiteError) -> Int { try database.userVersion() }

    /// Changes whenever another connection (the command line, another reader's writer) committed something since
    /// the last call on this connection; see `Database.dataVersion()`.
    public func dataVersion() throws(SQLiteError) -> Int64 { try database.dataVersion() }
}
