import Foundation
import Glibc
import Plant
import SQLite
import Simulator
import TestSupport
import Testing

@Suite("Deploying as the README says")
struct DeploymentTests {
    /// `nobody`'s ids: the unprivileged user the agent runs as when the tests run as root.
    static let nobody: UInt32 = 65_534

    @Test("Read-only /etc/hearth, writable /var/lib/hearth, an unprivileged user: the first model is saved and serves")
    func documentedLayout() async throws {
        try await deploy(bringingInitialModel: false)
    }

    @Test("The README's initial.json, installed in /var/lib/hearth/models, is imported and serves")
    func initialModel() async throws {
        try await deploy(bringingInitialModel: true)
    }

    func deploy(bringingInitialModel: Bool) async throws {
        let root = try TemporaryFolder.make(prefix: "deploy")
        let etc = root.appendingPathComponent("etc/hearth")
        let devices = etc.appendingPathComponent("devices")
        let state = root.appendingPathComponent("var/lib/hearth")
        defer {
            chmod(etc.path, 0o755)
            chmod(devices.path, 0o755)
            try? FileManager.default.removeItem(at: root)
        }
        try FileManager.default.createDirectory(at: devices, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)

        let port = try FreePort.find()
        let text = try String(
            contentsOf: PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8
        ).replacingOccurrences(of: "port: 15021", with: "port: \(port)")
        try text.write(to: devices.appendingPathComponent("furnace-a.yaml"), atomically: true, encoding: .utf8)
        let device = try DeviceFileLoader.parse(text, file: "furnace-a.yaml")
        // The data scientists' history lies in the configuration folder, read-only like the rest of it.
        try HistoryGenerator(furnaces: SimulatedFurnace.make(devices: [device], seed: 5, origin: 0))
            .csv(eventsPerFurnace: 80, withIDs: true)
            .write(to: etc.appendingPathComponent("history.csv"), atomically: true, encoding: .utf8)
        let database = state.appendingPathComponent("hearth.db").path
        // The README's configuration: no `models` key, so the models go beside the database.
        if bringingInitialModel {
            // `sudo install -D -o hearth -g hearth -m 640 models/initial.json /var/lib/hearth/models/initial.json`
            let models = state.appendingPathComponent("models")
            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            let initial = models.appendingPathComponent("initial.json").path
            try FileManager.default.copyItem(
                atPath: PlantFixture.repositoryRoot.appendingPathComponent("models/initial.json").path, toPath: initial)
            #expect(chmod(initial, 0o640) == 0)
            if getuid() == 0 {
                #expect(
                    chown(models.path, Self.nobody, Self.nobody) == 0 && chown(initial, Self.nobody, Self.nobody) == 0)
            }
        }
        try """
        devices: devices
        database: \(database)
        \(bringingInitialModel ? "" : "training_data: history.csv")
        retention: 90d
        """.write(to: etc.appendingPathComponent("hearth.yaml"), atomically: true, encoding: .utf8)
        #expect(chmod(devices.path, 0o555) == 0 && chmod(etc.path, 0o555) == 0)

        let origin = AcceleratedClock.realNow()
        let simulator = PlantSimulator(
            furnaces: SimulatedFurnace.make(devices: [device], seed: 5, origin: origin),
            clock: AcceleratedClock(speed: 120, realOrigin: origin, plantOrigin: origin))
        try simulator.start()
        defer { simulator.stop() }

        let hearth = try builtExecutable("hearth")
        let arguments = [
            "run", "--config", etc.appendingPathComponent("hearth.yaml").path, "--speed", "120", "--clock-origin",
            String(origin),
        ]
        // As root, chmod alone would not stop a write: the agent runs as `nobody`, who owns only the state folder
        // (systemd's `User=hearth` with `StateDirectory=hearth`).
        let asRoot = getuid() == 0
        if asRoot { #expect(chown(state.path, Self.nobody, Self.nobody) == 0) }
        let output = root.appendingPathComponent("agent.log")
        let agent = try ChildProcess(
            executable: asRoot ? "/usr/bin/setpriv" : hearth,
            arguments: asRoot
                ? ["--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups", "--", hearth] + arguments
                : arguments,
            output: output.path)
        defer { _ = agent.stop() }
        func count(_ sql: String) -> Int64 {
            ((try? Database(path: database, readOnly: true).query(sql).first?[0].integer) ?? nil) ?? 0
        }
        let log = { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        let served = await eventually(timeoutSeconds: 180, every: 0.2) {
            count("SELECT count(*) FROM predictions WHERE model_version = 1 AND role = 'champion'") >= 1
        }
        #expect(served, "model v1 served a prediction: \(log().suffix(1500))")
        let file = bringingInitialModel ? "models/initial.json" : "models/model-1.json"
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent(file).path))
        if bringingInitialModel {
            #expect(count("SELECT count(*) FROM models WHERE weighting = 'imported' AND file = 'initial.json'") == 1)
        }
        #expect(!FileManager.default.fileExists(atPath: etc.appendingPathComponent("models").path))
        #expect(!log().contains("cannot write"), "\(log().suffix(1500))")
        #expect(!log().contains("fallback rule serves"), "\(log().suffix(1500))")
        #expect(agent.stop() == 0)
    }
}
