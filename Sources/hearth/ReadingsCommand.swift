import Agent
import ArgumentParser
import Plant
import SQLite

struct ReadingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readings",
        abstract: "Show stored readings, newest last.",
        discussion:
            "Reads the database without disturbing a running agent (WAL mode lets readers and the writer overlap).")

    @Option(name: .long, help: "SQLite database file.")
    var database = "hearth.db"

    @Option(name: .long, help: "Only this device.")
    var device: String?

    @Option(name: .long, help: "Only this signal.")
    var signal: String?

    @Option(name: .long, help: "How many of the newest readings to show.")
    var last = 20

    @Flag(name: .long, help: "Only readings that are not ok (missing, invalid), with their reason.")
    var problems = false

    @Flag(name: .long, help: "CSV output: device,signal,time,value,unit,status,detail.")
    var csv = false

    func run() async throws {
        let database = try openDatabase(self.database)
        let rows: [Row]
        do {
            rows = try database.query(
                """
                SELECT device, signal, time_ms, value, unit, status, detail FROM (
                    SELECT * FROM reading_log
                    WHERE (? IS NULL OR device = ?) AND (? IS NULL OR signal = ?) AND (? = 0 OR status <> 'ok')
                    ORDER BY time_ms DESC LIMIT ?)
                ORDER BY time_ms, device, signal
                """, device, device, signal, signal, problems ? 1 : 0, last)
        } catch {
            throw ValidationError("cannot read \(self.database): \(error.message)")
        }
        if csv { print("device,signal,time,value,unit,status,detail") }
        for row in rows {
            let time = PlantTime.iso8601(row[2].integer ?? 0, milliseconds: true)
            let value = row[3].real.map { ReadingPrinter.format($0) } ?? ""
            let unit = row[4].text ?? ""
            let status = row[5].text ?? ""
            let detail = row[6].text ?? ""
            if csv {
                print(
                    [row[0].text ?? "", row[1].text ?? "", time, value, unit, status, detail].map(Self.csvField).joined(
                        separator: ","))
            } else {
                let shown = status == "ok" ? "\(value) \(unit)" : "<\(status)> \(detail)"
                print("\(time)  \(row[0].text ?? "")  \(row[1].text ?? "")  \(shown)")
            }
        }
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n")
            ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
            : text
    }
}
