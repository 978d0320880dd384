public import Foundation
import Simulator
import Synchronization

/// Free loopback TCP ports for test servers.
public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nobody listens on right now, below Linux's ephemeral range (32768–60999), never the same twice in one
    /// test process. Tests point clients at a broker's port before it listens, or while it is down: a port from the
    /// ephemeral range can meanwhile be handed by the kernel to another test's server bound to port 0, or to a
    /// client's own connection as its source port, and the broker then cannot bind it ("Address already in use").
    public static func find() throws -> Int {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let port = Int.random(in: 20_000..<32_000, using: &random)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if LoopbackPort.canBind(port), !LoopbackPort.isListening(port) { return port }
        }
        throw BrokerError("no free loopback port below the ephemeral range")
    }

    /// Whether something accepts TCP connections on the loopback port.
    public static func isListening(_ port: Int) -> Bool { LoopbackPort.isListening(port) }
}

/// Temporary folders that tests remove when done.
public enum TemporaryFolder {
    public static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hearth-\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
