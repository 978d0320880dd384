import Synchronization

/// Counts the adaptive loop's work that runs beside polling (judging, drift checks, candidate training), so that a
/// caller driving plant time by hand can wait until the agent has finished acting on what it saw.
public final class BackgroundWork: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// Pieces of work started and not yet finished.
    public var pending: Int { count.withLock { $0 } }

    /// Runs `work` as a task of its own, counted until it returns.
    func start(_ work: @escaping @Sendable () async -> Void) {
        count.withLock { $0 += 1 }
        Task {
            await work()
            self.count.withLock { $0 -= 1 }
        }
    }
}
