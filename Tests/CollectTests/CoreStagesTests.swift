import Agent
import Foundation
import Logging
import Plant
import Support
import TestSupport
import Testing

/// The agent's stages that need a real database: the adaptation worker's memory across restarts, restart recovery,
/// retention, and the devices-folder watcher.
@Suite("Agent stages on a real database")
struct CoreStagesTests {
    static let logger = Logger(label: "test")

    static func device(_ id: String) -> DeviceFile {
        DeviceFile(id: id, kind: "esr-furnace", name: id, connection: .mqtt(MQTTSubscription(topic: id)), signals: [])
    }

    /// A store with furnace `f` served by model v1 whose reference sample is `referenceRows` rows at 180 s.
    static func store(in folder: URL, referenceRows: Int) async throws -> (AgentStore, ModelRegistry) {
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        let registry = ModelRegistry(journal: DecisionJournal(store: store, topics: nil, logger: logger))
        try await store.register(Self.device("f"), at: 0)
        let entry = ModelEntry(
            version: 1, parent: nil, algorithm: "gbdt", weighting: "none", targetDevice: nil, file: "m1.json",
            checksum: "c", featureSchema: PumpingEventFeatures.schema, created: 0, dataWindow: .object([:]),
            parameters: .object([:]), offlineMetrics: .object([:]), note: nil)
        try await registry.register(
            ModelRegistration(
                entry: entry,
                reference: (0..<referenceRows).map {
                    ReferenceRow(origin: "history", features: ["seconds_into_event": 180, "pressure_mbar": Double($0)])
                }), decision: Decision(.candidate, model: 1, summary: "v1", at: 0))
        try await registry.assignChampion(1, to: ["f"], kind: .deployed, summary: "v1 serves f", at: 0)
        return (store, registry)
    }

    /// Stores `count` labeled events of `f` with features at 180 s.
    static func labeledEvents(_ count: Int, in store: AgentStore) async throws {
        for index in 0..<count {
            let start = Int64(index + 1) * 3_600_000
            let id = try await store.beginEvent(device: "f", start: start, threshold: 1, previousMinimum: nil)
            try await store.recordCheckpoint(
                event: id, checkpoint: 180, features: ["seconds_into_event": 180, "pressure_mbar": 0.5],
                predictions: [])
            try await store.finishEvent(id: id, end: start + 1_200_000)
            try await store.labelEvent(id: id, minimum: 0.2, source: .register, failed: false)
        }
    }

    static func worker(_ store: AgentStore, _ registry: ModelRegistry, clock: ManualClock) -> AdaptationWorker {
        var policy = AgentPolicy()
        policy.adapt = false
        let builder = CandidateBuilder(
            store: store, registry: registry, trainer: CandidateTrainer(), policy: policy, modelsFolder: "/nonexistent",
            history: [])
        return AdaptationWorker(
            store: store, registry: registry, builder: builder, policy: policy, featureNames: [], clock: clock,
            logger: logger, activity: AgentActivity())
    }

    @Test("A drift check that cannot run leaves its reason; the furnace's state survives a restart")
    func skippedCheckAndRestart() async throws {
        let folder = try TemporaryFolder.make(prefix: "worker")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, registry) = try await Self.store(in: folder, referenceRows: 4)
        try await Self.labeledEvents(12, in: store)
        let clock = ManualClock(startingAt: 100_000_000)
        let worker = Self.worker(store, registry, clock: clock)
        let running = Task { await worker.run() }
        worker.furnaceAdded("f", onboarding: true)
        worker.labelArrived(device: "f")
        #expect(await eventually(timeoutSeconds: 30) { worker.pending == 0 })
        let checks = try await store.driftChecks(device: "f")
        #expect(checks.map(\.verdict) == [.skipped])
        let details = "\(checks.first?.details ?? .null)"
        #expect(details.contains("reference sample has 4 rows"), "\(details)")
        let skipped = try await store.decisions(kind: .driftCheckSkipped)
        #expect(skipped.first?.summary == "drift check of f skipped: the model's reference sample has 4 rows at 180 s")
        let state = try #require(await worker.state(of: "f"))
        #expect(state.onboarding && state.drift.lastCheck == 100_000_000)
        running.cancel()
        worker.finish()
        await running.value

        // A new process finds the same state.
        let restarted = Self.worker(store, registry, clock: clock)
        try await restarted.restore()
        #expect(await restarted.state(of: "f") == state)
    }

    @Test("A candidate due with both shadows taken supersedes the one with less evidence, with its numbers")
    func supersession() async throws {
        let folder = try TemporaryFolder.make(prefix: "supersede")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, registry) = try await Self.store(in: folder, referenceRows: 4)
        for version in [2, 3] {
            let entry = ModelEntry(
                version: version, parent: 1, algorithm: "gbdt", weighting: "none", targetDevice: "f",
                file: "m\(version).json", checksum: "c", featureSchema: PumpingEventFeatures.schema, created: 0,
                dataWindow: .object([:]), parameters: .object([:]), offlineMetrics: .object([:]), note: nil)
            try await registry.register(
                ModelRegistration(entry: entry, reference: []),
                decision: Decision(.candidate, device: "f", model: version, summary: "v\(version)", at: 0))
            try await registry.addShadow(version, on: "f", trigger: "test", at: 0)
        }
        // 12 labeled events: v2 a little better than the champion v1, v3 a little worse; neither decided yet.
        for index in 0..<12 {
            let start = Int64(index + 1) * 3_600_000
            let id = try await store.beginEvent(device: "f", start: start, threshold: 1, previousMinimum: nil)
            for checkpoint in [150, 180] {
                let predictions = [(1, 0.25), (2, 0.24), (3, 0.26)].map { version, predicted in
                    StoredPrediction(
                        eventID: id, checkpoint: checkpoint, modelVersion: version,
                        role: version == 1 ? .champion : .shadow, predicted: predicted, time: start)
                }
                try await store.recordCheckpoint(
                    event: id, checkpoint: checkpoint,
                    features: ["seconds_into_event": Double(checkpoint), "pressure_mbar": 0.5], predictions: predictions
                )
            }
            try await store.finishEvent(id: id, end: start + 1_200_000)
            try await store.labelEvent(id: id, minimum: 0.2, source: .register, failed: false)
        }
        let policy = AgentPolicy()
        let builder = CandidateBuilder(
            store: store, registry: registry, trainer: CandidateTrainer(), policy: policy,
            modelsFolder: folder.appendingPathComponent("models").path, history: [])
        let worker = AdaptationWorker(
            store: store, registry: registry, builder: builder, policy: policy, featureNames: ["pressure_mbar"],
            clock: ManualClock(startingAt: 100_000_000), logger: Self.logger, activity: AgentActivity())
        let running = Task { await worker.run() }
        worker.furnaceAdded("f", onboarding: true)
        worker.labelArrived(device: "f")
        #expect(await eventually(timeoutSeconds: 60) { worker.pending == 0 })
        running.cancel()
        worker.finish()
        await running.value

        let rejected = try await store.decisions(kind: .shadowRejected)
        #expect(rejected.map(\.modelVersion) == [3], "\(rejected.map(\.summary))")
        let summary = try #require(rejected.first?.summary)
        #expect(summary.contains("superseded by a candidate on 12 own labeled events"), "\(summary)")
        #expect(summary.contains("after 12 events"), "\(summary)")
        let shadows = try await registry.deployments().filter { $0.device == "f" && $0.role == .shadow }.map(\.version)
        #expect(shadows.contains(2) && !shadows.contains(3))
        // The candidate it made room for was attempted (trained, or its failure recorded).
        let attempts =
            try await store.decisions(kind: .candidate).filter { $0.device == "f" && ($0.modelVersion ?? 0) > 3 }.count
            + store.decisions(kind: .candidateFailed).count
        #expect(attempts == 1)
    }

    @Test("Restart recovery closes the open events and clears their alarms in one entry with the audit")
    func recovery() async throws {
        let folder = try TemporaryFolder.make(prefix: "recovery")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, _) = try await Self.store(in: folder, referenceRows: 20)
        let journal = DecisionJournal(
            store: store, topics: MessageTopics(prefix: "hearth", clientID: "h"), logger: Self.logger)
        let id = try await store.beginEvent(device: "f", start: 1000, threshold: 1, previousMinimum: nil)
        let alarm = AlarmRecord(
            id: "f/1000", device: "f", eventID: id, eventStart: 1000, state: .active, sequence: 1, severity: .warning,
            raisedTime: 2000, raisedAtSeconds: 150, updatedTime: 2000, predicted: 1.5, threshold: 1, modelVersion: 1)
        try await journal.record(JournalEntry(), alarms: [.init(alarm, source: "model v1")], at: 2000)
        let lifecycle = AlarmLifecycle(policy: AlarmPolicy())
        let counts = try await RestartRecovery(store: store, journal: journal, lifecycle: lifecycle).run(at: 5000)
        #expect(counts.events == 1 && counts.alarms == 1)
        #expect(try await store.unfinishedEvents().isEmpty)
        let cleared = try #require(try await store.alarm(eventID: id))
        #expect(cleared.state == .cleared && cleared.sequence == 2)
        #expect(try await store.decisions(kind: .restartRecovered).count == 1)
        let topics = try await store.pendingMessages(limit: 20).map(\.message.topic)
        #expect(topics.contains("hearth/alarms/f/1000") && topics.contains("hearth/decisions"))
        #expect(try await RestartRecovery(store: store, journal: journal, lifecycle: lifecycle).run(at: 6000) == (0, 0))
    }

    @Test("Retention removes old readings and events, and readings stamped implausibly far in the future")
    func retention() async throws {
        let folder = try TemporaryFolder.make(prefix: "retention")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        let device = DeviceFile(
            id: "f", kind: "esr-furnace", name: "f", connection: .mqtt(MQTTSubscription(topic: "f")),
            signals: [SignalDefinition(name: "p", source: .json(path: "p"))])
        try await store.register(device, at: 0)
        let now: Int64 = 10 * 86_400_000
        try await store.append([
            .ok(device: "f", signal: "p", at: 1000, value: 1), .ok(device: "f", signal: "p", at: now, value: 2),
            .ok(device: "f", signal: "p", at: 9_000_000_000_000_000, value: 3),
        ])
        _ = try await store.beginEvent(device: "f", start: 1000, threshold: 1, previousMinimum: nil)
        _ = try await store.beginEvent(device: "f", start: now, threshold: 1, previousMinimum: nil)
        let clock = ManualClock(startingAt: now)
        await RetentionService(store: store, clock: clock, retentionSeconds: 86_400, logger: Self.logger).sweep()
        #expect(try await store.readings(device: "f").map(\.timeMilliseconds) == [now])
        #expect(try await store.events().map(\.start) == [now])
    }

    @Test("A reading for a time already stored never replaces it; the newcomer is kept aside")
    func conflictingReading() async throws {
        let folder = try TemporaryFolder.make(prefix: "conflict")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        let device = DeviceFile(
            id: "f", kind: "esr-furnace", name: "f", connection: .mqtt(MQTTSubscription(topic: "f")),
            signals: [SignalDefinition(name: "p", source: .json(path: "p"))])
        try await store.register(device, at: 0)
        #expect(try await store.append([.ok(device: "f", signal: "p", at: 1000, value: 1)]) == 0)
        let invalid = Reading.missing(device: "f", signal: "p", at: 1000, status: .invalidPayload, detail: "not JSON")
        #expect(try await store.append([invalid], receivedAt: 1500) == 1)
        let stored = try await store.readings(device: "f")
        #expect(stored.count == 1 && stored[0].value == 1 && stored[0].status == .ok, "the acknowledged reading stays")
        #expect(try await store.readingConflicts(since: 0) == 1)
    }

    @Test("The folder watcher knows a removed file's device by its id and refuses a file that duplicates one")
    func folderWatcher() throws {
        let folder = try TemporaryFolder.make(prefix: "watch")
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = PlantFixture.repositoryRoot.appendingPathComponent("devices")
        let a = try String(contentsOf: root.appendingPathComponent("furnace-a.yaml"), encoding: .utf8)
        // The file's name is not its device's id.
        let named = folder.appendingPathComponent("hall-2-east.yaml")
        try a.write(to: named, atomically: true, encoding: .utf8)
        var watcher = DeviceFolderWatcher(folder: folder.path)
        watcher.acknowledge([(named.path, "furnace-a")])
        // A second file with the same id (and unit) is that file's problem; the running device is untouched.
        let duplicate = folder.appendingPathComponent("copy.yaml")
        try a.write(to: duplicate, atomically: true, encoding: .utf8)
        let added = watcher.look()
        #expect(added.loaded.count == 1)
        guard case .failure(let error) = added.loaded.first?.result else {
            Issue.record("a duplicate id is refused")
            return
        }
        #expect(error.problems.contains { $0.description.contains("furnace-a") })
        try FileManager.default.removeItem(at: named)
        let removed = watcher.look()
        #expect(removed.removed.map(\.device) == ["furnace-a"], "removed by the id it held, not its file name")
    }
}
