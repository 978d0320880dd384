internal import CSQLite

/// A compiled SQL statement; reusable with new parameters. Finalised exactly once, when deinitialised.
public final class Statement {
    private let handle: OpaquePointer
    /// Keeps the connection open as long as the statement lives.
    private let database: Database
    public let sql: String
    /// The result columns' names, in order (shared by every row this statement returns).
    public let columns: RowColumns

    init(database: Database, sql: String) throws(SQLiteError) {
        self.database = database
        self.sql = sql
        var prepared: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &prepared, nil)
        guard rc == SQLITE_OK, let prepared else { throw database.lastError(sql: sql) }
        handle = prepared
        let count = sqlite3_column_count(prepared)
        columns = RowColumns(names: (0..<count).map { String(cString: sqlite3_column_name(prepared, $0)) })
    }

    deinit { sqlite3_finalize(handle) }

    /// Runs the statement with these parameters and returns every row.
    public func query(_ parameters: [any SQLiteBindable] = []) throws(SQLiteError) -> [Row] {
        try bind(parameters)
        defer { sqlite3_reset(handle) }
        var rows: [Row] = []
        while try step() {
            rows.append(currentRow())
        }
        return rows
    }

    /// Runs the statement with these parameters, ignoring any rows.
    public func run(_ parameters: [any SQLiteBindable] = []) throws(SQLiteError) {
        try bind(parameters)
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Runs the statement and calls `body` for each row, without keeping them all in memory.
    public func forEachRow(
        _ parameters: [any SQLiteBindable] = [], _ body: (Row) throws(SQLiteError) -> Void
    )
        throws(SQLiteError)
    {
        try bind(parameters)
        defer { sqlite3_reset(handle) }
        while try step() {
            try body(currentRow())
        }
    }

    private func bind(_ parameters: [any SQLiteBindable]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard parameters.count == expected else {
            throw SQLiteError(
                code: SQLITE_RANGE, message: "\(parameters.count) parameters given, \(expected) expected", sql: sql,
                path: database.path)
        }
        for (offset, parameter) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch parameter.sqliteValue {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let value): rc = sqlite3_bind_int64(handle, index, value)
            case .real(let value): rc = sqlite3_bind_double(handle, index, value)
            case .text(let value):
                // With its byte count: text from outside (an MQTT payload's preview) may hold a NUL, where a
                // length of -1 would cut it.
                let length = Int32(clamping: value.utf8.count)
                rc = value.withCString { hearth_sqlite3_bind_text_copy(handle, index, $0, length) }
            case .blob(let value):
                rc = value.withUnsafeBytes {
                    hearth_sqlite3_bind_blob_copy(handle, index, $0.baseAddress, Int32($0.count))
                }
            }
            guard rc == SQLITE_OK else { throw database.lastError(sql: sql) }
        }
    }

    private func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.lastError(sql: sql)
        }
    }

    private func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT:
                let text = sqlite3_column_text(handle, column)
                let bytes = Int(sqlite3_column_bytes(handle, column))
                values.append(
                    .text(
                        text.map { String(decoding: UnsafeBufferPointer(start: $0, count: bytes), as: UTF8.self) } ?? ""
                    ))
            case SQLITE_BLOB:
                let bytes = Int(sqlite3_column_bytes(handle, column))
                let pointer = sqlite3_column_blob(handle, column)
                values.append(.blob(bytes > 0 ? Array(UnsafeRawBufferPointer(start: pointer, count: bytes)) : []))
            default: values.append(.null)
            }
        }
        return Row(values: values, columns: columns)
    }
}

/// The names of a statement's result columns, looked up by name in constant time.
public final class RowColumns: Sendable {
    /// The names in column order.
    public let names: [String]
    private let index: [String: Int]

    init(names: [String]) {
        self.names = names
        index = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The position of a column, if the statement returns one of that name.
    public func position(of name: String) -> Int? { index[name] }
}

/// One result row: its values in column order, also reachable by column name.
public struct Row: Sendable, Equatable {
    public var values: [SQLiteValue]
    /// The statement's column names; nil for rows built by hand.
    public let columns: RowColumns?

    public init(values: [SQLiteValue], columns: RowColumns? = nil) {
        self.values = values
        self.columns = columns
    }

    public subscript(index: Int) -> SQLiteValue { index < values.count ? values[index] : .null }

    /// The value of a named column; `.null` when the row has no such column (a schema that predates it).
    public subscript(name: String) -> SQLiteValue {
        guard let position = columns?.position(of: name) else { return .null }
        return self[position]
    }

    public static func == (lhs: Row, rhs: Row) -> Bool {
        lhs.values == rhs.values && lhs.columns?.names == rhs.columns?.names
    }
}
