import Agent
import ArgumentParser
import Fieldbus
import Plant
import Support

/// `hearth poll`: one real poll of a device file against its PLC, to check a file before the agent relies on it.
struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Poll a Modbus device once and print each signal's value, status and raw registers.",
        discussion: """
            The device file is checked first, as by `hearth validate`. The poll is the agent's own: the same \
            merged requests, decoding, scaling, range check and statuses (docs/device-files.md); nothing is \
            stored. The raw registers are shown as received, in hexadecimal, in address order (a bit as 0 or 1). \
            Exit status 0 when every signal was read (valid or not), 1 when the device could not be reached or a \
            read failed. MQTT devices are not polled; their readings arrive on their topic.
            """)

    @Argument(help: "The device file (Modbus TCP or RTU).")
    var file: String

    @Flag(name: .long, help: "JSON output: one object per signal.")
    var json = false

    func run() async throws {
        let device: DeviceFile
        do {
            device = try DeviceFileLoader.load(path: file)
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        if case .mqtt(let endpoint) = device.connection {
            throw CommandFailure(
                "\(device.id) is an MQTT device: its readings arrive on \(endpoint.topic), there is nothing to poll")
        }
        let poller = ModbusDevicePoller(device: device)
        let polled = await poller.pollRecordingWords(at: AcceleratedClock.realNow())
        await poller.disconnect()
        let units = Dictionary(device.signals.map { ($0.name, $0.unit ?? "") }, uniquingKeysWith: { a, _ in a })
        if json {
            for entry in polled { print(Self.json(entry, unit: units[entry.reading.signal] ?? "").serialized) }
        } else {
            print("\(device.id): \(device.connection.summary), \(ReadPlan(signals: device.signals).reads.count) reads")
            let rows = polled.map { entry -> [String] in
                let reading = entry.reading
                return [
                    reading.signal, reading.value.map(NumberFormat.reading) ?? "-", units[reading.signal] ?? "",
                    reading.status.rawValue, Self.wire(entry), reading.detail ?? "",
                ]
            }
            let header = ["signal", "value", "unit", "status", "registers", "detail"]
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                let cells = row.enumerated().map { column, cell in
                    column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
                }
                print(cells.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        let failed = polled.filter { entry in
            [.timeout, .exception, .disconnected, .invalidResponse].contains(entry.reading.status)
        }
        if !failed.isEmpty {
            throw CommandFailure(
                "\(failed.count) of \(polled.count) signals of \(device.id) could not be read: "
                    + (failed.first?.reading.detail ?? failed[0].reading.status.rawValue))
        }
    }

    /// `input 0-1 0x3E5B 0x22D1 float32 ABCD`: where the signal was read and what came back.
    static func wire(_ entry: ModbusDevicePoller.WireReading) -> String {
        guard let location = entry.location else { return "" }
        let count = location.table.isBitTable ? 1 : location.type.registerCount
        let addresses =
            count == 1 ? "\(location.address)" : "\(location.address)-\(location.address + count - 1)"
        let words =
            entry.words.isEmpty
            ? "-"
            : entry.words.map { location.table.isBitTable ? "\($0)" : hex($0) }.joined(separator: " ")
        let decoding =
            location.table.isBitTable || count == 1
            ? location.type.rawValue : "\(location.type.rawValue) \(location.order.rawValue)"
        return "\(location.table.rawValue) \(addresses) \(words) \(decoding)"
    }

    static func hex(_ word: UInt16) -> String {
        let digits = String(word, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    static func json(_ entry: ModbusDevicePoller.WireReading, unit: String) -> JSONValue {
        let reading = entry.reading
        var object: [String: JSONValue] = [
            "device": .string(reading.device), "signal": .string(reading.signal),
            "status": .string(reading.status.rawValue), "time_ms": .number(Double(reading.timeMilliseconds)),
            "value": reading.value.map { .number($0) } ?? .null, "raw": reading.raw.map { .number($0) } ?? .null,
            "unit": .string(unit), "registers": .array(entry.words.map { .number(Double($0)) }),
            "detail": reading.detail.map { .string($0) } ?? .null,
        ]
        if let location = entry.location {
            object["table"] = .string(location.table.rawValue)
            object["address"] = .number(Double(location.address))
            object["type"] = .string(location.type.rawValue)
            object["order"] = .string(location.order.rawValue)
        }
        return .object(object)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
