import Agent
import Fieldbus
import Foundation
import Logging
import Plant
import Simulator
import TestSupport
import Testing

@Suite("Collecting from simulated furnaces over real Modbus TCP, a real pty and a real mosquitto")
struct CollectTests {
    static let logger = Logger(label: "test")

    /// A collector running on the fixture's devices, with its own database.
    struct Running {
        var collector: Collector
        var store: AgentStore
        var mqtt: MQTTClient
        var activity: AgentActivity
        var task: Task<Void, Never>

        /// Stops the collector (its loops end, what is unsaved is stored) and the connection.
        func stop() async {
            collector.finish()
            await task.value
            mqtt.disconnect()
        }
    }

    /// Starts a collector on the fixture's devices and its own database.
    static func collector(for plant: PlantFixture) async throws -> Running {
        let store = try AgentStore(path: plant.folder.appendingPathComponent("hearth.db").path, durability: .normal)
        let mqtt = try MQTTClient(options: MQTTOptions(host: "127.0.0.1", port: plant.broker.port, clientID: "hearth"))
        try mqtt.start()
        _ = await mqtt.waitUntilConnected(timeoutSeconds: 5)
        let activity = AgentActivity()
        let collector = Collector(store: store, clock: plant.clock, mqtt: mqtt, logger: logger, activity: activity)
        for device in plant.devices { try await collector.add(device) }
        let task = Task { await collector.run() }
        try await Task.sleep(nanoseconds: 200_000_000)  // subscriptions reach the broker
        return Running(collector: collector, store: store, mqtt: mqtt, activity: activity, task: task)
    }

    /// Advances the plant clock one poll interval at a time, waiting each time until every device stored its poll.
    /// - Parameter silentFirst: devices not expected to store at the first poll (an MQTT device that just went
    ///   quiet is only reported once one and a half intervals have passed).
    static func advance(
        _ plant: PlantFixture, _ running: Running, polls: Int, silentFirst: Set<String> = []
    ) async throws -> [Int64] {
        let store = running.store
        var times: [Int64] = []
        for _ in 0..<polls {
            // Every device is done with the slots so far before the clock moves, so none misses the instant.
            await running.activity.idle(through: plant.clock.now())
            let next = (plant.clock.now() / 30_000 + 1) * 30_000
            plant.clock.advance(to: next)
            times.append(next)
            // A generous limit: on a machine busy with other work a poll over a pty can wait seconds for a core.
            let stored = try await eventually(timeoutSeconds: 60) {
                for device in plant.devices where !(times.count == 1 && silentFirst.contains(device.id)) {
                    if try await store.readings(device: device.id, from: next, to: next).count < device.signals.count {
                        return false
                    }
                }
                return true
            }
            #expect(stored, "every device stored its poll at \(next)")
        }
        return times
    }

    @Test("Every stored value equals the simulator's truth after decoding, for TCP, RTU and MQTT furnaces")
    func storedValuesMatchTruth() async throws {
        let plant = try PlantFixture()
        let collecting = try await Self.collector(for: plant)
        let store = collecting.store
        // 40 polls = 20 plant minutes: idle, an event starting, pumping down.
        let times = try await Self.advance(plant, collecting, polls: 40)
        await collecting.stop()

        var checked = 0
        var running = 0
        for device in plant.devices {
            let furnace = try #require(plant.simulator.furnace(device.id))
            let readings = try await store.readings(device: device.id)
            #expect(
                readings.count == times.count * device.signals.count, "\(device.id): one reading per signal and poll")
            for reading in readings {
                let expected = try #require(
                    furnace.expectedDecodedValue(signal: reading.signal, at: reading.timeMilliseconds))
                let signal = try #require(device.signal(named: reading.signal))
                if expected.isNaN {
                    #expect(reading.status == .notANumber, "\(device.id)/\(reading.signal) before any event has ended")
                } else if let range = signal.validRange, !range.contains(expected) {
                    #expect(reading.status == .outOfRange)
                } else {
                    #expect(reading.status == .ok, "\(device.id)/\(reading.signal): \(reading.detail ?? "")")
                    #expect(reading.value == expected, "\(device.id)/\(reading.signal) at \(reading.timeMilliseconds)")
                    checked += 1
                }
                if reading.signal == "event_running", reading.value == 1 { running += 1 }
            }
        }
        #expect(checked > 800)
        #expect(running > 0, "the window covers pumping events")
    }

    @Test("Each injected fault is stored as a missing reading with its reason, and collection goes on")
    func faults() async throws {
        let plant = try PlantFixture { device in
            if let index = device.signals.firstIndex(where: { $0.name == "chamber_pressure" }) {
                device.signals[index].stuckAfter = 3
            }
        }
        let running = try await Self.collector(for: plant)
        let store = running.store
        let a = try #require(plant.simulator.furnace("furnace-a"))
        let b = try #require(plant.simulator.furnace("furnace-b"))
        let c = try #require(plant.simulator.furnace("furnace-c"))

        func expectStatus(
            _ device: String, _ signal: String, at time: Int64, _ status: ReadingStatus,
            containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let reading = try await store.readings(device: device, signal: signal, from: time, to: time).first
            #expect(
                reading?.status == status, "\(device)/\(signal): \(reading?.detail ?? "no reading")",
                sourceLocation: sourceLocation)
            if let text {
                #expect(
                    reading?.detail?.contains(text) == true, "\(reading?.detail ?? "")", sourceLocation: sourceLocation)
            }
        }

        _ = try await Self.advance(plant, running, polls: 2)
        let now = plant.clock.now()
        a.inject(
            Fault(device: "furnace-a", kind: .notANumber(signal: "chamber_pressure"), start: now, end: now + 45_000))
        a.inject(Fault(device: "furnace-a", kind: .outOfRange(signal: "pump_current"), start: now, end: now + 45_000))
        b.inject(Fault(device: "furnace-b", kind: .exception(code: 4), start: now, end: now + 45_000))
        c.inject(Fault(device: "furnace-c", kind: .garbledPayload, start: now, end: now + 45_000))
        var t = try await Self.advance(plant, running, polls: 1)[0]
        try await expectStatus("furnace-a", "chamber_pressure", at: t, .notANumber)
        try await expectStatus("furnace-a", "pump_current", at: t, .outOfRange, containing: "outside the valid range")
        try await expectStatus("furnace-a", "chamber_temperature", at: t, .ok)
        try await expectStatus("furnace-b", "chamber_pressure", at: t, .exception, containing: "server device failure")
        try await expectStatus("furnace-c", "chamber_pressure", at: t, .invalidPayload, containing: "not JSON")

        t = try await Self.advance(plant, running, polls: 1)[0]
        a.inject(Fault(device: "furnace-a", kind: .stuck(signal: "chamber_pressure"), start: t, end: t + 100_000))
        a.inject(Fault(device: "furnace-a", kind: .dropConnection, start: t + 90_000, end: t + 100_000))
        b.inject(Fault(device: "furnace-b", kind: .slowResponse(seconds: 0.8), start: t, end: t + 45_000))
        c.inject(Fault(device: "furnace-c", kind: .dropConnection, start: t, end: t + 100_000))
        let later = try await Self.advance(plant, running, polls: 3, silentFirst: ["furnace-c"])
        try await expectStatus("furnace-b", "chamber_pressure", at: later[0], .timeout)
        try await expectStatus("furnace-a", "chamber_pressure", at: later[1], .stuck, containing: "unchanged")
        try await expectStatus("furnace-a", "chamber_pressure", at: later[2], .disconnected)
        try await expectStatus("furnace-c", "chamber_pressure", at: later[2], .noData, containing: "no message")

        // Faults over: every device reads normally again (furnace-a reconnects by itself).
        let recovered = try await Self.advance(plant, running, polls: 3)
        for device in ["furnace-a", "furnace-b", "furnace-c"] {
            try await expectStatus(device, "chamber_temperature", at: recovered[2], .ok)
        }
        await running.stop()
    }

    @Test("A poll read late is stored under the time it was read, not the slot it was due")
    func latePollKeepsItsTime() async throws {
        let plant = try PlantFixture()
        let collecting = try await Self.collector(for: plant)
        await collecting.activity.idle(through: plant.clock.now())
        // The clock jumps 20 s past the next slot before the devices wake (a loaded machine, a slow thread).
        let slot = (plant.clock.now() / 30_000 + 1) * 30_000
        plant.clock.advance(to: slot + 20_000)
        await collecting.activity.idle(through: slot + 20_000)
        for device in plant.devices where device.connection.isModbus {
            let stored = try await collecting.store.readings(device: device.id)
            #expect(stored.count == device.signals.count, "\(device.id) polled once")
            #expect(stored.allSatisfy { $0.timeMilliseconds == slot + 20_000 }, "\(device.id) stamped when read")
        }
        await collecting.stop()
    }
}

extension Connection {
    fileprivate var isModbus: Bool {
        if case .mqtt = self { return false }
        return true
    }
}
