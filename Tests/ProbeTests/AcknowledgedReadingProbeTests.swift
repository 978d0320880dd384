import Agent
import Foundation
import Plant
import Support
import TestSupport
import Testing

/// MQTT payloads from a gateway, stored: no payload, however its timestamp conflicts with, repeats or lies about
/// earlier ones, replaces a reading the store acknowledged, and nothing is stored at an implausible time.
@Suite("Probe: acknowledged readings under hostile MQTT payloads")
struct AcknowledgedReadingProbeTests {
    static let device = DeviceFile(
        id: "furnace-c", kind: "esr-furnace", name: "C",
        connection: .mqtt(MQTTSubscription(topic: "plant/furnace-c", timestampPath: "ts")),
        signals: [
            SignalDefinition(name: "chamber_pressure", source: .json(path: "pressure.value"), validRange: 0...1100),
            SignalDefinition(name: "event_running", source: .json(path: "state.running")),
            SignalDefinition(name: "valve_position", source: .json(path: "valves.0"), stuckAfter: 3),
        ])

    @Test("2,000 messages with duplicate, conflicting and implausible stamps never overwrite an acknowledged reading")
    func conflictingStamps() async throws {
        let folder = try TemporaryFolder.make(prefix: "probe-ack")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        try await store.register(Self.device, at: 0)
        var mapper = MQTTPayloadMapper(device: Self.device)
        var random = SeededGenerator(seed: 1883)
        var mutator = InputMutator(seed: 1884)
        var acknowledged: [String: Reading] = [:]
        var expectedConflicts = 0
        var arrival: Int64 = 1_800_000_000_000
        let base = arrival / 1000
        for index in 0..<2000 {
            arrival += Int64(random.uniform(below: 3)) * 500
            // A few stamps recur often (redeliveries, a gateway's frozen clock); some are absurd.
            let stamp = [
                "\(base)", "\(base + 1)", "\(base + 2)", "\(Double(arrival) / 1000)", "\(arrival)", "\(arrival - 1)",
                "1e19", "-1e19", "9.2e15", "1.8e16", "NaN", "\"yesterday\"", "null", "\(base - 8 * 86_400)",
                "\(Double(arrival) / 1000 + 599)", "\(Double(arrival) / 1000 + 601)",
            ][random.uniform(below: 16)]
            let value = ["812.5", "1e19", "-1", "NaN", "null", "\"3.5\"", "true", "[1]", "1e-320", "0"][
                random.uniform(below: 10)]
            var payload = Array(
                #"{"ts": \#(stamp), "pressure": {"value": \#(value)}, "state": {"running": \#(value)}, "valves": [\#(value)]}"#
                    .utf8)
            if random.uniform(below: 4) == 0 { payload = mutator.mutate(payload) }
            let readings = mapper.readings(from: payload, receivedAt: arrival)
            #expect(readings.count == Self.device.signals.count)
            for reading in readings {
                // Stored only near its arrival: a week before to ten minutes after.
                #expect(
                    reading.timeMilliseconds >= arrival - 7 * 86_400_000
                        && reading.timeMilliseconds <= arrival + 600_000,
                    "message \(index): \(reading) is stamped far from its arrival")
            }
            // One batch may repeat a key (never here: one reading per signal), so the first of the batch wins too.
            let conflicts = try await store.append(readings, receivedAt: arrival)
            var fresh = 0
            for reading in readings {
                let key = "\(reading.signal)@\(reading.timeMilliseconds)"
                if acknowledged[key] == nil {
                    acknowledged[key] = reading
                    fresh += 1
                }
            }
            #expect(conflicts == readings.count - fresh, "message \(index)")
            expectedConflicts += readings.count - fresh
        }
        let stored = try await store.readings(device: Self.device.id)
        #expect(stored.count == acknowledged.count)
        for reading in stored {
            let first = try #require(acknowledged["\(reading.signal)@\(reading.timeMilliseconds)"])
            #expect(reading.status == first.status && reading.detail == first.detail, "\(reading) replaced \(first)")
            #expect(
                reading.value == first.value || (reading.value?.isNaN == true && first.value?.isNaN == true),
                "\(reading) replaced \(first)")
        }
        #expect(try await store.readingConflicts(since: .min) == expectedConflicts)
        #expect(expectedConflicts > 100, "the probe must make conflicts to test them")
    }

    @Test("A payload with a NUL byte is stored with its whole reason, the NUL escaped, and read back unchanged")
    func nulInPayload() async throws {
        let folder = try TemporaryFolder.make(prefix: "probe-nul")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        try await store.register(Self.device, at: 0)
        var mapper = MQTTPayloadMapper(device: Self.device)
        let readings = mapper.readings(from: Array("{\"ts\": 1,\u{0}\n \"x\"".utf8), receivedAt: 5000)
        let detail = try #require(readings.first?.detail)
        #expect(detail.hasSuffix(#": {"ts": 1,\u0000\u000A "x""#), "\(detail)")
        try await store.append(readings)
        #expect(try await store.readings(device: Self.device.id).map(\.detail) == readings.map(\.detail))
        // Text holding a NUL itself (a signal's detail built from outside text) keeps every byte in the database.
        let raw = Reading.missing(
            device: Self.device.id, signal: "chamber_pressure", at: 6000, status: .invalidPayload, detail: "a\u{0}b")
        try await store.append([raw])
        #expect(try await store.readings(device: Self.device.id, from: 6000).first?.detail == "a\u{0}b")
    }

    @Test("Payloads nested 60,000 deep, with duplicated keys or over 64 KiB are readings with a reason, fast")
    func hostilePayloads() {
        var mapper = MQTTPayloadMapper(device: Self.device)
        let stamp = #"{"ts": 1800000000, "#
        let payloads: [(bytes: [UInt8], detail: String?)] = [
            (Array(String(repeating: "[", count: 60_000).utf8), "not JSON"),
            (Array(("{\"pressure\":" + String(repeating: "{\"value\":", count: 6000)).utf8), "not JSON"),
            (Array((stamp + #""pressure": {"value": 5}, "pressure": {"value": 6}}"#).utf8), nil),
            (Array((stamp + String(repeating: " ", count: 1 << 20) + #""pressure": {"value": 5}}"#).utf8), "KiB"),
            (
                Array((stamp + #""valves": [\#(Array(repeating: "1", count: 100_000).joined(separator: ","))]}"#).utf8),
                "KiB"
            ),
        ]
        for (index, payload) in payloads.enumerated() {
            let start = monotonicSeconds()
            let readings = mapper.readings(from: payload.bytes, receivedAt: 1_800_000_000_000)
            #expect(readings.count == Self.device.signals.count)
            #expect(readings.allSatisfy { $0.status == .ok || $0.detail?.isEmpty == false })
            if let detail = payload.detail {
                #expect(readings.allSatisfy { $0.status == .invalidPayload && $0.detail?.contains(detail) == true })
            }
            #expect(monotonicSeconds() - start < 1, "payload \(index): \(monotonicSeconds() - start) s")
        }
    }
}
