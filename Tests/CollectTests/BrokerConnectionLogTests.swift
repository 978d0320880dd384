import Foundation
import Glibc
import Simulator
import TestSupport
import Testing

@Suite("The hearth process logs its broker connection")
struct BrokerConnectionLogTests {
    @Test("A broker that is down is logged with the reason at every retry, and its return as a connection")
    func brokerDownThenUp() async throws {
        let folder = try TemporaryFolder.make(prefix: "broker-log")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, simulator, origin) = try AgentProcessTests.plant(in: folder)
        defer { simulator.stop() }
        let port = try FreePort.find()
        let log = folder.appendingPathComponent("agent.log")
        let agent = try ChildProcess(
            executable: try builtExecutable("hearth"),
            arguments: [
                "run", "--devices", devices.path, "--database", folder.appendingPathComponent("hearth.db").path,
                "--broker", "127.0.0.1:\(port)", "--speed", "60", "--clock-origin", String(origin),
            ], output: folder.appendingPathComponent("out.txt").path, errors: log.path)
        defer { _ = agent.stop(graceSeconds: 5) }
        let lines = { AgentProcessTests.lines(of: log) }
        let retried = await eventually(timeoutSeconds: 30) {
            lines().contains {
                $0.contains(" warning ")
                    && $0.contains(
                        "connection attempt 3 in 2 s (last error: connect to 127.0.0.1:\(port): Connection refused)")
            }
        }
        #expect(retried, "\(lines().suffix(8))")
        let broker = try MosquittoBroker(port: port)
        defer { broker.stop() }
        let connected = await eventually(timeoutSeconds: 30) {
            lines().contains { $0.contains(" info ") && $0.contains("connected to broker 127.0.0.1:\(port) after ") }
        }
        #expect(connected, "\(lines().suffix(8))")
    }
}
