public import Fieldbus
public import Logging
public import Support

/// Delivers the outbox to the broker, oldest first, one message at a time: a message leaves the outbox only once
/// the broker acknowledged it (QoS 1), so a broker that is down for an hour, or a restart of the agent, loses
/// nothing and the order is kept. A message may be delivered twice (after a crash between the acknowledgement
/// and its removal); subscribers de-duplicate by alarm id and sequence.
///
/// A service: ``run()`` delivers until cancelled, waking when messages are queued (``notify()``), when another
/// process queued some (the command line), and every second while messages wait for an absent broker.
public actor OutboxDelivery: Service {
    public nonisolated let name = "outbox"
    private let store: AgentStore
    private let client: MQTTClient
    private let logger: Logger
    private let doorbell = Doorbell()
    /// Real seconds to wait for one acknowledgement before trying again.
    public let acknowledgementTimeout: Double
    /// The most messages kept for an absent broker; older ones are dropped (alarms and outcomes stay in their own
    /// tables whatever the outbox holds).
    public static let capacity = 100_000

    public init(store: AgentStore, client: MQTTClient, logger: Logger, acknowledgementTimeout: Double = 10) {
        self.store = store
        self.client = client
        self.logger = logger
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    /// Says that new messages are queued.
    public nonisolated func notify() { doorbell.ring() }

    /// Delivers until cancelled; what is still queued stays for the next start.
    public func run() async {
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
                let dropped = try await store.trimOutbox(keeping: Self.capacity)
                if dropped > 0 {
                    logger.warning(
                        "outbox full: oldest messages dropped",
                        metadata: ["dropped": "\(dropped)", "capacity": "\(Self.capacity)"])
                }
            } catch {
                logger.error("outbox", metadata: ["error": "\(error)"])
            }
            if delivered == 50 { continue }
            // Nothing left, or a broker away: wait for news, or look again after a second (messages another process
            // queued, or a broker back).
            await doorbell.wait(upTo: 1)
        }
    }

    /// Publishes and waits for the acknowledgement, giving up after the timeout.
    private func publish(_ message: OutboxMessage) async -> Bool {
        let client = self.client
        let timeout = acknowledgementTimeout
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await client.publish(message)) != nil }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
