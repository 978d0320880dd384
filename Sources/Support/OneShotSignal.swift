import Synchronization

/// A signal that fires once: everyone waiting, and everyone who waits later, goes on. Used to stop one service or
/// one device's loop, and for graceful shutdown.
public final class OneShotSignal: Sendable {
    private struct State {
        var fired = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether it fired.
    public var hasFired: Bool { state.withLock { $0.fired } }

    /// Fires (a second call does nothing).
    public func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once it fired, or at once when the waiting task is cancelled.
    public func wait() async {
        let key = state.withLock { state -> Int? in
            guard !state.fired else { return nil }
            state.next += 1
            return state.next
        }
        guard let key else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[key] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
            waiter?.resume()
        }
    }

    /// Runs `body` until it returns or the signal fires, whichever comes first; when the signal fires first, `body`'s
    /// task is cancelled and awaited.
    public func runUntilFired(_ body: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await body() }
            group.addTask { await self.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}
