import Fieldbus
import Foundation
import Plant
import Synchronization
import TestSupport
import Testing

@testable import Simulator

@Suite("Scenario runner", .serialized)
struct ScenarioRunnerTests {
    static let start: Int64 = 1_800_000_000_000

    /// Checks `condition` every 10 ms for up to `seconds` real seconds.
    static func settle(within seconds: Double = 5, until condition: () -> Bool) async -> Bool {
        for _ in 0..<Int(seconds * 100) where !condition() { try? await Task.sleep(nanoseconds: 10_000_000) }
        return condition()
    }

    /// Stops a runner off the cooperative pool: stopping a Modbus server waits for its thread to let go of the port.
    static func stop(_ runner: ScenarioRunner) async {
        await onOwnThread { runner.stop() }
    }

    /// Furnace A served from the start and furnace D onboarded at `onboardAt`, both on free ports.
    static func plant(
        onboardAt: String = "2h", extra: String = ""
    ) throws -> (
        fixture: ScenarioFixture, scenario: Scenario, ports: (a: Int, d: Int)
    ) {
        let ports = (a: try FreePort.find(), d: try FreePort.find())
        let fixture = try ScenarioFixture(ports: ports)
        let scenario = try fixture.load(
            """
            devices:
              - devices/furnace-a.yaml
            onboard:
              - at: \(onboardAt)
                device: onboarding/furnace-d.yaml
            """ + extra)
        return (fixture, scenario, ports)
    }

    /// Reads a chamber pressure (registers 0–1 of `table`, float32 ABCD) over Modbus TCP: furnace D keeps it in
    /// holding registers, furnace A in input registers.
    static func readPressure(port: Int, unit: Int, table: RegisterTable = .holding) throws -> Double {
        let connection = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: port), unitID: unit, timeoutSeconds: 1)
        try connection.connect()
        defer { connection.close() }
        return RegisterCodec.decode(
            try connection.readRegisters(table, address: 0, count: 2), as: .float32, order: .abcd)
    }

    @Test("Onboards a device at its plant time on the clock, calls back once, and serves it from then on")
    func onboarding() async throws {
        let (_, scenario, ports) = try Self.plant()
        let clock = ManualClock(startingAt: Self.start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        defer { runner.stop() }
        let calls = Mutex<[(id: String, path: String, time: Int64)]>([])
        try runner.start(onboarded: { device, path in calls.withLock { $0.append((device.id, path, clock.now())) } })
        #expect(runner.startTime == Self.start && runner.simulator.furnaces.map(\.device.id) == ["furnace-a"])
        #expect(FreePort.isListening(ports.a) && !FreePort.isListening(ports.d))
        #expect(await Self.settle { clock.sleeperCount == 1 }, "the onboarding waits on the plant clock")

        clock.advance(to: runner.plantTime(atSeconds: 2 * 3600 - 1))
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(calls.withLock { $0.isEmpty } && runner.onboardedDevices.isEmpty && clock.sleeperCount == 1)
        #expect(!FreePort.isListening(ports.d))

        clock.advance(to: runner.plantTime(atSeconds: 2 * 3600))
        #expect(await Self.settle { calls.withLock { $0.count } == 1 })
        let call = try #require(calls.withLock { $0.first })
        #expect(call.id == "furnace-d" && call.path == scenario.onboarding[0].path)
        #expect(call.time == Self.start + 7_200_000)
        #expect(runner.onboardedDevices == ["furnace-d"] && runner.failures.isEmpty)
        #expect(runner.simulator.furnaces.map(\.device.id) == ["furnace-a", "furnace-d"])
        let d = try #require(runner.furnace("furnace-d"))
        #expect(d.model.origin == Self.start, "D has been running since the start")
        #expect(
            try Self.readPressure(port: ports.d, unit: 4)
                == d.expectedDecodedValue(signal: "chamber_pressure", at: clock.now()))

        clock.advance(to: runner.plantTime(atSeconds: 10 * 3600))
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(calls.withLock { $0.count } == 1 && clock.sleeperCount == 0)
        await Self.stop(runner)
        // A server lets go of its port once its thread notices; on a busy machine that can take a moment.
        #expect(await Self.settle { !FreePort.isListening(ports.a) && !FreePort.isListening(ports.d) })
    }

    @Test("poll-grid registers show the plant at the last poll slot however late a request comes; live ones now")
    func registerTiming() async throws {
        let (_, scenario, ports) = try Self.plant(onboardAt: "100h")
        let a = try #require(scenario.allDevices.first { $0.id == "furnace-a" })
        let interval = Int64(a.pollIntervalSeconds * 1000)
        for timing in [PlantSimulator.RegisterTiming.pollGrid, .live] {
            let clock = ManualClock(startingAt: Self.start)
            let runner = ScenarioRunner(scenario: scenario, clock: clock, registerTiming: timing)
            try runner.start()
            let furnace = try #require(runner.furnace("furnace-a"))
            // A slot during a pumping event, where the pressure 20 s after the slot differs from the slot's.
            let slot = try #require(
                (1...2000).lazy.map { Self.start + Int64($0) * interval }.first {
                    furnace.expectedDecodedValue(signal: "chamber_pressure", at: $0)
                        != furnace.expectedDecodedValue(signal: "chamber_pressure", at: $0 + 20_000)
                })
            for late in [0, 1_000, 20_000, interval - 1] as [Int64] {
                clock.advance(to: slot + late)
                let read = try Self.readPressure(port: ports.a, unit: 1, table: .input)
                let expected = furnace.expectedDecodedValue(
                    signal: "chamber_pressure", at: timing == .pollGrid ? slot : slot + late)
                #expect(read == expected, "\(timing), \(late) ms after the slot")
            }
            await Self.stop(runner)
            #expect(await Self.settle { !FreePort.isListening(ports.a) })
        }
    }

    @Test("Several onboardings come in plant-time order, whatever their order in the file")
    func order() async throws {
        let ports = (a: try FreePort.find(), d: try FreePort.find())
        let fixture = try ScenarioFixture(ports: ports)
        let d = try String(contentsOfFile: fixture.path("onboarding/furnace-d.yaml"), encoding: .utf8)
        try fixture.write(
            d.replacingOccurrences(of: "id: furnace-d", with: "id: furnace-e")
                .replacingOccurrences(of: "port: \(ports.d)", with: "port: \(try FreePort.find())"),
            to: "onboarding/furnace-e.yaml")
        let scenario = try fixture.load(
            """
            devices: [devices/furnace-a.yaml]
            onboard:
              - {at: 3h, device: onboarding/furnace-d.yaml}
              - {at: 1h, device: onboarding/furnace-e.yaml}
            """)
        let clock = ManualClock(startingAt: Self.start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        defer { runner.stop() }
        let seen = Mutex<[String]>([])
        try runner.start(onboarded: { device, _ in seen.withLock { $0.append(device.id) } })
        #expect(await Self.settle { clock.sleeperCount == 1 })
        clock.advance(to: runner.plantTime(atSeconds: 3600))
        #expect(await Self.settle { seen.withLock { $0 } == ["furnace-e"] })
        clock.advance(to: runner.plantTime(atSeconds: 4 * 3600))
        #expect(await Self.settle { seen.withLock { $0 } == ["furnace-e", "furnace-d"] })
        await Self.stop(runner)
    }

    @Test("Stopping before the onboarding time cancels it: no callback, nothing left sleeping")
    func stopBeforeOnboarding() async throws {
        let (_, scenario, ports) = try Self.plant()
        let clock = ManualClock(startingAt: Self.start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        let called = Mutex(false)
        try runner.start(onboarded: { _, _ in called.withLock { $0 = true } })
        #expect(await Self.settle { clock.sleeperCount == 1 })
        await Self.stop(runner)
        #expect(await Self.settle { clock.sleeperCount == 0 })
        clock.advance(to: runner.plantTime(atSeconds: 3 * 3600))
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(!called.withLock { $0 } && !FreePort.isListening(ports.d))
        #expect(await Self.settle { !FreePort.isListening(ports.a) })
        #expect(throws: ScenarioRunError.self) { try runner.start() }
    }

    @Test("A device whose port is taken is not onboarded: the failure callback says why, the run goes on")
    func onboardingFailure() async throws {
        let (_, scenario, ports) = try Self.plant(onboardAt: "30m")
        let squatter = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: ports.d), units: [:]) { _ in
            ModbusReply(.exception(code: 11))
        }
        defer { squatter.stop() }
        let clock = ManualClock(startingAt: Self.start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        defer { runner.stop() }
        let failures = Mutex<[ScenarioRunError]>([])
        let onboarded = Mutex(0)
        try runner.start(
            onboarded: { _, _ in onboarded.withLock { $0 += 1 } },
            failed: { error in failures.withLock { $0.append(error) } })
        #expect(await Self.settle { clock.sleeperCount == 1 })
        clock.advance(to: runner.plantTime(atSeconds: 1800))
        #expect(await Self.settle { failures.withLock { $0.count } == 1 })
        let failure = try #require(failures.withLock { $0.first })
        #expect(failure.device == "furnace-d" && failure.description.hasPrefix("onboard furnace-d: "), "\(failure)")
        #expect(runner.failures == [failure] && runner.onboardedDevices.isEmpty && onboarded.withLock { $0 } == 0)
        #expect(FreePort.isListening(ports.a))
        await Self.stop(runner)
        await onOwnThread { squatter.stop() }
    }

    @Test("Faults strike in their windows, on devices served from the start and onboarded ones")
    func faults() async throws {
        let (_, scenario, ports) = try Self.plant(
            extra: """

                faults:
                  - device: furnace-a
                    fault: stuck:chamber_pressure
                    at: 3h
                    duration: 10m
                  - device: furnace-a
                    fault: exception:6
                    at: 5h
                  - device: furnace-d
                    fault: nan:chamber_pressure
                    at: 150m
                    duration: 1m
                """)
        let clock = ManualClock(startingAt: Self.start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        defer { runner.stop() }
        try runner.start()
        let a = try #require(runner.furnace("furnace-a"))
        let d = try #require(runner.furnace("furnace-d"))
        func at(_ seconds: Double) -> Int64 { runner.plantTime(atSeconds: seconds) }

        #expect(a.activeFaults(at: at(3 * 3600) - 1).isEmpty)
        #expect(a.activeFaults(at: at(3 * 3600)).map(\.kind) == [.stuck(signal: "chamber_pressure")])
        #expect(a.activeFaults(at: at(3 * 3600 + 600)).isEmpty)
        let frozen = try #require(a.engineeringValues(at: at(3 * 3600))["chamber_pressure"])
        for offset in stride(from: 30.0, to: 600, by: 90) {
            #expect(a.engineeringValues(at: at(3 * 3600 + offset))["chamber_pressure"] == frozen)
        }
        #expect(a.engineeringValues(at: at(3 * 3600 + 630))["chamber_pressure"] != frozen)
        #expect(a.activeFaults(at: at(5 * 3600 - 1)).isEmpty && a.activeFaults(at: at(40 * 3600)).count == 1)
        #expect(d.engineeringValues(at: at(2.5 * 3600 + 30))["chamber_pressure"]?.isNaN == true)
        #expect(d.engineeringValues(at: at(2.5 * 3600 + 60))["chamber_pressure"]?.isNaN == false)

        // The served registers show the same: exception 6 from furnace A once its fault began.
        clock.advance(to: at(5 * 3600))
        let connection = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: ports.a), unitID: 1, timeoutSeconds: 1)
        try connection.connect()
        defer { connection.close() }
        let error = #expect(throws: ModbusError.self) { _ = try connection.readRegisters(.input, address: 0, count: 2) }
        #expect(error?.kind == .exception(code: 6), "\(String(describing: error))")
        connection.close()
        await Self.stop(runner)
    }

    @Test("Physics overrides reach the served furnaces; furnace models start at the runner's start")
    func physics() throws {
        let (_, scenario, _) = try Self.plant(
            extra: """

                physics:
                  furnace-d:
                    idle: [2m, 6m]
                    start_temperature: [80, 140]
                """)
        let runner = ScenarioRunner(scenario: scenario, clock: ManualClock(startingAt: Self.start))
        let d = try #require(runner.furnace("furnace-d"))
        var expected = SimulatedFurnace.physics(for: d.device)
        expected.idleS = 120...360
        expected.startTemperatureC = 80...140
        #expect(d.model.physics == expected && d.model.seed == scenario.seed)
        let a = try #require(runner.furnace("furnace-a"))
        #expect(a.model.physics == SimulatedFurnace.physics(for: a.device) && a.model.origin == Self.start)
        #expect((0..<20).allSatisfy { (80...140).contains(d.model.event($0).simulation.conditions.startTemperatureC) })
    }
}

@Suite("Dropping device files into an agent's folder")
struct ScenarioDeviceFileDropTests {
    @Test("The copy lands under the source's name with the same bytes, replacing an older file, nothing left over")
    func place() throws {
        let fixture = try ScenarioFixture()
        let source = fixture.path("onboarding/furnace-d.yaml")
        let folder = fixture.folder.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try fixture.write("id: stale\n", to: "agent/furnace-d.yaml")
        let placed = try DeviceFileDrop.place(source, in: folder.path)
        #expect(placed == folder.appendingPathComponent("furnace-d.yaml").path)
        #expect(FileManager.default.contents(atPath: placed) == FileManager.default.contents(atPath: source))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["furnace-d.yaml"])
    }

    @Test("A missing source or folder is an error naming the file and the system's reason")
    func errors() throws {
        let fixture = try ScenarioFixture()
        let missingSource = #expect(throws: DeviceFileDropError.self) {
            try DeviceFileDrop.place(fixture.path("nope.yaml"), in: fixture.folder.path)
        }
        #expect(missingSource?.description == "cannot read \(fixture.path("nope.yaml")): No such file or directory")
        let missingFolder = #expect(throws: DeviceFileDropError.self) {
            try DeviceFileDrop.place(fixture.path("onboarding/furnace-d.yaml"), in: fixture.path("nowhere"))
        }
        #expect(
            missingFolder?.description
                == "\(fixture.path("nowhere"))/furnace-d.yaml: cannot write: No such file or directory")
    }
}
