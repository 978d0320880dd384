import Agent
import Foundation
import Logging
import Plant
import SQLite
import Support
import TestSupport
import Testing

/// Every stored prediction carries its interval once its model has enough labeled events on the furnace: in the
/// store, across the schema migration, through the loop, and in the alarms the probability rule raises.
@Suite("Prediction intervals in the store and the loop")
struct PredictionIntervalTests {
    static let logger = Logger(label: "test")

    static let device = RegisterFurnace.device()

    static let uncertainty = PredictionUncertainty(
        lowMbar: 0.4, highMbar: 2.5, failureProbability: 0.6, coverage: 0.9, calibrationEvents: 12)

    static func poll(_ time: Int64, running: Bool, pressure: Double, minimum: Double) -> [Reading] {
        RegisterFurnace.poll(time, running: running, pressure: pressure, minimum: minimum)
    }

    /// One event at a constant pressure: an idle poll, 40 running polls, two idle polls, the minimum register going
    /// from the previous event's minimum to this one's on the last.
    static func event(from start: Int64, pressure: Double, previousMinimum: Double, minimum: Double) -> [[Reading]] {
        var polls = [poll(start - 30_000, running: false, pressure: 1000, minimum: previousMinimum)]
        for k in 0..<40 {
            polls.append(poll(start + Int64(k) * 30_000, running: true, pressure: pressure, minimum: previousMinimum))
        }
        polls.append(poll(start + 40 * 30_000, running: false, pressure: 900, minimum: previousMinimum))
        polls.append(poll(start + 41 * 30_000, running: false, pressure: 1000, minimum: minimum))
        return polls
    }

    @Test("A prediction's interval and failure probability survive the store; none stays none")
    func roundTrip() async throws {
        let folder = try TemporaryFolder.make(prefix: "intervals")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        try await store.register(Self.device, at: 0)
        let id = try await store.beginEvent(device: "f", start: 1_000, threshold: 1, previousMinimum: nil)
        let unbounded = PredictionUncertainty(
            lowMbar: 0.2, highMbar: nil, failureProbability: 0.3, coverage: 0.9, calibrationEvents: 9)
        let made = [
            StoredPrediction(
                eventID: id, checkpoint: 150, modelVersion: 1, role: .champion, predicted: 1.2, time: 151_000,
                uncertainty: Self.uncertainty),
            StoredPrediction(
                eventID: id, checkpoint: 150, modelVersion: 2, role: .shadow, predicted: 0.8, time: 151_000),
            StoredPrediction(
                eventID: id, checkpoint: 180, modelVersion: 1, role: .champion, predicted: 1.1, time: 181_000,
                uncertainty: unbounded),
        ]
        try await store.recordCheckpoint(event: id, checkpoint: 150, features: [:], predictions: Array(made[0...1]))
        try await store.recordCheckpoint(event: id, checkpoint: 180, features: [:], predictions: [made[2]])
        #expect(try await store.predictions(eventID: id) == made)
        #expect(try await store.latestDecidingPrediction(eventID: id) == made[2])
        #expect(made[2].uncertainty?.highMbar == nil, "an unbounded upper end stays unbounded, not a number")
    }

    @Test("A version-4 database migrates: old predictions and alarms read back without an interval")
    func migrationFromVersion4() async throws {
        let folder = try TemporaryFolder.make(prefix: "migrate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("h.db").path
        do {
            let database = try Database(path: path)
            try Migrator(Array(AgentSchema.migrator.migrations.prefix(4))).migrate(database)
            #expect(try database.userVersion() == 4)
            try database.execute(
                """
                INSERT INTO devices VALUES ('f', 'esr-furnace', 'F', 'modbus-tcp 127.0.0.1:502 unit 1', 0, 0);
                INSERT INTO events (id, device_id, start_ms, threshold) VALUES (7, 'f', 1000, 1);
                INSERT INTO predictions VALUES (7, 150, 1, 'champion', 1.4, 151000);
                INSERT INTO alarms (id, device_id, event_id, state, sequence, severity, raised_ms, raised_at_s,
                    updated_ms, predicted, threshold, model_version)
                VALUES ('f/1000', 'f', 7, 'active', 1, 'warning', 151000, 150, 151000, 1.4, 1, 1);
                """)
        }
        let store = try AgentStore(path: path, durability: .normal)
        let old = try await store.predictions(eventID: 7)
        #expect(
            old == [
                StoredPrediction(
                    eventID: 7, checkpoint: 150, modelVersion: 1, role: .champion, predicted: 1.4, time: 151_000)
            ])
        #expect(old.first?.uncertainty == nil)
        let alarm = try #require(try await store.alarm(eventID: 7))
        #expect(alarm.raisedOn == nil && alarm.uncertainty == nil && alarm.predicted == 1.4)
        // New rows next to the old ones carry their intervals.
        try await store.recordCheckpoint(
            event: 7, checkpoint: 180, features: [:],
            predictions: [
                StoredPrediction(
                    eventID: 7, checkpoint: 180, modelVersion: 1, role: .champion, predicted: 1.3, time: 181_000,
                    uncertainty: Self.uncertainty)
            ])
        #expect(try await store.predictions(eventID: 7).map(\.uncertainty) == [nil, Self.uncertainty])
        let database = try Database(path: path, readOnly: true)
        #expect(try database.userVersion() == AgentSchema.migrator.newestVersion)
    }

    /// Furnace `f` served by the fallback rule (0.5 × the pressure at the checkpoint) through a real loop and store.
    struct Fixture {
        let store: AgentStore
        let registry: ModelRegistry
        let worker: AdaptationWorker
        let loop: AdaptiveLoop
        let clock: ManualClock
        let policy: AgentPolicy

        init(policy: AgentPolicy, in folder: URL) async throws {
            store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
            registry = ModelRegistry(journal: DecisionJournal(store: store, topics: nil, logger: logger))
            try await store.register(PredictionIntervalTests.device, at: 0)
            clock = ManualClock(startingAt: 0)
            var quiet = policy
            quiet.adapt = false
            self.policy = quiet
            let builder = CandidateBuilder(
                store: store, registry: registry, trainer: CandidateTrainer(), policy: quiet,
                modelsFolder: "/nonexistent", history: [])
            worker = AdaptationWorker(
                store: store, registry: registry, builder: builder, policy: quiet, featureNames: [], clock: clock,
                logger: logger, activity: AgentActivity())
            loop = AdaptiveLoop(
                store: store, registry: registry, worker: worker, policy: quiet, modelsFolder: "/nonexistent",
                clock: clock, logger: logger)
            await loop.add(PredictionIntervalTests.device, onboarding: false)
        }

        func feed(_ polls: [[Reading]]) async {
            for poll in polls {
                clock.advance(to: poll[0].timeMilliseconds)
                await loop.ingest(poll)
            }
        }
    }

    static let logErrors = [0.1, 0.3, -0.2, 0.5, 0.4, -0.05, 0.6, 0.35, 0.45, 0.25, 0.3, 0.4]

    /// Twelve events: the first at 2.4 mbar (predicted 1.2, above the threshold 1), the others at 1.8 (predicted 0.9,
    /// below it), with true minima mostly above the predictions — so once there is a probability, it says the events
    /// are likely to fail.
    static func run(policy: AgentPolicy, in folder: URL) async throws -> (AgentStore, [StoredEvent]) {
        let fixture = try await Fixture(policy: policy, in: folder)
        var previous = 0.5
        for (index, error) in logErrors.enumerated() {
            let pressure = index == 0 ? 2.4 : 1.8
            let minimum = 0.5 * pressure * exp(error)
            await fixture.feed(
                Self.event(
                    from: Int64(index + 1) * 3_600_000, pressure: pressure, previousMinimum: previous, minimum: minimum)
            )
            previous = minimum
        }
        return (fixture.store, try await fixture.store.events(device: "f", withFeatures: false))
    }

    @Test("hearth status shows the running event's latest prediction with its interval, in text and JSON")
    func status() async throws {
        let folder = try TemporaryFolder.make(prefix: "status-interval")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = try await Fixture(policy: AgentPolicy(), in: folder)
        var previous = 0.5
        for (index, error) in Self.logErrors.prefix(10).enumerated() {
            let minimum = 0.9 * exp(error)
            await fixture.feed(
                Self.event(
                    from: Int64(index + 1) * 3_600_000, pressure: 1.8, previousMinimum: previous, minimum: minimum))
            previous = minimum
        }
        // The eleventh event, 210 s in: predicted at 150 and 180 s, not ended.
        await fixture.feed(
            Array(
                Self.event(from: 11 * 3_600_000, pressure: 1.8, previousMinimum: previous, minimum: previous).prefix(9))
        )
        var configuration = AgentConfiguration(relativeTo: folder.path)
        configuration.databasePath = folder.appendingPathComponent("h.db").path
        configuration.policy = fixture.policy
        let reporter = StatusReporter(
            store: fixture.store, registry: fixture.registry, loop: fixture.loop, worker: fixture.worker,
            collector: Collector(
                store: fixture.store, clock: fixture.clock, mqtt: nil, logger: Self.logger, activity: AgentActivity()),
            mqtt: nil, topics: MessageTopics(prefix: "hearth", clientID: "test"), configuration: configuration,
            clock: fixture.clock, logger: Self.logger, version: "test")
        let report = try await reporter.makeReport()
        let prediction = try #require(report.devices.first { $0.id == "f" }?.event?.prediction)
        #expect(prediction.checkpoint == 180 && prediction.model == 0 && prediction.predictedMinimumMbar == 0.9)
        #expect(prediction.calibrationEvents == 10 && prediction.coverage == 0.9)
        let low = try #require(prediction.lowMbar)
        let high = try #require(prediction.highMbar)
        #expect(low < 0.9 && 0.9 < high)
        await reporter.publish(toBroker: false)

        let text = try await runCommand(
            "hearth", ["status", "--database", configuration.databasePath], in: folder)
        #expect(text.status == 0, "\(text.errors)")
        let line = try #require(text.output.split(separator: "\n").first { $0.contains("prediction at") })
        #expect(
            line.hasPrefix(
                "    prediction at 180 s: minimum 0.9 mbar (fallback rule), 90 % interval "
                    + "\(NumberFormat.reading(low))–\(NumberFormat.reading(high)) mbar, failure probability "),
            "\(line)")
        #expect(line.hasSuffix("(10 labeled events)"), "\(line)")
        let json = try await runCommand(
            "hearth", ["status", "--database", configuration.databasePath, "--json"], in: folder)
        let document = try JSONCoding.decode(JSONValue.self, from: Array(json.output.utf8))
        guard case .array(let devices)? = document.value(atPath: "devices"),
            case .number(let stored)? = devices.first?.value(atPath: "event.prediction.low_mbar")
        else {
            Issue.record("no devices[0].event.prediction.low_mbar in \(json.output)")
            return
        }
        #expect(stored == low)
    }

    @Test("Intervals appear in the loop's stored predictions once the model has 9 labeled events, never before")
    func intervalsAppear() async throws {
        let folder = try TemporaryFolder.make(prefix: "loop-intervals")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, events) = try await Self.run(policy: AgentPolicy(), in: folder)
        #expect(events.count == 12 && events.allSatisfy { $0.minimum != nil })
        for (index, event) in events.enumerated() {
            let predictions = try await store.predictions(eventID: event.id)
            #expect(predictions.map(\.checkpoint) == [150, 180], "the fallback rule predicts from 150 s")
            if index < PredictionUncertainty.minimumEvents {
                #expect(predictions.allSatisfy { $0.uncertainty == nil }, "event \(index + 1): too few labels")
            } else {
                for prediction in predictions {
                    let uncertainty = try #require(prediction.uncertainty, "event \(index + 1)")
                    #expect(uncertainty.calibrationEvents == index)
                    #expect(uncertainty.lowMbar < prediction.predicted)
                    #expect(prediction.predicted < (uncertainty.highMbar ?? .infinity))
                    #expect(uncertainty.failureProbability > 0.5, "the minima kept landing above the predictions")
                }
            }
        }
        // The default rule judges by the minimum: only the first event (predicted 1.2) is alarmed.
        let alarms = try await store.alarms(device: "f")
        #expect(alarms.map(\.eventID) == [events[0].id])
        #expect(alarms.first?.raisedOn == .predictedMinimum)
    }

    @Test("alarm_on: failure_probability alarms on the probability, on the minimum (saying so) while it has none")
    func alarmOnFailureProbability() async throws {
        let folder = try TemporaryFolder.make(prefix: "loop-probability")
        defer { try? FileManager.default.removeItem(at: folder) }
        var policy = AgentPolicy()
        policy.alarmOn = .failureProbability
        policy.alarmFailureProbability = 0.7
        let (store, events) = try await Self.run(policy: policy, in: folder)
        let alarms = try await store.alarms(device: "f")
        let byEvent = Dictionary(uniqueKeysWithValues: alarms.map { ($0.eventID, $0) })
        // Without a probability, the first event's 1.2 mbar alarms as under `minimum`, and says why.
        #expect(byEvent[events[0].id]?.raisedOn == .predictedMinimumNoProbability)
        #expect(byEvent[events[0].id]?.uncertainty == nil)
        for event in events[1..<PredictionUncertainty.minimumEvents] {
            #expect(byEvent[event.id] == nil, "0.9 mbar below the threshold, no probability yet: no alarm")
        }
        // From the tenth event on, predictions below the threshold alarm on their failure probability.
        for event in events[PredictionUncertainty.minimumEvents...] {
            let alarm = try #require(byEvent[event.id], "event \(event.id)")
            #expect(alarm.raisedOn == .failureProbability)
            #expect(alarm.predicted < 1)
            let probability = try #require(alarm.uncertainty?.failureProbability)
            #expect(probability >= 0.7)
            let message = AlarmMessage(alarm, time: alarm.raisedTime, source: "fallback rule")
            #expect(message.raisedOn == .failureProbability && message.failureProbability == probability)
        }
    }
}
