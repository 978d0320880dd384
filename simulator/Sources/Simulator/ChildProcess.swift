public import Glibc
import Synchronization

/// A program started with `posix_spawn`, which lives until it exits or is stopped.
///
/// The simulator's demo uses it for mosquitto and the agent; tests use it for brokers and for the CLI binaries.
/// Unlike structured process APIs, the child may outlive the scope that started it (a broker for a whole test).
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    public let arguments: [String]
    private let status = Mutex<Int32?>(nil)

    /// A failure to start a program.
    public struct SpawnError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Starts `executable` with `arguments`.
    /// - Parameters:
    ///   - output: file that receives standard output and standard error (appended); `nil` inherits ours.
    ///   - errors: file that receives standard error instead (appended), for callers that read the two apart.
    ///   - environment: extra `NAME=value` entries added to ours.
    ///   - newProcessGroup: puts the child in its own process group so a terminal's Ctrl-C reaches only us.
    public init(
        executable: String, arguments: [String], output: String? = nil, errors: String? = nil,
        environment: [String: String] = [:], newProcessGroup: Bool = false
    ) throws(SpawnError) {
        self.executable = executable
        self.arguments = arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let output {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            if errors == nil { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
        }
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // The child gets standard input, output and error only: a socket it inherited (a simulated Modbus server's
        // connection, say) would stay open as long as it lives, so closing that socket here would not reach the
        // peer, and a dropped connection would look like a silent one.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The spawning thread may block signals (runtime worker threads do) and the child would inherit that mask,
        // ignoring SIGTERM; start it with no signal blocked and the usual default actions.
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var merged: [String: String] = [:]
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                merged[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            index += 1
        }
        merged.merge(environment) { _, new in new }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child = pid_t()
        let rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (since 2.34), which the Glibc module does not import.
    private static var addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)?
    {
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
            unsafeBitCast(
                $0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
        }
    }

    /// The exit status once the program has exited (128 + signal number if a signal ended it), else `nil`.
    public var exitStatus: Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let rc = waitpid(pid, &raw, WNOHANG)
            if rc == -1 && errno == ECHILD {
                // Reaped by someone else (a runtime that waits for every child): gone, status unknown.
                status = -1
                return -1
            }
            guard rc == pid else { return nil }
            let code = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
            status = code
            return code
        }
    }

    /// Whether the program is still running.
    public var isRunning: Bool { exitStatus == nil }

    /// Sends a signal (SIGTERM by default).
    public func signal(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `timeoutSeconds` for the program to exit; returns its status, or `nil` if it is still running.
    @discardableResult
    public func wait(timeoutSeconds: Double) -> Int32? {
        let steps = max(1, Int(timeoutSeconds / 0.01))
        for _ in 0..<steps {
            if let code = exitStatus { return code }
            usleep(10_000)
        }
        return exitStatus
    }

    /// Asks the program to stop (SIGTERM), waits, and kills it (SIGKILL) if it did not stop in time.
    @discardableResult
    public func stop(graceSeconds: Double = 5) -> Int32? {
        guard isRunning else { return exitStatus }
        signal(SIGTERM)
        if let code = wait(timeoutSeconds: graceSeconds) { return code }
        signal(SIGKILL)
        return wait(timeoutSeconds: 5)
    }

    /// Looks a program up on `PATH` (and in the sbin folders, where Debian puts mosquitto).
    public static func find(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"] {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
