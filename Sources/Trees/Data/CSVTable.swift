/// A CSV file held in memory: a header row of column names and rows of text cells.
///
/// The reader follows RFC 4180: fields are separated by commas, rows by LF or CRLF, and a field may be quoted
/// with `"` (a doubled `""` inside stands for one quote; quoted fields may span lines). A UTF-8 byte order mark
/// is skipped, blank lines are skipped, and every row must have as many fields as the header. Cells are kept as
/// text; ``number(row:column:)`` turns one into a `Float` with an error that names the file, line and column.
public struct CSVTable: Sendable {
    /// The name used in error messages: the file path, or a label given by the caller.
    public let source: String
    /// The header row, in file order.
    public let columnNames: [String]
    /// Each column name's position, so that looking up every column of a wide header stays linear.
    private let columnPositions: [String: Int]
    /// The number of data rows (the header not counted).
    public var rowCount: Int { rowLines.count }
    /// The number of columns.
    public var columnCount: Int { columnNames.count }

    /// Unescaped cell bytes, row-major, one after another.
    private let cellBytes: [UInt8]
    /// The end offset of every cell in `cellBytes`, row-major; a cell starts where the previous one ends.
    private let cellEnds: [UInt32]
    /// The 1-based line each data row starts on.
    private let rowLines: [Int32]

    /// Reads and parses a CSV file.
    /// - Parameter path: The file to read; it is also the ``source`` named in errors.
    /// - Throws: ``DatasetError`` when the file cannot be read or is not well-formed CSV.
    public init(contentsOfFile path: String) throws(DatasetError) {
        let bytes: [UInt8]
        do {
            bytes = try ModelError.readFile(path: path)
        } catch {
            throw DatasetError(.unreadableFile(error.reason), file: path)
        }
        try self.init(bytes: bytes, source: path)
    }

    /// Parses CSV text.
    /// - Parameters:
    ///   - text: The whole CSV document, header first.
    ///   - source: The name shown in error messages.
    /// - Throws: ``DatasetError`` when the text is not well-formed CSV.
    public init(parsing text: String, source: String = "<input>") throws(DatasetError) {
        try self.init(bytes: Array(text.utf8), source: source)
    }

    /// Parses CSV bytes (UTF-8).
    /// - Parameters:
    ///   - bytes: The whole CSV document, header first.
    ///   - source: The name shown in error messages.
    /// - Throws: ``DatasetError`` when the bytes are not well-formed CSV.
    public init(bytes: [UInt8], source: String) throws(DatasetError) {
        var parser = CSVParser(input: bytes, source: source)
        let parsed = try parser.parse()
        self.source = source
        self.columnNames = parsed.header
        self.columnPositions = parsed.positions
        self.cellBytes = parsed.cellBytes
        self.cellEnds = parsed.cellEnds
        self.rowLines = parsed.rowLines
    }

    /// The position of the column with this name, if the header has it; constant time.
    public func columnIndex(named name: String) -> Int? {
        columnPositions[name]
    }

    /// The 1-based line of the file where a data row starts.
    public func line(ofRow row: Int) -> Int {
        Int(rowLines[row])
    }

    /// The text of one cell, unescaped.
    public func cell(row: Int, column: Int) -> String {
        let range = cellRange(row: row, column: column)
        return String(decoding: cellBytes[range], as: UTF8.self)
    }

    /// The number in one cell: an empty cell or `NaN` (any case) is a missing value and gives `Float.nan`.
    ///
    /// Spaces and tabs around the number are ignored.
    /// - Throws: ``DatasetError`` with reason ``DatasetError/Reason/notANumber`` or
    ///   ``DatasetError/Reason/nonFiniteNumber``, naming the file, line, column and cell text.
    public func number(row: Int, column: Int) throws(DatasetError) -> Float {
        var range = cellRange(row: row, column: column)
        while range.lowerBound < range.upperBound, Self.isBlank(cellBytes[range.lowerBound]) {
            range = (range.lowerBound + 1)..<range.upperBound
        }
        while range.lowerBound < range.upperBound, Self.isBlank(cellBytes[range.upperBound - 1]) {
            range = range.lowerBound..<(range.upperBound - 1)
        }
        if range.isEmpty { return .nan }
        let text = String(decoding: cellBytes[range], as: UTF8.self)
        guard let value = Float(text) else {
            throw cellError(.notANumber, row: row, column: column)
        }
        if value.isNaN { return .nan }
        guard value.isFinite else {
            throw cellError(.nonFiniteNumber, row: row, column: column)
        }
        return value
    }

    /// All numbers of one column, in row order, with the rules of ``number(row:column:)``.
    public func numbers(column: Int) throws(DatasetError) -> [Float] {
        var result = [Float](repeating: .nan, count: rowCount)
        for row in 0..<rowCount {
            result[row] = try number(row: row, column: column)
        }
        return result
    }

    /// An error about one cell, with its file, line, column number, column name and text filled in.
    public func cellError(_ reason: DatasetError.Reason, row: Int, column: Int) -> DatasetError {
        DatasetError(
            reason, file: source, line: line(ofRow: row), column: column + 1, columnName: columnNames[column],
            value: cell(row: row, column: column))
    }

    /// An error about a column named by the caller that the header lacks.
    public func unknownColumnError(_ name: String) -> DatasetError {
        DatasetError(.unknownColumn, file: source, line: 1, columnName: name)
    }

    private func cellRange(row: Int, column: Int) -> Range<Int> {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columnCount, "cell out of range")
        let index = row * columnCount + column
        let start = index == 0 ? 0 : Int(cellEnds[index - 1])
        return start..<Int(cellEnds[index])
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}

/// The RFC 4180 state machine behind ``CSVTable``.
private struct CSVParser {
    struct Output {
        var header: [String]
        var positions: [String: Int]
        var cellBytes: [UInt8]
        var cellEnds: [UInt32]
        var rowLines: [Int32]
    }

    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    let input: [UInt8]
    let source: String
    private var position = 0
    private var line = 1
    private var cellBytes: [UInt8] = []
    private var cellEnds: [UInt32] = []

    init(input: [UInt8], source: String) {
        self.input = input
        self.source = source
    }

    mutating func parse() throws(DatasetError) -> Output {
        if input.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        cellBytes.reserveCapacity(input.count)
        var header: [String]?
        var positions: [String: Int] = [:]
        var rowLines: [Int32] = []
        while position < input.count {
            if skipBlankLine() { continue }
            let recordLine = line
            let firstCell = cellEnds.count
            let fieldCount = try parseRecord()
            guard let columns = header?.count else {
                (header, positions) = try headerNames(firstCell: firstCell, line: recordLine)
                cellBytes.removeAll(keepingCapacity: true)
                cellEnds.removeAll(keepingCapacity: true)
                continue
            }
            guard fieldCount == columns else {
                throw DatasetError(
                    .raggedRow(expected: columns, found: fieldCount), file: source, line: recordLine)
            }
            rowLines.append(Int32(clamping: recordLine))
        }
        guard let header else { throw DatasetError(.noHeader, file: source) }
        return Output(
            header: header, positions: positions, cellBytes: cellBytes, cellEnds: cellEnds, rowLines: rowLines)
    }

    /// Skips one empty line, if the input is at one.
    private mutating func skipBlankLine() -> Bool {
        if input[position] == Self.lineFeed {
            position += 1
            line += 1
            return true
        }
        if input[position] == Self.carriageReturn {
            position += 1
            if position < input.count, input[position] == Self.lineFeed { position += 1 }
            line += 1
            return true
        }
        return false
    }

    /// Parses one record up to and including its line end; returns its number of fields.
    private mutating func parseRecord() throws(DatasetError) -> Int {
        var fieldCount = 0
        while true {
            try parseField()
            fieldCount += 1
            guard cellBytes.count < Int(UInt32.max) else { throw DatasetError(.inputTooLarge, file: source) }
            cellEnds.append(UInt32(cellBytes.count))
            if position < input.count, input[position] == Self.comma {
                position += 1
                continue
            }
            if position < input.count {
                if input[position] == Self.carriageReturn { position += 1 }
                if position < input.count, input[position] == Self.lineFeed { position += 1 }
                line += 1
            }
            return fieldCount
        }
    }

    /// Parses one field, leaving the position at the comma, line end or end of input after it.
    private mutating func parseField() throws(DatasetError) {
        guard position < input.count, input[position] == Self.quote else {
            while position < input.count {
                let byte = input[position]
                if byte == Self.comma || byte == Self.lineFeed || byte == Self.carriageReturn { return }
                cellBytes.append(byte)
                position += 1
            }
            return
        }
        let openingLine = line
        position += 1
        while true {
            guard position < input.count else {
                throw DatasetError(.unterminatedQuote, file: source, line: openingLine)
            }
            let byte = input[position]
            position += 1
            if byte == Self.quote {
                if position < input.count, input[position] == Self.quote {
                    cellBytes.append(Self.quote)
                    position += 1
                    continue
                }
                break
            }
            if byte == Self.lineFeed { line += 1 }
            cellBytes.append(byte)
        }
        while position < input.count, input[position] == UInt8(ascii: " ") || input[position] == UInt8(ascii: "\t") {
            position += 1
        }
        if position < input.count {
            let byte = input[position]
            guard byte == Self.comma || byte == Self.lineFeed || byte == Self.carriageReturn else {
                throw DatasetError(.textAfterQuote, file: source, line: line)
            }
        }
    }

    /// Turns the first record's cells into column names and their positions, checking that they are present and
    /// distinct.
    private func headerNames(firstCell: Int, line: Int) throws(DatasetError) -> ([String], [String: Int]) {
        var names: [String] = []
        var positions: [String: Int] = [:]
        names.reserveCapacity(cellEnds.count - firstCell)
        positions.reserveCapacity(cellEnds.count - firstCell)
        var start = 0
        for (index, end) in cellEnds[firstCell...].enumerated() {
            let raw = String(decoding: cellBytes[start..<Int(end)], as: UTF8.self)
            start = Int(end)
            let name = raw.trimmingBlanks()
            guard !name.isEmpty else {
                throw DatasetError(.unnamedColumn, file: source, line: line, column: index + 1)
            }
            guard positions.updateValue(index, forKey: name) == nil else {
                throw DatasetError(.duplicateColumn, file: source, line: line, column: index + 1, columnName: name)
            }
            names.append(name)
        }
        return (names, positions)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
