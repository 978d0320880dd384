import Agent
import Fieldbus
import Plant
import Support
import TestSupport
import Testing

@Suite("Signal validation")
struct SignalValidatorTests {
    static let pressure = SignalDefinition(
        name: "chamber_pressure", source: .register(RegisterLocation(table: .input, address: 0, type: .float32)),
        scale: 2, offset: 1, unit: "mbar", validRange: 0...1100, stuckAfter: 3)

    @Test("Scale and offset give the engineering value; the raw value is kept")
    func scaling() {
        var validator = SignalValidator(device: "f")
        let reading = validator.reading(for: Self.pressure, raw: 10, at: 5)
        #expect(reading.status == .ok)
        #expect(reading.value == 21)
        #expect(reading.raw == 10)
        #expect(reading.timeMilliseconds == 5)
    }

    @Test("NaN and infinity are 'not a number', never a value")
    func notANumber() {
        var validator = SignalValidator(device: "f")
        for raw in [Double.nan, .infinity, -.infinity] {
            let reading = validator.reading(for: Self.pressure, raw: raw, at: 0)
            #expect(reading.status == .notANumber)
            #expect(reading.value == nil)
        }
    }

    @Test("Outside the valid range: invalid, with the range in the detail")
    func outOfRange() {
        var validator = SignalValidator(device: "f")
        let reading = validator.reading(for: Self.pressure, raw: 600, at: 0)  // 1201 mbar
        #expect(reading.status == .outOfRange)
        #expect(reading.value == nil)
        #expect(reading.detail == "1201 mbar outside the valid range 0...1100")
    }

    @Test("The same value stuck_after times in a row is stuck; a change clears it")
    func stuck() {
        var validator = SignalValidator(device: "f")
        let statuses = [5.0, 5, 5, 5, 6, 6].map { validator.reading(for: Self.pressure, raw: $0, at: 0).status }
        #expect(statuses == [.ok, .ok, .stuck, .stuck, .ok, .ok])
    }
}

@Suite("Reconnection backoff")
struct ReconnectBackoffTests {
    @Test("Delays double from the first up to the cap, in plant time, with at most 10% jitter")
    func doubling() {
        var backoff = ReconnectBackoff(firstSeconds: 1, maximumSeconds: 60, jitterSeed: 42)
        #expect(backoff.mayAttempt(at: 0))
        var delays: [Double] = []
        var time: Int64 = 0
        for _ in 0..<9 {
            backoff.recordFailure(at: time)
            delays.append(backoff.currentDelaySeconds)
            let wait = Double(backoff.nextAttempt - time) / 1000
            #expect(wait >= backoff.currentDelaySeconds * 0.9 && wait <= backoff.currentDelaySeconds * 1.1)
            #expect(!backoff.mayAttempt(at: backoff.nextAttempt - 1))
            time = backoff.nextAttempt
            #expect(backoff.mayAttempt(at: time))
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60])
        backoff.recordSuccess()
        #expect(backoff.failures == 0 && backoff.mayAttempt(at: 0))
    }
}

@Suite("MQTT payload mapping")
struct MQTTPayloadMapperTests {
    static let device = DeviceFile(
        id: "furnace-c", kind: "esr-furnace", name: "C",
        connection: .mqtt(MQTTSubscription(topic: "t", timestampPath: "ts")),
        signals: [
            SignalDefinition(name: "chamber_pressure", source: .json(path: "pressure.value"), validRange: 0...1100),
            SignalDefinition(name: "event_running", source: .json(path: "state.running")),
            SignalDefinition(name: "valve_position", source: .json(path: "valves.0")),
        ])

    @Test("Values by dotted path, booleans as 1/0, the payload's timestamp (seconds or milliseconds)")
    func mapping() {
        var mapper = MQTTPayloadMapper(device: Self.device)
        let payload = #"{"ts": 1700000000.5, "pressure": {"value": 812.5}, "state": {"running": true}, "valves": [40]}"#
        let readings = mapper.readings(from: Array(payload.utf8), receivedAt: 1_700_000_003_000)
        #expect(readings.map(\.value) == [812.5, 1, 40])
        #expect(readings.allSatisfy { $0.timeMilliseconds == 1_700_000_000_500 })
        let milliseconds = mapper.readings(from: Array(#"{"ts": 1700000000500}"#.utf8), receivedAt: 1_700_000_001_000)
        #expect(milliseconds[0].timeMilliseconds == 1_700_000_000_500)
        #expect(milliseconds[0].status == .missingField)
        #expect(milliseconds[0].detail == "payload has no field pressure.value")
    }

    @Test("Garbage, null, text and objects are invalid with their reason; no timestamp means arrival time")
    func invalid() {
        var mapper = MQTTPayloadMapper(device: Self.device)
        let garbled = mapper.readings(from: Array("{oops".utf8), receivedAt: 7)
        #expect(garbled.allSatisfy { $0.status == .invalidPayload && $0.timeMilliseconds == 7 })
        #expect(garbled[0].detail?.hasPrefix("not JSON") == true)
        let odd = mapper.readings(
            from: Array(#"{"pressure": {"value": null}, "state": {"running": "yes"}, "valves": [{"a": 1}]}"#.utf8),
            receivedAt: 8)
        #expect(odd.map(\.status) == [.notANumber, .invalidPayload, .invalidPayload])
        #expect(odd.allSatisfy { $0.timeMilliseconds == 8 })
        let numericText = mapper.readings(from: Array(#"{"pressure": {"value": "1.5e2"}}"#.utf8), receivedAt: 9)
        #expect(numericText[0].value == 150)
    }

    @Test(
        "A timestamp far from the arrival, huge or negative, is refused with its reason and never traps",
        arguments: ["1e19", "-1e19", "1e308", "1e400", "-0", "0", "9223372036854775807", "1.8e16", "\"noon\"", "true"])
    func implausibleTimestamps(stamp: String) {
        var mapper = MQTTPayloadMapper(device: Self.device)
        let arrival: Int64 = 1_700_000_000_000
        let readings = mapper.readings(
            from: Array(#"{"ts": \#(stamp), "pressure": {"value": 812.5}}"#.utf8), receivedAt: arrival)
        #expect(readings.allSatisfy { $0.timeMilliseconds == arrival && $0.status == .invalidPayload })
        // 1e400 is no JSON number at all; every other case names the timestamp field.
        #expect(readings[0].detail?.contains(stamp == "1e400" ? "JSON" : "timestamp ts") == true)
    }

    @Test("Random payload numbers and shapes never trap the mapper")
    func fuzzedPayloads() {
        var mapper = MQTTPayloadMapper(device: Self.device)
        var random = SeededGenerator(seed: 7)
        let numbers = ["1e19", "-1e19", "1e-320", "NaN", "Infinity", "1e400", "-1", "0", "1700000000", "3.5"]
        for _ in 0..<2000 {
            let ts = numbers[Int(random.next() % UInt64(numbers.count))]
            let value = numbers[Int(random.next() % UInt64(numbers.count))]
            let arrival = Int64(bitPattern: random.next() >> 2)
            let text = #"{"ts": \#(ts), "pressure": {"value": \#(value)}, "state": {"running": \#(value)}}"#
            let readings = mapper.readings(from: Array(text.utf8), receivedAt: arrival)
            #expect(readings.count == Self.device.signals.count)
        }
    }

    @Test("Silence is reported with how long it lasted")
    func silence() {
        var mapper = MQTTPayloadMapper(device: Self.device)
        let readings = mapper.silence(at: 100_000, since: 10_000)
        #expect(
            readings.allSatisfy { $0.status == .noData && $0.detail == "no message on the device's topic for 90 s" })
    }
}

@Suite("Modbus polling against a gateway that answers for the wrong unit")
struct ModbusWrongUnitTests {
    @Test("A reply from another unit is never stored as data: each reading is invalid, naming device, unit and field")
    func wrongUnit() async throws {
        let server = try CraftedModbusServer { CraftedReply(unitID: 3).bytes(answering: $0) }
        defer { server.stop() }
        let device = DeviceFile(
            id: "furnace-b", kind: "esr-furnace", name: "B",
            connection: .modbusTCP(ModbusTCPEndpoint(host: "127.0.0.1", port: server.port, unitID: 2)),
            signals: [
                SignalDefinition(
                    name: "chamber_pressure",
                    source: .register(RegisterLocation(table: .holding, address: 0, type: .float32)))
            ])
        let poller = ModbusDevicePoller(device: device)
        let readings = await poller.poll(at: 1_000)
        #expect(readings.map(\.status) == [.invalidResponse])
        #expect(readings.allSatisfy { $0.value == nil })
        let detail = try #require(readings.first?.detail)
        #expect(detail.contains("furnace-b, unit 2"))
        #expect(detail.hasSuffix("reply's unit id is 3, expected 2"))
    }
}
