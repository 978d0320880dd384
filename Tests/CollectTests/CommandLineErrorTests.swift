import Agent
import Foundation
import Glibc
import Plant
import Simulator
import TestSupport
import Testing

@Suite("hearth's runtime errors: one sentence on standard error, status 1", .serialized)
struct CommandLineErrorTests {
    static let fixtures = PlantFixture.repositoryRoot.appendingPathComponent("Tests/TreesTests/Fixtures")
    static let model = fixtures.appendingPathComponent("hearth-gbdt-model.json").path
    static let data = fixtures.appendingPathComponent("xgboost-data.csv").path

    /// Expects a failed command: status 1, nothing on standard output, one line on standard error.
    func expectOneSentence(
        _ result: CommandResult, _ line: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 1, "\(result.errors)", sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, "\(result.output)", sourceLocation: sourceLocation)
        #expect(result.errorLines == [line], sourceLocation: sourceLocation)
    }

    @Test("hearth status, models and readings without a database: one sentence naming the path, status 1")
    func noDatabase() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-nodb")
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [["status"], ["models", "list"], ["readings", "--device", "furnace-a"]] {
            let result = try await runCommand("hearth", arguments, in: folder)
            expectOneSentence(result, "Error: no database at hearth.db (give --database or --config)")
        }
    }

    @Test("hearth-sim serve on a port already in use names the device and the port, status 1 without the usage")
    func portInUse() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-port")
        defer { try? FileManager.default.removeItem(at: folder) }
        let holder = try CraftedModbusServer { _ in [] }
        defer { holder.stop() }
        let original = try String(
            contentsOf: PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8)
        let device = folder.appendingPathComponent("furnace-a.yaml")
        try original.replacingOccurrences(of: "port: 15021", with: "port: \(holder.port)")
            .write(to: device, atomically: true, encoding: .utf8)
        let result = try await runCommand(
            "hearth-sim", ["serve", "--device", device.path, "--duration", "5"], in: folder)
        expectOneSentence(result, "Error: furnace-a: listen on 127.0.0.1:\(holder.port): Address already in use")
    }

    @Test("hearth predict --out to an unwritable path or a full device names the file and the system's reason")
    func predictOutUnwritable() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-out")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plain-file").path
        try "x\n".write(toFile: file, atomically: false, encoding: .utf8)
        // As root a rename could replace /dev/full itself, so root writes to a full device of its own making
        // (major 1, minor 7: what /dev/full is).
        let device = getuid() == 0 ? folder.appendingPathComponent("full").path : "/dev/full"
        if getuid() == 0 { #expect(mknod(device, S_IFCHR | 0o600, dev_t(1 << 8 | 7)) == 0) }
        for (out, reason) in [
            (file + "/predictions.csv", "cannot write: Not a directory"),
            ("/nonexistent/predictions.csv", "cannot write: No such file or directory"),
            (device, "cannot write: No space left on device"),
        ] {
            let result = try await runCommand(
                "hearth", ["predict", "--model", Self.model, "--data", Self.data, "--out", out], in: folder)
            expectOneSentence(result, "Error: \(out): \(reason)")
        }
        var status = stat()
        #expect(lstat(device, &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)

        // Standard output on the full device (`> /dev/full`): the same sentence, not a silent success.
        let errors = folder.appendingPathComponent("predict.err")
        let process = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: ["predict", "--model", Self.model, "--data", Self.data], output: device, errors: errors.path)
        #expect(await process.exit(timeoutSeconds: 30) == 1)
        #expect(
            try String(contentsOf: errors, encoding: .utf8)
                == "Error: standard output: cannot write: No space left on device\n")
    }
}

@Suite("hearth --version")
struct CommandLineVersionTests {
    @Test("hearth --version prints the version, the commit of the checkout it was built from and both schemas")
    func version() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-version")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await runCommand("hearth", ["--version"], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.outputLines
        try #require(lines.count == 4, "\(lines)")
        #expect(lines[0] == "hearth \(HearthAgent.version)")
        #expect(lines[2] == "feature schema: \(PumpingEventFeatures.schema)")
        #expect(lines[3] == "database schema: \(AgentSchema.migrator.newestVersion)")
        let root = PlantFixture.repositoryRoot.path
        let expected: String
        if FileManager.default.fileExists(atPath: root + "/.git") {
            let output = folder.appendingPathComponent("rev-parse.out")
            let git = try ChildProcess(
                executable: "/usr/bin/git", arguments: ["-C", root, "rev-parse", "--short=12", "HEAD"],
                output: output.path)
            let status = await git.exit(timeoutSeconds: 30) ?? git.stop(graceSeconds: 1)
            try #require(status == 0)
            expected = try String(contentsOf: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(expected.count == 12)
        } else {
            expected = "unknown"
        }
        // A build from a checkout with uncommitted changes says so after the commit.
        #expect(
            lines[1] == "commit: \(expected)" || lines[1] == "commit: \(expected) (uncommitted changes)", "\(lines[1])")
    }
}
