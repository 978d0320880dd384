import Agent
import Foundation
import Plant
import Simulator
import TestSupport
import Testing

/// What a finished command printed and returned.
struct CommandResult {
    var status: Int32?
    var output: String
    var errors: String

    var outputLines: [String] { output.split(separator: "\n").map(String.init) }
    var errorLines: [String] { errors.split(separator: "\n").map(String.init) }
}

/// Runs a built executable (`hearth`, `hearth-sim`) with its standard output and error kept apart.
func runCommand(
    _ name: String, _ arguments: [String], in folder: URL, timeoutSeconds: Double = 30
) async throws -> CommandResult {
    let output = folder.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).out")
    let errors = output.deletingPathExtension().appendingPathExtension("err")
    let process = try ChildProcess(
        executable: try builtExecutable(name), arguments: arguments, output: output.path, errors: errors.path)
    let status = await process.exit(timeoutSeconds: timeoutSeconds) ?? process.stop(graceSeconds: 1)
    return CommandResult(
        status: status, output: (try? String(contentsOf: output, encoding: .utf8)) ?? "",
        errors: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
}

@Suite("The hearth and hearth-sim command lines", .serialized)
struct CommandLineTests {
    static let root = PlantFixture.repositoryRoot

    static func yamlFiles(in folder: String) throws -> [String] {
        let url = root.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { url.appendingPathComponent($0).path }
    }

    @Test("hearth validate passes every shipped device file with one ok line each")
    func validateShipped() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-validate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try Self.yamlFiles(in: "devices") + Self.yamlFiles(in: "devices/examples")
        #expect(files.count == 4)
        let result = try await runCommand("hearth", ["validate"] + files, in: folder)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.isEmpty)
        #expect(result.outputLines.count == files.count)
        for (line, file) in zip(result.outputLines, files) {
            #expect(line.hasPrefix("\(file): ok ("), "\(line)")
        }
        // The onboarded furnace of the shipped scenario fits beside the plant's own files.
        let onboarding = Self.root.appendingPathComponent("simulator/scenarios/onboarding/furnace-d.yaml").path
        let together = try await runCommand(
            "hearth", ["validate", Self.root.appendingPathComponent("devices").path, onboarding], in: folder)
        #expect(together.status == 0, "\(together.errors)")
        #expect(
            together.outputLines.last
                == "\(onboarding): ok (furnace-d, modbus-tcp 127.0.0.1:15024 unit 4, 8 signals in 2 reads)")
    }

    @Test("A broken device file: FILE:LINE:COLUMN: FIELD: MESSAGE lines on standard error, status 1")
    func validateBroken() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-broken")
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("furnace-a.yaml")
        let text = try String(contentsOf: Self.root.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  unit_id: 1\n", with: "  unit_id: 300\n")
            .replacingOccurrences(of: "poll_interval: 30s", with: "poll_intervall: 30s")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let result = try await runCommand("hearth", ["validate", broken.path], in: folder)
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(
            result.errorLines == [
                "\(broken.path):12:12: connection.unit_id: 300 is outside 0...255",
                "\(broken.path):15:1: poll_intervall: unknown key; did you mean \"poll_interval\"?",
                "2 problems in 1 file",
            ])
    }

    @Test("hearth validate --config: a sound configuration with its devices, and a broken one")
    func validateConfiguration() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-config")
        defer { try? FileManager.default.removeItem(at: folder) }
        let devices = folder.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: devices, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.root.appendingPathComponent("devices/furnace-a.yaml"),
            to: devices.appendingPathComponent("furnace-a.yaml"))
        let good = folder.appendingPathComponent("good.yaml")
        try "devices: devices\ndatabase: hearth.db\n".write(to: good, atomically: true, encoding: .utf8)
        let sound = try await runCommand("hearth", ["validate", "--config", good.path], in: folder)
        #expect(sound.status == 0, "\(sound.errors)")
        #expect(
            sound.outputLines == [
                "\(good.path): ok (devices \(devices.path), database \(folder.path)/hearth.db, retention 90d, no broker)",
                "\(devices.path)/furnace-a.yaml: ok (furnace-a, modbus-tcp 127.0.0.1:15021 unit 1, 8 signals in 3 reads)",
            ])

        let bad = folder.appendingPathComponent("bad.yaml")
        try "retention: 0s\nspeed: fast\nbroker:\n  passwd: x\n".write(to: bad, atomically: true, encoding: .utf8)
        let broken = try await runCommand("hearth", ["validate", "--config", bad.path], in: folder)
        #expect(broken.status == 1)
        #expect(
            broken.errorLines == [
                "\(bad.path):1:12: retention: 0s must be longer than 0",
                "\(bad.path):2:8: speed: \"fast\" must be a number",
                "\(bad.path):4:3: broker.passwd: unknown key",
                "3 problems in 1 file",
            ])
    }

    @Test("hearth readings prints what a store session wrote: CSV, and only the problems with --problems")
    func readings() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-readings")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("hearth.db").path
        let device = try DeviceFileLoader.load(path: Self.root.appendingPathComponent("devices/furnace-a.yaml").path)
        let time: Int64 = 1_800_000_000_000
        do {
            let store = try AgentStore(path: database)
            try await store.register(device, at: time)
            try await store.append([
                .ok(device: "furnace-a", signal: "chamber_pressure", at: time, value: 812.5),
                .ok(device: "furnace-a", signal: "pump_current", at: time, value: 34.75),
                .missing(
                    device: "furnace-a", signal: "chamber_pressure", at: time + 30_000, status: .timeout,
                    detail: "no answer within 1 s"),
                .missing(
                    device: "furnace-a", signal: "chamber_temperature", at: time + 30_000, status: .outOfRange,
                    detail: "260 is outside [-20, 250]", raw: 2600),
            ])
        }
        let csv = try await runCommand("hearth", ["readings", "--database", database, "--csv"], in: folder)
        #expect(csv.status == 0, "\(csv.errors)")
        #expect(
            csv.outputLines == [
                "device,signal,time,value,unit,status,detail",
                "furnace-a,chamber_pressure,2027-01-15T08:00:00.000Z,812.5,mbar,ok,",
                "furnace-a,pump_current,2027-01-15T08:00:00.000Z,34.75,A,ok,",
                "furnace-a,chamber_pressure,2027-01-15T08:00:30.000Z,,mbar,timeout,no answer within 1 s",
                "furnace-a,chamber_temperature,2027-01-15T08:00:30.000Z,,°C,out_of_range,\"260 is outside [-20, 250]\"",
            ])
        let problems = try await runCommand("hearth", ["readings", "--database", database, "--problems"], in: folder)
        #expect(problems.status == 0, "\(problems.errors)")
        #expect(
            problems.outputLines == [
                "2027-01-15T08:00:30.000Z  furnace-a  chamber_pressure  <timeout> no answer within 1 s",
                "2027-01-15T08:00:30.000Z  furnace-a  chamber_temperature  <out_of_range> 260 is outside [-20, 250]",
            ])
    }

    @Test("hearth-sim history writes one row per event, checkpoint and furnace, from device files or a scenario")
    func history() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-history")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("history.csv")
        let devices = Self.root.appendingPathComponent("devices").path
        let result = try await runCommand(
            "hearth-sim", ["history", "--devices", devices, "--events", "5", "--out", out.path], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 5 * 6 * 3)
        #expect(lines.first?.hasSuffix(",min_pressure_mbar") == true)
        #expect(result.errors.contains("wrote 90 rows (5 events × 6 checkpoints × 3 furnaces)"), "\(result.errors)")

        let scenario = Self.root.appendingPathComponent("simulator/scenarios/onboarding.yaml").path
        let fromScenario = try await runCommand(
            "hearth-sim", ["history", "--scenario", scenario, "--events", "5", "--ids", "--out", out.path], in: folder)
        #expect(fromScenario.status == 0, "\(fromScenario.errors)")
        let rows = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count == 5 * 6 * 2, "furnaces A and B, the ones served from the start")
        #expect(Set(rows.map { $0.split(separator: ",")[0] }) == ["furnace-a", "furnace-b"])
    }

    @Test("hearth-sim serve with a malformed --fault stops with the fault syntax")
    func badFault() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-fault")
        defer { try? FileManager.default.removeItem(at: folder) }
        let devices = Self.root.appendingPathComponent("devices").path
        for (fault, reason) in [
            ("furnace-a:melt", "unknown fault \"melt\"; use stuck, nan, out-of-range, drop, slow, exception, garbled"),
            ("furnace-a", "expected DEVICE:KIND[:ARGUMENT][@START[+DURATION]]"),
        ] {
            let result = try await runCommand(
                "hearth-sim", ["serve", "--devices", devices, "--fault", fault], in: folder)
            #expect(result.status == 64)
            #expect(result.errorLines.first == "Error: fault \"\(fault)\": \(reason)", "\(result.errors)")
        }
    }

    @Test("hearth-sim serve --scenario announces the onboarded device and drops its file into the agent's folder")
    func serveScenario() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-scenario")
        defer { try? FileManager.default.removeItem(at: folder) }
        let agentDevices = folder.appendingPathComponent("agent-devices")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("onboarding"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: agentDevices, withIntermediateDirectories: true)
        let a = try String(contentsOf: Self.root.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "port: 15021", with: "port: \(try FreePort.find())")
        let d = try String(
            contentsOf: Self.root.appendingPathComponent("simulator/scenarios/onboarding/furnace-d.yaml"),
            encoding: .utf8
        ).replacingOccurrences(of: "port: 15024", with: "port: \(try FreePort.find())")
        try a.write(to: folder.appendingPathComponent("furnace-a.yaml"), atomically: true, encoding: .utf8)
        try d.write(to: folder.appendingPathComponent("onboarding/furnace-d.yaml"), atomically: true, encoding: .utf8)
        let scenario = folder.appendingPathComponent("scenario.yaml")
        try """
        description: "A, then D after an hour"
        speed: 60
        devices: [furnace-a.yaml]
        onboard:
          - at: 1h
            device: onboarding/furnace-d.yaml
        """.write(to: scenario, atomically: true, encoding: .utf8)

        // --speed overrides the scenario's 60: an hour of plant time passes in a tenth of a second.
        let result = try await runCommand(
            "hearth-sim",
            [
                "serve", "--scenario", scenario.path, "--speed", "36000", "--agent-devices", agentDevices.path,
                "--duration", "1.5",
            ], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        let source = folder.appendingPathComponent("onboarding/furnace-d.yaml").path
        #expect(result.outputLines.first == "scenario \(scenario.path): A, then D after an hour")
        #expect(result.outputLines.contains("plant time runs at 36000.0x; Ctrl-C stops"))
        #expect(result.outputLines.filter { $0.hasPrefix("onboard ") } == ["onboard furnace-d \(source)"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: agentDevices.path) == ["furnace-d.yaml"])
        #expect(try String(contentsOf: agentDevices.appendingPathComponent("furnace-d.yaml"), encoding: .utf8) == d)

        try "devices: [furnace-a.yaml]\nspeed: fast\n".write(to: scenario, atomically: true, encoding: .utf8)
        let broken = try await runCommand("hearth-sim", ["serve", "--scenario", scenario.path], in: folder)
        #expect(broken.status == 1)
        #expect(broken.errorLines.first == "Error: \(scenario.path):2:8: speed: \"fast\" must be a number")
    }

    @Test("hearth onboard needs --config or --devices; only a configuration's folder is said to be polled")
    func onboardNamesItsFolder() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-onboard")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = Self.root.appendingPathComponent("simulator/scenarios/onboarding/furnace-d.yaml").path
        let refused = try await runCommand("hearth", ["onboard", source], in: folder)
        #expect(refused.status == 1)
        #expect(refused.output.isEmpty)
        #expect(
            refused.errorLines == [
                "Error: name the agent's devices folder: --config with its configuration file, or --devices FOLDER"
            ])
        #expect(!FileManager.default.fileExists(atPath: "devices/furnace-d.yaml"))

        let missing = folder.appendingPathComponent("nowhere").path
        let noFolder = try await runCommand("hearth", ["onboard", "--devices", missing, source], in: folder)
        #expect(noFolder.errorLines == ["Error: \(missing) is not a folder; no agent reads device files from it"])
        #expect(!FileManager.default.fileExists(atPath: missing))

        let bare = folder.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        let placed = try await runCommand("hearth", ["onboard", "--devices", bare.path, source], in: folder)
        #expect(placed.status == 0, "\(placed.errors)")
        #expect(
            placed.outputLines == [
                "furnace-d onboarded: \(bare.path)/furnace-d.yaml (modbus-tcp 127.0.0.1:15024 unit 4); "
                    + "an agent run with --devices \(bare.path) polls it"
            ])

        let watched = folder.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: watched, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("hearth.yaml")
        try "devices: devices\n".write(to: config, atomically: true, encoding: .utf8)
        let configured = try await runCommand("hearth", ["onboard", "--config", config.path, source], in: folder)
        #expect(configured.status == 0, "\(configured.errors)")
        #expect(
            configured.outputLines == [
                "furnace-d onboarded: \(watched.path)/furnace-d.yaml (modbus-tcp 127.0.0.1:15024 unit 4); "
                    + "the running agent starts polling it within seconds"
            ])
    }

    @Test("A started program gets standard input, output and error only, not the sockets its parent holds")
    func onlyStandardStreams() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-fds")
        defer { try? FileManager.default.removeItem(at: folder) }
        // A file open here for sure: descriptor 3 or above.
        let held = try FileHandle(forReadingFrom: Self.root.appendingPathComponent("README.md"))
        defer { try? held.close() }
        #expect(held.fileDescriptor > 2)
        let output = folder.appendingPathComponent("fds.txt")
        let shell = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "ls /proc/$$/fd"], output: output.path)
        #expect(await shell.exit(timeoutSeconds: 10) == 0)
        #expect(try String(contentsOf: output, encoding: .utf8).split(separator: "\n") == ["0", "1", "2"])
    }
}
