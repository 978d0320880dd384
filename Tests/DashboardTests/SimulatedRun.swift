import Foundation
import Plant
import SQLite
import Simulator
import TestSupport

/// A database the agent wrote during a short real run against the simulated furnaces A (Modbus TCP) and B (RTU),
/// made once and shared by the suite.
actor SimulatedRun {
    static let shared = SimulatedRun()

    private var made: Task<String, any Error>?

    /// The database's path, after the agent ran until it had labeled events, predictions and a status report with live
    /// metrics.
    func database() async throws -> String {
        if let made { return try await made.value }
        let task = Task { try await Self.make() }
        made = task
        return try await task.value
    }

    static func builtExecutable(_ name: String) throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for folder in [
            testBinary.deletingLastPathComponent(), testBinary.deletingLastPathComponent().deletingLastPathComponent(),
        ] {
            let candidate = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw BrokerError("\(name) is not built next to the tests; run `swift build` first")
    }

    private static func make() async throws -> String {
        let folder = try TemporaryFolder.make(prefix: "dashboard")
        let (devices, loaded) = try MovedDeviceFiles.furnacesAB(in: folder)
        let origin = AcceleratedClock.realNow()
        let speed = 120.0
        let simulator = PlantSimulator(
            furnaces: SimulatedFurnace.make(devices: loaded, seed: 5, origin: origin),
            clock: AcceleratedClock(speed: speed, realOrigin: origin, plantOrigin: origin))
        try simulator.start()
        defer { simulator.stop() }
        let history = folder.appendingPathComponent("history.csv")
        try HistoryGenerator(furnaces: SimulatedFurnace.make(devices: loaded, seed: 5, origin: 0))
            .csv(eventsPerFurnace: 60, withIDs: true).write(to: history, atomically: true, encoding: .utf8)
        let configuration = folder.appendingPathComponent("hearth.yaml")
        try "status_interval: 1s\n".write(to: configuration, atomically: true, encoding: .utf8)
        let database = folder.appendingPathComponent("hearth.db").path
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--config", configuration.path, "--devices", devices.path, "--database", database, "--models",
                folder.appendingPathComponent("models").path, "--training-data", history.path, "--speed",
                String(speed), "--clock-origin", String(origin),
            ],
            output: folder.appendingPathComponent("agent.txt").path)
        func count(_ sql: String) -> Int64 {
            ((try? Database(path: database, readOnly: true).query(sql).first?[0].integer) ?? nil) ?? 0
        }
        let ready = await eventually(timeoutSeconds: 240) {
            count("SELECT count(DISTINCT device_id) FROM events WHERE minimum IS NOT NULL") >= 2
                && count("SELECT count(*) FROM predictions WHERE model_version = 1") >= 4
                // A status report written after a labeled event was predicted at the alarm checkpoint: it
                // carries live metrics.
                && count("SELECT count(*) FROM agent_status WHERE report LIKE '%\"mape_percent\":%'") >= 1
        }
        agent.signal(SIGTERM)
        _ = await agent.exit(timeoutSeconds: 10)
        guard ready else {
            let log = (try? String(contentsOfFile: folder.appendingPathComponent("agent.txt").path, encoding: .utf8))
            throw BrokerError("the agent made no labeled events on both furnaces in time; its output:\n\(log ?? "")")
        }
        return database
    }
}

/// Waits until a condition holds, checking every 20 ms; false after the timeout.
func eventually(timeoutSeconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return try await condition()
}
