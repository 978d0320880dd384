internal import CModbus
import Glibc
import Synchronization

/// A virtual null-modem cable: two pseudo-terminals whose traffic is copied both ways.
///
/// A Modbus RTU server opens ``serverPath`` and a client opens ``clientPath`` (or a symbolic link to it) exactly as
/// they would open `/dev/ttyUSB0`; bytes one writes arrive at the other. Lets the simulator and the tests run real RTU
/// framing without hardware or socat.
public final class PseudoSerialLine: Sendable {
    /// The slave side for the server to open.
    public let serverPath: String
    /// The slave side for the client to open.
    public let clientPath: String
    /// The symbolic link created to ``clientPath``, if one was asked for.
    public let link: String?

    private let stopped = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Errors opening the pseudo-terminals or creating the link.
    public struct SetupError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Opens both pseudo-terminals and starts copying.
    /// - Parameter link: optional path of a symbolic link to the client side (any existing link there is replaced;
    ///   its folder is created).
    public init(link: String? = nil) throws(SetupError) {
        let server = try Self.openPair()
        let client: (master: Int32, slave: Int32, path: String)
        do {
            client = try Self.openPair()
        } catch {
            Glibc.close(server.master)
            Glibc.close(server.slave)
            throw error
        }
        serverPath = server.path
        clientPath = client.path
        self.link = link
        if let link {
            let folder = link.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if !folder.isEmpty { Self.makeFolder(folder) }
            unlink(link)
            guard symlink(client.path, link) == 0 else {
                let message = String(cString: strerror(errno))
                for fd in [server.master, server.slave, client.master, client.slave] { Glibc.close(fd) }
                throw SetupError(description: "cannot link \(link) to \(client.path): \(message)")
            }
        }
        let context = Unmanaged.passRetained(
            BridgeContext(
                masters: (server.master, client.master), slaves: (server.slave, client.slave), line: self)
        ).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let bridge = Unmanaged<BridgeContext>.fromOpaque(raw!).takeRetainedValue()
                bridge.run()
                return nil
            }, context)
        precondition(rc == 0, "pthread_create failed with \(rc)")
        pthread_detach(thread)
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    fileprivate func markFinished() { finished.store(true, ordering: .releasing) }

    /// Stops copying, closes both pseudo-terminals and removes the link.
    public func close() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        for _ in 0..<100 where !finished.load(ordering: .acquiring) { usleep(5_000) }
        if let link { unlink(link) }
    }

    deinit { close() }

    private static func openPair() throws(SetupError) -> (master: Int32, slave: Int32, path: String) {
        let master = posix_openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0 else {
            let message = String(cString: strerror(errno))
            if master >= 0 { Glibc.close(master) }
            throw SetupError(description: "cannot open a pseudo-terminal: \(message)")
        }
        var name = [CChar](repeating: 0, count: 128)
        guard ptsname_r(master, &name, name.count) == 0 else {
            Glibc.close(master)
            throw SetupError(description: "cannot name the pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let path = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Holding the slave open keeps the master from seeing a hang-up while no program has the line open,
        // and raw mode keeps the line discipline from echoing or editing Modbus frames.
        let slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            Glibc.close(master)
            throw SetupError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        return (master, slave, path)
    }

    private static func makeFolder(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty && !path.hasPrefix("/") ? "" : "/") + part
            mkdir(prefix, 0o755)
        }
    }
}

/// The copying loop's state, owned by its thread.
private final class BridgeContext: @unchecked Sendable {
    // @unchecked Sendable: created by the initialiser and then used only by the bridge thread.
    let masters: (Int32, Int32)
    let slaves: (Int32, Int32)
    weak var line: PseudoSerialLine?

    init(masters: (Int32, Int32), slaves: (Int32, Int32), line: PseudoSerialLine) {
        self.masters = masters
        self.slaves = slaves
        self.line = line
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while let line, !line.isStopped {
            var fds = [
                pollfd(fd: masters.0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: masters.1, events: Int16(POLLIN), revents: 0),
            ]
            guard poll(&fds, 2, 50) > 0 else { continue }
            for (index, entry) in fds.enumerated() where entry.revents & Int16(POLLIN) != 0 {
                let target = index == 0 ? masters.1 : masters.0
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 { writeAll(buffer, count: count, to: target) }
            }
        }
        for fd in [masters.0, masters.1, slaves.0, slaves.1] { Glibc.close(fd) }
        line?.markFinished()
    }

    private func writeAll(_ buffer: [UInt8], count: Int, to fd: Int32) {
        var written = 0
        var attempts = 0
        while written < count && attempts < 1000 {
            let rc = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, count - written) }
            if rc > 0 {
                written += rc
            } else {
                attempts += 1
                usleep(1000)
            }
        }
    }
}
