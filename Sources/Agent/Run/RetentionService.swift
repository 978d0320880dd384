public import Logging
public import Plant
public import Support

/// Deletes what is older than the retention period — readings (and any stamped implausibly far in the future),
/// events with their features, predictions and alarms, drift checks — every hour of plant time (or every tenth of
/// the retention), in small batches so polling never waits long. A service.
public struct RetentionService: Service {
    public let name = "retention"
    let store: AgentStore
    let clock: any PlantClock
    let retentionSeconds: Double
    let logger: Logger
    /// Readings stamped more than this after now are removed too (a sender's clock set wrong).
    public static let futureToleranceSeconds: Double = 86_400

    public init(store: AgentStore, clock: any PlantClock, retentionSeconds: Double, logger: Logger) {
        self.store = store
        self.clock = clock
        self.retentionSeconds = retentionSeconds
        self.logger = logger
    }

    public func run() async {
        let period = Int64(min(3600, retentionSeconds / 10) * 1000)
        while !Task.isCancelled {
            await sweep()
            do { try await clock.sleep(until: clock.now() + period) } catch { return }
        }
    }

    /// One pass.
    public func sweep() async {
        let now = clock.now()
        let cutoff = now - Int64(retentionSeconds * 1000)
        do {
            let readings = try await store.deleteReadings(
                before: cutoff, after: now + Int64(Self.futureToleranceSeconds * 1000))
            let events = try await store.deleteEvents(before: cutoff)
            try await store.deleteDriftChecks(before: cutoff)
            if readings > 0 || events > 0 {
                logger.info("retention", metadata: ["readings": "\(readings)", "events": "\(events)"])
            }
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
        }
    }
}
