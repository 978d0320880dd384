import Foundation
import Glibc
import Simulator
import TestSupport
import Testing

@Suite("hearth run: SIGHUP, log formats and journald priorities")
struct RunSignalAndLogTests {
    /// A devices folder with furnace-a on a port nobody listens on: the agent starts and keeps reconnecting.
    static func unreachableDevices(in folder: URL) throws -> URL {
        let devices = folder.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: devices, withIntermediateDirectories: true)
        let text = try String(
            contentsOf: PlantFixture.repositoryRoot.appendingPathComponent("devices/furnace-a.yaml"), encoding: .utf8
        ).replacingOccurrences(of: "port: 15021", with: "port: \(try FreePort.find())")
        try text.write(to: devices.appendingPathComponent("furnace-a.yaml"), atomically: true, encoding: .utf8)
        return devices
    }

    @Test("SIGHUP stops the agent in order with a line naming the signal, status 0; logfmt lines")
    func hangUpStops() async throws {
        let folder = try TemporaryFolder.make(prefix: "sighup")
        defer { try? FileManager.default.removeItem(at: folder) }
        let devices = try Self.unreachableDevices(in: folder)
        let output = folder.appendingPathComponent("agent.log")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--devices", devices.path, "--database", folder.appendingPathComponent("hearth.db").path,
                "--log-format", "logfmt",
            ], output: output.path)
        defer { _ = agent.stop(graceSeconds: 1) }
        let lines = {
            ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        #expect(
            await eventually(timeoutSeconds: 30) { lines().contains { $0.contains("msg=collecting") } }, "\(lines())")
        agent.signal(SIGHUP)
        #expect(await agent.exit(timeoutSeconds: 20) == 0)
        let log = lines()
        #expect(
            log.contains { $0.contains("level=notice source=hearth msg=\"stop requested\" signal=SIGHUP") }, "\(log)")
        #expect(log.last?.contains("msg=stopped") == true, "\(log.suffix(3))")
        #expect(log.allSatisfy { $0.hasPrefix("time=") }, "\(log.filter { !$0.hasPrefix("time=") })")
    }

    @Test("--log-format json: one object per line; under journald each line starts with its syslog priority")
    func jsonForJournald() async throws {
        let folder = try TemporaryFolder.make(prefix: "logjson")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("agent.log")
        #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
        var status = stat()
        #expect(stat(output.path, &status) == 0)
        // What systemd puts in the environment of a unit whose standard error is the journal: that stream's ids.
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--devices", folder.appendingPathComponent("nowhere").path, "--database",
                folder.appendingPathComponent("hearth.db").path, "--log-format", "json",
            ], output: output.path, environment: ["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)"])
        #expect(await agent.exit(timeoutSeconds: 20) == 2)
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        let critical = try #require(lines.first { $0.hasPrefix("<2>{") }, "\(lines)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(critical.dropFirst(3).utf8)) as? [String: Any])
        #expect(object["level"] as? String == "critical")
        #expect(object["message"] as? String == "cannot start")
        #expect(object["source"] as? String == "hearth")
        #expect(((object["metadata"] as? [String: String])?["reason"])?.hasPrefix("no usable device file in") == true)
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
