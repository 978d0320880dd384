import Testing

@testable import Trees

@Suite("CSV table")
struct CSVTableTests {
    @Test("Header, rows, empty cells and NaN")
    func parsesCellsAndMissingValues() throws {
        let table = try CSVTable(parsing: "a,b,c\n1,,NaN\n2.5, 3 ,nan\n", source: "t.csv")
        #expect(table.columnNames == ["a", "b", "c"])
        #expect(table.rowCount == 2)
        #expect(try table.number(row: 0, column: 0) == 1)
        #expect(try table.number(row: 0, column: 1).isNaN)
        #expect(try table.number(row: 0, column: 2).isNaN)
        #expect(try table.number(row: 1, column: 1) == 3)
        #expect(try table.number(row: 1, column: 2).isNaN)
        #expect(table.line(ofRow: 1) == 3)
    }

    @Test("Quoted fields, doubled quotes, CRLF, BOM and blank lines")
    func parsesQuotesAndLineEnds() throws {
        let text = "\u{FEFF}\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n1,\"multi\nline\"\r\n2,z"
        let table = try CSVTable(parsing: text, source: "q.csv")
        #expect(table.columnNames == ["x, y", "say \"hi\""])
        #expect(table.rowCount == 2)
        #expect(table.cell(row: 0, column: 1) == "multi\nline")
        #expect(table.line(ofRow: 0) == 3)
        #expect(table.line(ofRow: 1) == 5)
        #expect(table.cell(row: 1, column: 1) == "z")
    }

    @Test("Trailing comma gives an empty last field")
    func trailingCommaIsEmptyField() throws {
        let table = try CSVTable(parsing: "a,b\n1,\n")
        #expect(try table.number(row: 0, column: 1).isNaN)
    }

    @Test("A bad number names file, line, column and value")
    func badNumberError() throws {
        let table = try CSVTable(parsing: "a,b\n1,2\n3,abc\n", source: "data.csv")
        let error = #expect(throws: DatasetError.self) { try table.number(row: 1, column: 1) }
        #expect(error?.reason == .notANumber)
        #expect(error?.line == 3)
        #expect(error?.column == 2)
        #expect(error?.columnName == "b")
        #expect(error?.value == "abc")
        #expect(error?.description == "data.csv:3:2: column \"b\": \"abc\" is not a number")
    }

    @Test("Infinite and overflowing numbers are refused")
    func nonFiniteRefused() throws {
        let table = try CSVTable(parsing: "a,b\ninf,1e50\n")
        #expect(
            throws: DatasetError(.nonFiniteNumber, file: "<input>", line: 2, column: 1, columnName: "a", value: "inf")
        ) {
            try table.number(row: 0, column: 0)
        }
        #expect(
            performing: { try table.number(row: 0, column: 1) },
            throws: { ($0 as? DatasetError)?.reason == .nonFiniteNumber })
    }

    @Test("Ragged rows are refused with their line")
    func raggedRow() {
        let error = #expect(throws: DatasetError.self) { try CSVTable(parsing: "a,b\n1,2\n3\n", source: "r.csv") }
        #expect(error?.reason == .raggedRow(expected: 2, found: 1))
        #expect(error?.line == 3)
    }

    @Test("Header problems: duplicate, empty, missing")
    func headerProblems() {
        #expect(
            performing: { try CSVTable(parsing: "a,a\n1,2\n") },
            throws: { ($0 as? DatasetError)?.reason == .duplicateColumn })
        #expect(
            performing: { try CSVTable(parsing: "a,,c\n1,2,3\n") },
            throws: { ($0 as? DatasetError)?.reason == .unnamedColumn })
        #expect(performing: { try CSVTable(parsing: "\n\n") }, throws: { ($0 as? DatasetError)?.reason == .noHeader })
    }

    @Test("Unterminated quote and text after a quote")
    func quoteProblems() {
        #expect(
            performing: { try CSVTable(parsing: "a,b\n1,\"2\n") },
            throws: { ($0 as? DatasetError)?.reason == .unterminatedQuote })
        #expect(
            performing: { try CSVTable(parsing: "a,b\n1,\"2\"x\n") },
            throws: { ($0 as? DatasetError)?.reason == .textAfterQuote })
    }

    @Test("A missing file is reported with its path")
    func missingFile() {
        let error = #expect(throws: DatasetError.self) { try CSVTable(contentsOfFile: "/nonexistent/x.csv") }
        #expect(error?.reason == .unreadableFile("No such file or directory"))
        #expect(error?.description == "/nonexistent/x.csv: cannot read the file: No such file or directory")
    }

    /// A header of `count` columns `c0`, `c1`, ... and one row of ones.
    static func wide(_ count: Int, lastName: String? = nil) -> String {
        var names = (0..<count).map { "c\($0)" }
        if let lastName { names[count - 1] = lastName }
        return names.joined(separator: ",") + "\n" + Array(repeating: "1", count: count).joined(separator: ",") + "\n"
    }

    // Every lookup of a column or feature by name is a dictionary lookup, so the work grows linearly with the
    // header; quadratic lookups took over 90 s on this header (10^10 name comparisons), past the limit.
    @Test(
        "A header of 100,000 columns is read, looked up and turned into a dataset in linear work",
        .timeLimit(.minutes(1)))
    func wideHeader() throws {
        let count = 100_000
        let table = try CSVTable(parsing: Self.wide(count), source: "wide.csv")
        #expect(table.columnCount == count)
        #expect((0..<count).allSatisfy { table.columnIndex(named: "c\($0)") == $0 })
        #expect(table.columnIndex(named: "c\(count)") == nil)
        let dataset = try Dataset(csv: table, target: "c0")
        #expect(dataset.featureCount == count - 1)
        let reversed = try dataset.selectingFeatures(dataset.featureNames.reversed())
        #expect(reversed.featureNames.first == "c\(count - 1)")
        let error = #expect(throws: DatasetError.self) {
            try Dataset(csv: table, featureNames: ["c5", "c\(count)"])
        }
        #expect(error?.reason == .unknownColumn)
    }

    @Test("A duplicate name at the end of a 100,000-column header is refused with its column", .timeLimit(.minutes(1)))
    func wideDuplicateHeader() {
        let error = #expect(throws: DatasetError.self) {
            try CSVTable(parsing: Self.wide(100_000, lastName: "c7"), source: "wide.csv")
        }
        #expect(error?.reason == .duplicateColumn)
        #expect(error?.column == 100_000)
        #expect(error?.columnName == "c7")
    }
}
