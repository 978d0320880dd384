import Glibc

/// Loopback TCP ports for local servers (the demo's broker, tests).
public enum LoopbackPort {
    /// A port nobody listens on right now (bound once with port 0, then released).
    public static func free() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    /// Whether this loopback port can be bound right now.
    public static func canBind(_ port: Int) -> Bool {
        withSocket(at: port) { fd, address, length in bind(fd, address, length) == 0 }
    }

    /// Whether something accepts TCP connections on this loopback port.
    public static func isListening(_ port: Int) -> Bool {
        withSocket(at: port) { fd, address, length in connect(fd, address, length) == 0 }
    }

    /// Runs `body` on a fresh TCP socket and the loopback address of `port`; false without a socket.
    private static func withSocket(
        at port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return address
    }
}
