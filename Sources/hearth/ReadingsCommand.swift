import Agent
import ArgumentParser
import Plant
import Support
import YAML

struct ReadingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "readings",
        abstract: "Show stored readings, newest last.",
        discussion:
            "Reads the database without disturbing a running agent (WAL mode lets readers and the writer overlap).")

    @OptionGroup var location: DatabaseLocation

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
        guard last > 0 else { throw ValidationError("--last must be positive") }
        let store = try location.open()
        let devices = try await store.deviceIDs()
        if let device, !devices.contains(device) {
            throw CommandFailure(
                "no device \(device) in \(try location.path())\(Self.suggestion(device, among: devices)) "
                    + "(devices: \(devices.joined(separator: ", ")))")
        }
        if let signal {
            var signals: Set<String> = []
            for id in device.map({ [$0] }) ?? devices { signals.formUnion(try await store.signalNames(device: id)) }
            if !signals.contains(signal) {
                throw CommandFailure(
                    "no signal \(signal)\(device.map { " on \($0)" } ?? "")\(Self.suggestion(signal, among: signals.sorted())) "
                        + "(signals: \(signals.sorted().joined(separator: ", ")))")
            }
        }
        let entries = try await store.readingLog(device: device, signal: signal, problemsOnly: problems, last: last)
        if csv { print("device,signal,time,value,unit,status,detail") }
        for entry in entries {
            let reading = entry.reading
            let time = PlantTime.iso8601(reading.timeMilliseconds, milliseconds: true)
            let value = reading.value.map { NumberFormat.reading($0) } ?? ""
            let unit = entry.unit ?? ""
            let detail = reading.detail ?? ""
            if csv {
                print(
                    [reading.device, reading.signal, time, value, unit, reading.status.rawValue, detail].map(
                        Self.csvField
                    ).joined(separator: ","))
            } else {
                let shown = reading.status == .ok ? "\(value) \(unit)" : "<\(reading.status.rawValue)> \(detail)"
                print("\(time)  \(reading.device)  \(reading.signal)  \(shown)")
            }
        }
    }

    /// `; did you mean "chamber_pressure"?` for a near miss.
    static func suggestion(_ name: String, among names: [String]) -> String {
        SpellingSuggestion.hint(for: name, among: names)
    }

    static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n")
            ? "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
            : text
    }
}
