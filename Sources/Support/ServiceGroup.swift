/// A long-running part of a program: runs until it is done or its task is cancelled.
public protocol Service: Sendable {
    /// A short name for the log (`collector`, `outbox`).
    var name: String { get }
    /// Runs until cancelled (or done). Cancellation is the request to stop: finish what is under way and return.
    func run() async throws
}

/// Runs services together and stops them in order: the shape of swift-service-lifecycle's `ServiceGroup`, without
/// its dependencies. All run as child tasks of ``run(until:)``; when the shutdown signal fires, they are stopped
/// one at a time in the reverse order they were given (each finishes before the next is asked), so a collector
/// stores its last poll before the outbox stops, and the outbox before the connection closes.
public struct ServiceGroup: Sendable {
    public let services: [any Service]
    /// Called when a service ends with an error (it is not restarted).
    let failed: @Sendable (String, any Error) -> Void

    public init(services: [any Service], failed: @escaping @Sendable (String, any Error) -> Void = { _, _ in }) {
        self.services = services
        self.failed = failed
    }

    /// Runs every service until `shutdown` fires (or the calling task is cancelled, which stops them all at once),
    /// then stops them in reverse order and returns when all have returned.
    public func run(until shutdown: OneShotSignal) async {
        let stops = services.map { _ in OneShotSignal() }
        let finished = services.map { _ in OneShotSignal() }
        await withTaskGroup(of: Void.self) { group in
            for (index, service) in services.enumerated() {
                let failed = self.failed
                group.addTask {
                    await stops[index].runUntilFired {
                        do {
                            try await service.run()
                        } catch is CancellationError {
                        } catch {
                            failed(service.name, error)
                        }
                    }
                    finished[index].fire()
                }
            }
            group.addTask {
                await shutdown.wait()
                for index in services.indices.reversed() {
                    stops[index].fire()
                    await finished[index].wait()
                }
            }
            await group.waitForAll()
        }
    }
}
