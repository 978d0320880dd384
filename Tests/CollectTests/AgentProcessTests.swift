import Fieldbus
import Foundation
import Plant
import SQLite
import Simulator
import TestSupport
import Testing

/// The `hearth` executable beside the test binary.
func builtExecutable(_ name: String) throws -> String {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    for folder in [
        testBinary.deletingLastPathComponent(), testBinary.deletingLastPathComponent().deletingLastPathComponent(),
    ] {
        let candidate = folder.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw BrokerError("\(name) is not built next to the tests; run `swift build` first")
}

@Suite("The hearth process")
struct AgentProcessTests {
    /// Device files for furnaces A (TCP) and B (RTU) moved to a free port and a private pty path.
    static func plant(in folder: URL) throws -> (devices: URL, simulator: PlantSimulator, origin: Int64) {
        let (devices, loaded) = try MovedDeviceFiles.furnacesAB(in: folder)
        let origin = AcceleratedClock.realNow()
        let clock = AcceleratedClock(speed: 60, realOrigin: origin, plantOrigin: origin)
        let simulator = PlantSimulator(
            furnaces: SimulatedFurnace.make(devices: loaded, seed: 3, origin: origin), clock: clock)
        try simulator.start()
        return (devices, simulator, origin)
    }

    static func lines(of file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("Every reading the agent acknowledged (printed after commit) survives kill -9")
    func survivesKill() async throws {
        let folder = try TemporaryFolder.make(prefix: "kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, simulator, origin) = try Self.plant(in: folder)
        defer { simulator.stop() }
        let database = folder.appendingPathComponent("hearth.db").path
        let output = folder.appendingPathComponent("out.txt")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--devices", devices.path, "--database", database, "--speed", "60", "--clock-origin",
                String(origin), "--print-readings",
            ], output: output.path)
        let acknowledged = await eventually(timeoutSeconds: 30) {
            Self.lines(of: output).filter { $0.contains("furnace-") && !$0.contains(" info ") }.count >= 16
        }
        #expect(acknowledged, "the agent printed readings: \(Self.lines(of: output).suffix(5))")
        agent.signal(SIGKILL)
        #expect(agent.wait(timeoutSeconds: 5) == 128 + SIGKILL)

        let printed = Self.lines(of: output).filter { $0.hasPrefix("20") && $0.contains("  furnace-") }
        let store = try Database(path: database, readOnly: true)
        var checked = 0
        for line in printed {
            let parts = line.components(separatedBy: "  ")
            let time = parts[0]
            let device = parts[1]
            for field in parts.dropFirst(2) {
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                let rows = try store.query(
                    "SELECT value, status FROM reading_log WHERE device = ? AND signal = ? AND strftime('%Y-%m-%d %H:%M:%S', time_ms / 1000, 'unixepoch') = ?",
                    device, pair[0], time)
                #expect(rows.count == 1, "\(device) \(pair[0]) at \(time) is in the database")
                checked += 1
            }
        }
        #expect(checked >= 16 * 7)
    }

    @Test("SIGTERM stops the agent in order within a few seconds, exit status 0")
    func gracefulStop() async throws {
        let folder = try TemporaryFolder.make(prefix: "term")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, simulator, origin) = try Self.plant(in: folder)
        defer { simulator.stop() }
        let output = folder.appendingPathComponent("out.txt")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--devices", devices.path, "--database", folder.appendingPathComponent("h.db").path, "--speed",
                "60", "--clock-origin", String(origin),
            ], output: output.path)
        #expect(await eventually(timeoutSeconds: 20) { Self.lines(of: output).contains { $0.contains("collecting") } })
        try await Task.sleep(nanoseconds: 500_000_000)
        let started = Date()
        agent.signal(SIGTERM)
        #expect(agent.wait(timeoutSeconds: 5) == 0)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(Self.lines(of: output).contains { $0.contains("stopped") })
    }

    @Test(
        "After SIGTERM the retained availability is offline; a second agent on the same database is refused by name",
        .timeLimit(.minutes(2)))
    func availabilityAndLock() async throws {
        let folder = try TemporaryFolder.make(prefix: "offline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, simulator, origin) = try Self.plant(in: folder)
        defer { simulator.stop() }
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let database = folder.appendingPathComponent("h.db").path
        let arguments = [
            "run", "--devices", devices.path, "--database", database, "--speed", "60", "--clock-origin",
            String(origin), "--broker", "127.0.0.1:\(broker.port)",
        ]
        let output = folder.appendingPathComponent("out.txt")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"), arguments: arguments, output: output.path)
        /// The retained availability as a new subscriber sees it.
        func availability() async throws -> String? {
            let reader = try MQTTClient(
                options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "reader-\(UUID().uuidString)"))
            try reader.subscribe("hearth/+/availability")
            try reader.start()
            defer { reader.disconnect() }
            let first = Task { () -> String? in
                for await message in reader.messages { return message.text }
                return nil
            }
            let timeout = Task {
                try? await Task.sleep(nanoseconds: 3_000_000_000)
                first.cancel()
            }
            defer { timeout.cancel() }
            return await first.value
        }
        #expect(await eventually(timeoutSeconds: 20) { (try? await availability()) == "online" })

        let second = folder.appendingPathComponent("second.txt")
        let refused = try ChildProcess(
            executable: try builtExecutable("hearth"), arguments: arguments, output: second.path)
        #expect(refused.wait(timeoutSeconds: 20) == 1)
        #expect(
            Self.lines(of: second).contains { $0.contains("another agent uses \(database)") && $0.contains("pid") },
            "\(Self.lines(of: second).suffix(3))")

        agent.signal(SIGTERM)
        #expect(agent.wait(timeoutSeconds: 10) == 0)
        #expect(try await availability() == "offline", "the agent said offline before disconnecting")
    }

    @Test("A database or device folder that cannot be used stops the agent with a clear reason")
    func startErrors() async throws {
        let folder = try TemporaryFolder.make(prefix: "bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.txt")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: ["run", "--devices", folder.appendingPathComponent("nowhere").path], output: output.path)
        #expect(agent.wait(timeoutSeconds: 10) == 2, "a configuration error: status 2, which systemd does not restart")
        #expect(Self.lines(of: output).contains { $0.contains("no usable device file") }, "\(Self.lines(of: output))")
    }
}

@Suite("The hearth process keeps its models")
struct AgentRestartTests {
    @Test("kill -9 mid-run and a restart keep the champion, its file and the data; predictions go on")
    func championSurvivesKill() async throws {
        let folder = try TemporaryFolder.make(prefix: "restart")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, simulator, origin) = try AgentProcessTests.plant(in: folder)
        defer { simulator.stop() }
        // Training data for the first model: the same two furnaces' past.
        let loaded = DeviceFileLoader.loadFolder(path: devices.path).devices
        let history = folder.appendingPathComponent("history.csv")
        try HistoryGenerator(furnaces: SimulatedFurnace.make(devices: loaded, seed: 3, origin: 0))
            .csv(eventsPerFurnace: 60, withIDs: true).write(to: history, atomically: true, encoding: .utf8)
        let database = folder.appendingPathComponent("hearth.db").path
        let models = folder.appendingPathComponent("models").path
        let arguments = [
            "run", "--devices", devices.path, "--database", database, "--models", models, "--training-data",
            history.path,
            "--speed", "120", "--clock-origin", String(origin),
        ]
        func count(_ sql: String) -> Int64 {
            ((try? Database(path: database, readOnly: true).query(sql).first?[0].integer) ?? nil) ?? 0
        }
        let first = try ChildProcess(
            executable: try builtExecutable("hearth"), arguments: arguments,
            output: folder.appendingPathComponent("first.txt").path)
        #expect(
            await eventually(timeoutSeconds: 120) {
                count("SELECT count(*) FROM predictions WHERE model_version = 1") >= 3
            })
        first.signal(SIGKILL)
        #expect(first.wait(timeoutSeconds: 5) == 128 + SIGKILL)

        let readings = count("SELECT count(*) FROM readings")
        let predictions = count("SELECT count(*) FROM predictions")
        #expect(count("SELECT count(*) FROM deployments WHERE role = 'champion' AND model_version = 1") == 2)
        #expect(count("SELECT count(*) FROM models") == 1)
        #expect(FileManager.default.fileExists(atPath: models + "/model-1.json"))

        let second = try ChildProcess(
            executable: try builtExecutable("hearth"), arguments: arguments,
            output: folder.appendingPathComponent("second.txt").path)
        defer { second.stop() }
        #expect(await eventually(timeoutSeconds: 120) { count("SELECT count(*) FROM predictions") > predictions })
        #expect(count("SELECT count(*) FROM readings") > readings, "the data of the first run are kept and added to")
        #expect(count("SELECT count(*) FROM models") == 1, "the restart did not train a new first model")
        #expect(count("SELECT count(*) FROM deployments WHERE role = 'champion' AND model_version = 1") == 2)
        #expect(
            count("SELECT count(*) FROM predictions WHERE role = 'champion' AND model_version = 1") > 3,
            "the champion serves after the restart")
        second.stop()
    }
}
