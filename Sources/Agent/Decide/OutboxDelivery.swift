public import Fieldbus
public import Logging

/// Delivers the outbox to the broker, oldest first, one message at a time: a message leaves the outbox only once
/// the broker acknowledged it (QoS 1), so a broker that is down for an hour, or a restart of the agent, loses
/// nothing and the order is kept. A message may be delivered twice (after a crash between the acknowledgement
/// and its removal); subscribers de-duplicate by alarm id and sequence.
public actor OutboxDelivery {
    private let store: AgentStore
    private let client: MQTTClient
    private let logger: Logger
    private var task: Task<Void, Never>?
    private var wake: AsyncStream<Void>.Continuation?
    /// Real seconds to wait for one acknowledgement before trying again.
    public let acknowledgementTimeout: Double

    public init(store: AgentStore, client: MQTTClient, logger: Logger, acknowledgementTimeout: Double = 10) {
        self.store = store
        self.client = client
        self.logger = logger
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    /// Starts delivering in the background.
    public func start() {
        guard task == nil else { return }
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        task = Task { await self.deliver(wakeups: stream) }
    }

    /// Says that new messages are queued (delivery also looks every second on its own).
    public nonisolated func notify() {
        Task { await self.poke() }
    }

    private func poke() { wake?.yield() }

    /// Stops delivering; what is still queued stays for the next start.
    public func stop() async {
        task?.cancel()
        wake?.finish()
        await task?.value
        task = nil
    }

    private func deliver(wakeups: AsyncStream<Void>) async {
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            var delivered = 0
            do {
                for (id, message) in try await store.pendingMessages(limit: 50) {
                    guard !Task.isCancelled, client.isConnected else { break }
                    if await publish(message) {
                        try await store.acknowledge(outboxID: id)
                        delivered += 1
                    } else {
                        try await store.recordAttempt(outboxID: id)
                        break
                    }
                }
            } catch {
                logger.error("outbox", metadata: ["error": "\(error)"])
            }
            if delivered == 50 { continue }
            // With nothing left, wait for new messages; with messages left (the broker is away), look again every
            // second.
            let pending = (try? await store.outboxCount()) ?? 0
            let sleeper =
                pending > 0
                ? Task {
                    try? await Task.sleep(nanoseconds: 1_000_000_000)
                    self.notify()
                } : nil
            _ = await iterator.next()
            sleeper?.cancel()
        }
    }

    /// Publishes and waits for the acknowledgement, giving up after the timeout.
    private func publish(_ message: OutboxMessage) async -> Bool {
        let client = self.client
        return await withTimeout(seconds: acknowledgementTimeout) {
            do {
                try await client.publish(message)
                return true
            } catch {
                return false
            }
        } ?? false
    }
}
