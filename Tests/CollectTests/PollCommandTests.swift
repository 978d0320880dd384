import Fieldbus
import Foundation
import Plant
import Simulator
import TestSupport
import Testing

@Suite("hearth poll: one real poll of a device file")
struct PollCommandTests {
    @Test("against the simulator: every signal's value, status and raw registers, which decode to the raw value")
    func pollsTheSimulator() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-poll")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try FreePort.find()
        let text = try String(
            contentsOf: PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8
        ).replacingOccurrences(of: "port: 15021", with: "port: \(port)")
        let file = folder.appendingPathComponent("furnace-a.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let device = try DeviceFileLoader.parse(text, file: file.path)
        let origin = AcceleratedClock.realNow()
        let simulator = PlantSimulator(
            furnaces: SimulatedFurnace.make(devices: [device], seed: 2, origin: origin),
            clock: AcceleratedClock(speed: 1, realOrigin: origin, plantOrigin: origin))
        try simulator.start()
        defer { simulator.stop() }

        let table = try await runCommand("hearth", ["poll", file.path], in: folder)
        #expect(table.status == 0, "\(table.errors)")
        let lines = table.outputLines
        #expect(lines.first == "furnace-a: modbus-tcp 127.0.0.1:\(port) unit 1, 3 reads")
        #expect(lines.dropFirst().first?.hasPrefix("signal") == true)
        #expect(lines.count == 2 + device.signals.count)
        let pressure = try #require(lines.first { $0.hasPrefix("chamber_pressure ") })
        #expect(pressure.contains(" mbar  ok "))
        #expect(
            pressure.range(of: #"input 0-1 0x[0-9A-F]{4} 0x[0-9A-F]{4} float32 ABCD"#, options: .regularExpression)
                != nil)

        let json = try await runCommand("hearth", ["poll", "--json", file.path], in: folder)
        #expect(json.status == 0, "\(json.errors)")
        #expect(json.outputLines.count == device.signals.count)
        for line in json.outputLines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let registers = try #require(object["registers"] as? [Int]).map { UInt16($0) }
            let type = try #require((object["type"] as? String).flatMap(ValueType.init(rawValue:)))
            let order = try #require((object["order"] as? String).flatMap(WordOrder.init(rawValue:)))
            // JSON has no NaN: a device's NaN is a null raw value.
            let raw = object["raw"] as? Double ?? .nan
            let decoded =
                type == .bool ? Double(registers[0]) : RegisterCodec.decode(registers[...], as: type, order: order)
            // Foundation's JSON parser on Linux may round the last digit of a shortest-representation Double.
            #expect(abs(decoded - raw) <= 1e-12 * max(1, abs(raw)) || (decoded.isNaN && raw.isNaN), "\(line)")
        }
    }

    @Test("a device that cannot be reached: the table, then one sentence with the reason, status 1")
    func unreachable() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-poll-down")
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try FreePort.find()
        let file = folder.appendingPathComponent("furnace-a.yaml")
        try String(
            contentsOf: PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8
        ).replacingOccurrences(of: "port: 15021", with: "port: \(port)").write(
            to: file, atomically: true, encoding: .utf8)
        let result = try await runCommand("hearth", ["poll", file.path], in: folder)
        #expect(result.status == 1)
        #expect(result.outputLines.filter { $0.contains(" disconnected ") }.count == 8)
        #expect(result.errorLines.count == 1)
        #expect(
            result.errorLines.first?.hasPrefix(
                "Error: 8 of 8 signals of furnace-a could not be read: connect to 127.0.0.1:\(port): Connection refused"
            ) == true)

        let mqtt = PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-c.yaml").path
        let refused = try await runCommand("hearth", ["poll", mqtt], in: folder)
        #expect(refused.status == 1)
        #expect(
            refused.errorLines == [
                "Error: furnace-c is an MQTT device: its readings arrive on hearth-sim/furnace-c/telemetry, there is nothing to poll"
            ])
    }
}
