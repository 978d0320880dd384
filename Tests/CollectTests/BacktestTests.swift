import Foundation
import Logging
import Plant
import Support
import TestSupport
import Testing
import Trees

@testable import Agent

/// A candidate's backtest: its procedure retrained on the events before each of the furnace's latest events, judged
/// with the shadow's live predictions.
@Suite("Candidate backtests")
struct BacktestTests {
    static let names = ["seconds_into_event", "pressure_mbar", "chamber_temperature_c"]

    /// Furnace `f` served by v1 (made at time 0, before every event), with ten labeled events that v1 predicted:
    /// the first seven end at 0.2 mbar, the last three at 2 mbar.
    static func setUp(in folder: URL) async throws -> (AgentStore, ModelRegistry, [Int64]) {
        let (store, registry) = try await CoreStagesTests.store(in: folder, referenceRows: 0)
        var ids: [Int64] = []
        for index in 0..<10 {
            let start = Int64(index + 1) * 3_600_000
            let id = try await store.beginEvent(device: "f", start: start, threshold: 1, previousMinimum: nil)
            for checkpoint in [150, 180] {
                try await store.recordCheckpoint(
                    event: id, checkpoint: checkpoint,
                    features: [
                        "seconds_into_event": Double(checkpoint), "pressure_mbar": 3 - Double(checkpoint) / 100,
                        "chamber_temperature_c": 1500 + Double(index),
                    ],
                    predictions: [
                        StoredPrediction(
                            eventID: id, checkpoint: checkpoint, modelVersion: 1, role: .champion, predicted: 0.5,
                            time: start + Int64(checkpoint) * 1000)
                    ])
            }
            try await store.finishEvent(id: id, end: start + 1_200_000)
            try await store.labelEvent(id: id, minimum: index < 7 ? 0.2 : 2, source: .register, failed: index >= 7)
            ids.append(id)
        }
        return (store, registry, ids)
    }

    /// Labeled history rows of other furnaces, at the two checkpoints.
    static let history: [LabeledRow] = {
        var rows: [LabeledRow] = []
        for index in 0..<60 {
            for seconds in [150.0, 180.0] {
                let features: [String: Double] = [
                    "seconds_into_event": seconds, "pressure_mbar": 3 - seconds / 100,
                    "chamber_temperature_c": 1400 + Double(index % 20),
                ]
                rows.append(LabeledRow(features: features, minimum: 0.2 + Double(index % 5) / 20, origin: "g"))
            }
        }
        return rows
    }()

    static func builder(_ store: AgentStore, _ registry: ModelRegistry, folder: URL, events: Int) -> CandidateBuilder {
        var policy = AgentPolicy()
        policy.weighting = .none
        policy.trees = 50
        policy.backtestEvents = events
        return CandidateBuilder(
            store: store, registry: registry, trainer: CandidateTrainer(), policy: policy,
            modelsFolder: folder.appendingPathComponent("models").path, history: history)
    }

    @Test("The latest events the champion never saw are predicted by models trained on the events before each")
    func backtestedEvents() async throws {
        let folder = try TemporaryFolder.make(prefix: "backtest")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, registry, ids) = try await Self.setUp(in: folder)
        let builder = Self.builder(store, registry, folder: folder, events: 6)
        let version = try await builder.build(
            for: "f", parent: 1, ownEvents: 10, trigger: "test", featureNames: Self.names, at: 40_000_000)
        let rows = try await store.backtestPredictions(model: version)
        // Events 5–10: the last six with at least two own labeled events before them.
        #expect(Array(Set(rows.map(\.eventID))).sorted() == Array(ids[4...]))
        #expect(rows.count == 12)
        // Event 8 is the first at 2 mbar: the model that predicted it knew only the 0.2-mbar events, so it predicts
        // far lower than the candidate, which saw events 8–10.
        let eighth = try #require(rows.first { $0.eventID == ids[7] && $0.checkpoint == 180 })
        let candidate = try #require(try await registry.model(version))
        let model = try TreeModel.load(
            from: TextFile.join(folder.appendingPathComponent("models").path, candidate.file))
        let final = try MinimumPressurePredictor(version: version, model: model, attributes: Set(Self.names))
            .predict(["seconds_into_event": 180, "pressure_mbar": 1.2, "chamber_temperature_c": 1507])
        #expect(eighth.predicted < 0.6, "backtest of event 8: \(eighth.predicted)")
        #expect((final ?? 0) > 2 * eighth.predicted, "candidate \(final ?? .nan) vs backtest \(eighth.predicted)")
        let decision = try #require(try await store.decisions(kind: .candidate).last)
        #expect(decision.summary.contains("backtested on 6 earlier events"), "\(decision.summary)")

        // The shadow's evidence starts with them: six paired events before it predicted live.
        let shadow = try #require(try await registry.deployments().first { $0.version == version })
        let worker = CoreStagesTests.worker(store, registry, clock: ManualClock(startingAt: 40_000_000))
        let with = try await worker.compare("f", challenger: version, incumbent: 1, since: shadow.since, backtest: true)
        let without = try await worker.compare("f", challenger: version, incumbent: 1, since: shadow.since)
        #expect(with.events.map(\.eventID).sorted() == Array(ids[4...]))
        #expect(without.events.isEmpty)

        // Retention takes the backtest with the events it predicted (their rows reference them).
        #expect(try await store.deleteEvents(before: 7 * 3_600_000) == 6)
        #expect(Set(try await store.backtestPredictions(model: version).map(\.eventID)) == Set(ids[6...]))
    }

    @Test("Events the parent saw are never backtested; backtest_events 0 turns it off")
    func unseenOnly() async throws {
        let folder = try TemporaryFolder.make(prefix: "backtest")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, registry, ids) = try await Self.setUp(in: folder)
        // A parent made when event 8 started: it may have been trained on events 1–7 (and 8 was running).
        let entry = ModelEntry(
            version: 2, parent: 1, algorithm: "gbdt", weighting: "none", targetDevice: "f", file: "m2.json",
            checksum: "c", featureSchema: PumpingEventFeatures.schema, created: 8 * 3_600_000,
            dataWindow: .object([:]), parameters: .object([:]), offlineMetrics: .object([:]), note: nil)
        try await registry.register(
            ModelRegistration(entry: entry, reference: []),
            decision: Decision(.candidate, model: 2, summary: "v2", at: 0))
        let builder = Self.builder(store, registry, folder: folder, events: 6)
        let version = try await builder.build(
            for: "f", parent: 2, ownEvents: 10, trigger: "test", featureNames: Self.names, at: 40_000_000)
        #expect(Set(try await store.backtestPredictions(model: version).map(\.eventID)) == Set(ids[8...]))

        let off = try await Self.builder(store, registry, folder: folder, events: 0).build(
            for: "f", parent: 1, ownEvents: 10, trigger: "test", featureNames: Self.names, at: 41_000_000)
        #expect(try await store.backtestPredictions(model: off).isEmpty)
        let decision = try #require(try await store.decisions(kind: .candidate).last)
        #expect(!decision.summary.contains("backtested"), "\(decision.summary)")
    }
}
