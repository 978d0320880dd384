import Plant

/// What a start finds of the previous run: events that were running when it stopped can no longer be followed (the
/// new process did not see their start), so they are closed without a label and their active alarms cleared, in
/// one transaction with the audit entry saying so.
public struct RestartRecovery: Sendable {
    let store: AgentStore
    let journal: DecisionJournal
    let lifecycle: AlarmLifecycle

    public init(store: AgentStore, journal: DecisionJournal, lifecycle: AlarmLifecycle) {
        self.store = store
        self.journal = journal
        self.lifecycle = lifecycle
    }

    /// Closes what the previous run left open.
    /// - Returns: how many events were closed and alarms cleared.
    @discardableResult
    public func run(at time: Int64) async throws -> (events: Int, alarms: Int) {
        let open = try await store.unfinishedEvents()
        let active = try await store.activeAlarms()
        guard !open.isEmpty || !active.isEmpty else { return (0, 0) }
        var entry = JournalEntry()
        entry.closedEvents = open
        entry.decisions = [
            Decision(
                .restartRecovered,
                summary:
                    "\(open.count) event\(open.count == 1 ? "" : "s") left running by the previous run closed without a label, "
                    + "\(active.count) alarm\(active.count == 1 ? "" : "s") cleared",
                details: .object([
                    "events": .array(open.map { .number(Double($0)) }),
                    "alarms": .array(active.map { .string($0.id) }),
                ]), at: time)
        ]
        try await journal.record(
            entry,
            alarms: active.map { .init(lifecycle.clearAfterRestart($0, at: time), source: "agent restart") },
            at: time)
        return (open.count, active.count)
    }
}
