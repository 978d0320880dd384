public import Foundation
import Simulator

/// A real mosquitto broker on a free loopback port, for the lifetime of a test.
public final class MosquittoBroker: @unchecked Sendable {
    // @unchecked Sendable: `process` is only touched by `init`, `start()` and `stop()`, which tests call from one task.
    public let port: Int
    public let folder: URL
    /// Whether the broker keeps sessions and queued messages across a restart (as a plant broker should).
    public let persistent: Bool
    private var process: ChildProcess?

    /// Starts mosquitto with the given extra configuration lines and waits until it accepts connections.
    /// - Parameters:
    ///   - extraConfiguration: lines appended to the listener block (e.g. `password_file ...`).
    ///   - persistent: keep persistent sessions and their queued QoS 1 messages across ``stop()`` and ``start()``.
    public init(extraConfiguration: [String] = [], port requestedPort: Int? = nil, persistent: Bool = false) throws {
        folder = try TemporaryFolder.make(prefix: "mosquitto")
        port = try requestedPort ?? FreePort.find()
        self.persistent = persistent
        // mosquitto started as root drops to its own user before writing its persistence file.
        chmod(folder.path, 0o777)
        try start(extraConfiguration: extraConfiguration)
    }

    /// Starts the broker again on the same port (after ``stop()``).
    public func start(extraConfiguration: [String] = []) throws {
        let configuration = folder.appendingPathComponent("mosquitto.conf")
        let lines =
            [
                "listener \(port) 127.0.0.1",
                "allow_anonymous \(extraConfiguration.contains { $0.hasPrefix("password_file") } ? "false" : "true")",
                persistent ? "persistence true" : "persistence false",
                persistent ? "persistence_location \(folder.path)/" : "",
                "log_dest stderr",
                "log_type error",
            ] + extraConfiguration
        try lines.joined(separator: "\n").appending("\n").write(to: configuration, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            executable: ChildProcess.find("mosquitto") ?? "/usr/sbin/mosquitto", arguments: ["-c", configuration.path],
            output: folder.appendingPathComponent("mosquitto.log").path)
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if FreePort.isListening(port) {
                // The port was free when chosen, but another test's server may have taken it since: then this
                // mosquitto exits at once ("Address already in use"), and the listener is not ours.
                usleep(100_000)
                if process.isRunning { return }
            }
            if let status = process.exitStatus {
                let log =
                    (try? String(contentsOf: folder.appendingPathComponent("mosquitto.log"), encoding: .utf8)) ?? ""
                throw BrokerError("mosquitto exited at start (status \(status)): \(log)")
            }
            usleep(20_000)
        }
        throw BrokerError("mosquitto did not listen on \(port) within 10 s")
    }

    /// Stops the broker (SIGTERM) and waits for it to exit.
    public func stop() {
        process?.stop()
        process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

public struct BrokerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
