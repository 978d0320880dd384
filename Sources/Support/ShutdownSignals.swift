import Dispatch
import Glibc
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into an orderly stop of a program (systemd sends SIGTERM; a closed terminal or
/// `kill -HUP` sends SIGHUP, which stops rather than reloads: Hearth picks new device files up without one).
/// A second signal while stopping exits at once.
public final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    /// Installs handlers that cancel a task; they stay until this object is released.
    public convenience init(cancelling task: Task<Void, any Error>) {
        self.init { task.cancel() }
    }

    /// Installs handlers that call `stop` on the first SIGINT, SIGTERM or SIGHUP (a second one exits at once); they
    /// stay until this object is released.
    public convenience init(stop: @escaping @Sendable () -> Void) {
        self.init { (_: String) in stop() }
    }

    /// Installs handlers that call `stop` with the signal's name (`SIGHUP`) on the first SIGINT, SIGTERM or SIGHUP
    /// (a second one exits at once); they stay until this object is released.
    public init(stop: @escaping @Sendable (_ signal: String) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        let received = SignalCount()
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.increment() > 1 { exit(130) }
                stop(name)
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit { sources.forEach { $0.cancel() } }
}

private final class SignalCount: Sendable {
    private let count = Atomic<Int>(0)
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}
