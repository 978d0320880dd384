import Synchronization

/// What the running agent is busy with, and a way to wait until it is done: every collected device has polled
/// (and the agent acted on) every slot up to a plant time, and no adaptation work is queued.
///
/// Tests driving plant time by hand wait on ``idle(through:)`` after each step instead of counting sleepers or
/// sleeping; a status report can show the same numbers.
public final class AgentActivity: Sendable {
    private struct Waiter {
        var time: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        /// Per collected device: the plant time of its next poll slot not yet done.
        var nextSlot: [String: Int64] = [:]
        /// Devices in the middle of a poll (read, stored, acted on).
        var polling: Set<String> = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let pendingWork = Mutex<[@Sendable () -> Int]>([])

    public init() {}

    /// Counts queued background work (the adaptation worker's jobs) as busy.
    public func trackPending(_ count: @escaping @Sendable () -> Int) {
        pendingWork.withLock { $0.append(count) }
        changed()
    }

    /// A device is collected; its first slot is `next`.
    public func deviceStarted(_ device: String, nextSlot next: Int64) {
        state.withLock { $0.nextSlot[device] = next }
        changed()
    }

    /// A device is no longer collected.
    public func deviceStopped(_ device: String) {
        state.withLock {
            $0.nextSlot[device] = nil
            $0.polling.remove(device)
        }
        changed()
    }

    /// A device's poll began.
    public func pollStarted(_ device: String) {
        _ = state.withLock { $0.polling.insert(device) }
    }

    /// A device's poll was stored and acted on; its next slot is `next`.
    public func pollFinished(_ device: String, nextSlot next: Int64) {
        state.withLock {
            $0.polling.remove(device)
            if $0.nextSlot[device] != nil { $0.nextSlot[device] = next }
        }
        changed()
    }

    /// The devices being collected.
    public var devices: [String] { state.withLock { $0.nextSlot.keys.sorted() } }

    /// Queued background work.
    public var pending: Int { pendingWork.withLock { $0 }.reduce(0) { $0 + $1() } }

    /// Whether every device is past `time` and nothing is queued.
    public func isIdle(through time: Int64) -> Bool {
        let devicesDone = state.withLock { state in
            state.polling.isEmpty && state.nextSlot.values.allSatisfy { $0 > time }
        }
        return devicesDone && pending == 0
    }

    /// Returns once every collected device has polled every slot up to `time` (plant milliseconds) and the agent has
    /// acted on it, and no background work is queued.
    public func idle(through time: Int64) async {
        if isIdle(through: time) { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock {
                $0.waiters[$0.nextWaiter] = Waiter(time: time, continuation: continuation)
                $0.nextWaiter += 1
            }
            changed()
        }
    }

    /// Re-checks the waiters (called whenever something changed).
    public func changed() {
        let pending = self.pending
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard pending == 0, state.polling.isEmpty else { return [] }
            let earliest = state.nextSlot.values.min() ?? .max
            let done = state.waiters.filter { earliest > $0.value.time }
            for key in done.keys { state.waiters[key] = nil }
            return done.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }
}
