internal import CSQLite

/// One connection to an SQLite database file.
///
/// Not thread-safe: own it from one actor or thread. The connection is closed exactly once, when it is
/// deinitialised (after every statement prepared on it, which keep it alive).
public final class Database {
    let handle: OpaquePointer
    /// The database file.
    public let path: String

    /// How hard SQLite works to make each commit durable.
    public enum Durability: String, Sendable {
        /// fsync at every commit: a committed transaction survives a crash of the process and of the machine.
        case full = "FULL"
        /// In WAL mode, survives a crash of the process; the last commits may be lost if the machine loses power.
        case normal = "NORMAL"
    }

    /// Opens (and creates, unless `readOnly`) a database file.
    /// - Parameters:
    ///   - path: file path, or `:memory:`.
    ///   - readOnly: opens without write access and without creating the file.
    ///   - busyTimeoutMilliseconds: how long to wait for another connection's lock before failing with `SQLITE_BUSY`.
    /// - Throws: `SQLiteError` when the file cannot be opened.
    public init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 5000) throws(SQLiteError) {
        self.path = path
        var opened: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &opened, flags, nil)
        guard rc == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let opened { sqlite3_close_v2(opened) }
            throw SQLiteError(code: rc, message: message, path: path)
        }
        handle = opened
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql, path: path)
        }
    }

    /// Compiles a statement.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// Runs a statement once with the given parameters and returns its rows.
    public func query(_ sql: String, _ parameters: any SQLiteBindable...) throws(SQLiteError) -> [Row] {
        try prepare(sql).query(parameters)
    }

    /// Runs a statement once with the given parameters, ignoring any rows.
    public func run(_ sql: String, _ parameters: any SQLiteBindable...) throws(SQLiteError) {
        try prepare(sql).run(parameters)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    /// - Parameter immediate: takes the write lock at the start (`BEGIN IMMEDIATE`), so a writer never fails midway
    ///   on a lock another connection holds.
    public func transaction<Result>(
        immediate: Bool = true, _ body: () throws(SQLiteError) -> Result
    )
        throws(SQLiteError) -> Result
    {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Switches to write-ahead logging and sets the durability of commits.
    public func useWriteAheadLog(durability: Durability) throws(SQLiteError) {
        let mode = try query("PRAGMA journal_mode=WAL").first?[0].text
        guard mode?.lowercased() == "wal" || path == ":memory:" else {
            throw SQLiteError(
                code: SQLITE_ERROR, message: "cannot switch to WAL mode (journal mode is \(mode ?? "unknown"))",
                path: path)
        }
        try execute("PRAGMA synchronous=\(durability.rawValue)")
    }

    /// The schema version stored in the file header (`PRAGMA user_version`).
    public func userVersion() throws(SQLiteError) -> Int {
        Int(try query("PRAGMA user_version").first?[0].integer ?? 0)
    }

    public func setUserVersion(_ version: Int) throws(SQLiteError) {
        try execute("PRAGMA user_version=\(version)")
    }

    /// A number that changes whenever another connection commits a change to the database (`PRAGMA data_version`):
    /// a cheap way for a long-lived reader to notice that a command line or another process wrote something.
    public func dataVersion() throws(SQLiteError) -> Int64 {
        try query("PRAGMA data_version").first?[0].integer ?? 0
    }

    /// The row id of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The version of the SQLite library in use.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    func lastError(sql: String?) -> SQLiteError {
        SQLiteError(
            code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql,
            path: path)
    }
}
