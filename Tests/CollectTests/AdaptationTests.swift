import Agent
import Foundation
import Plant
import Simulator
import Testing
import Trees

/// The shifted furnace of the onboarding scenario, its history and the models the agent would build.
@Suite("Adaptation to a shifted furnace")
struct AdaptationTests {
    static let names = PumpingEventFeatures.names(
        attributes: ["chamber_volume_m3", "leak_class", "pump_age_years", "pump_nominal_speed_m3h"])

    struct Outcome {
        var mape: Double
        var recall: Double
        var falseAlarmShare: Double
    }

    /// MAPE from 150 s on, and the per-event alarm performance (an event is alarmed when a prediction at 150 or
    /// 180 s is above its threshold of 1 mbar).
    static func evaluate(_ model: TreeModel, on events: [HistoryGenerator.Event]) throws -> Outcome {
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Set(names))
        var errors: [Double] = []
        var hits = 0, misses = 0, falseAlarms = 0
        for event in events {
            var alarmed = false
            for features in event.features where (features["seconds_into_event"] ?? 0) >= 150 {
                guard let predicted = predictor.predict(features) else { continue }
                errors.append(abs(predicted - event.minimumPressure) / event.minimumPressure)
                alarmed = alarmed || predicted > 1
            }
            if event.failed { if alarmed { hits += 1 } else { misses += 1 } } else if alarmed { falseAlarms += 1 }
        }
        return Outcome(
            mape: 100 * errors.reduce(0, +) / Double(errors.count), recall: Double(hits) / Double(hits + misses),
            falseAlarmShare: Double(falseAlarms) / Double(max(1, hits + falseAlarms)))
    }

    /// The onboarding scenario's furnaces (A, B, then D) and their events' training rows.
    static func scenario() throws -> (furnaces: [SimulatedFurnace], generator: HistoryGenerator) {
        let scenario = try Scenario.load(
            path: PlantFixture.repositoryRoot.appendingPathComponent("simulator/scenarios/onboarding.yaml").path)
        let furnaces = scenario.allDevices.map { scenario.furnace(for: $0, origin: 1_767_225_600_000) }
        return (furnaces, HistoryGenerator(furnaces: furnaces))
    }

    static func rows(_ events: [HistoryGenerator.Event]) -> [LabeledRow] {
        events.flatMap { event in
            event.features.map { LabeledRow(features: $0, minimum: event.minimumPressure, origin: event.device) }
        }
    }

    @Test("The original model degrades on furnace D; KMM-weighted history plus D's own labels recover it")
    func adaptedBeatsOriginal() async throws {
        let (furnaces, generator) = try Self.scenario()
        let rows = Self.rows
        let history = rows(
            generator.events(of: furnaces[0], count: 200) + generator.events(of: furnaces[1], count: 200))
        let own = generator.events(of: furnaces[2], count: 80)
        let later = generator.events(of: furnaces[2], count: 80, skip: 120)
        let trainer = CandidateTrainer()
        let policy = AgentPolicy()
        let original = try await trainer.train(
            CandidateRequest(
                source: history, target: [], own: [], featureNames: Self.names, weighting: .none, policy: policy,
                createdAt: "t")
        ).model
        let adapted = try await trainer.train(
            CandidateRequest(
                source: history, target: rows(own).map(\.features), own: rows(own), featureNames: Self.names,
                weighting: .kmm, policy: policy, createdAt: "t"))
        let before = try Self.evaluate(original, on: later)
        let after = try Self.evaluate(adapted.model, on: later)
        print("furnace D, events 120-199: original \(before), adapted \(after), weights \(adapted.weighting)")
        #expect(after.mape < 0.7 * before.mape, "MAPE \(before.mape) → \(after.mape)")
        #expect(after.recall >= before.recall + 0.2, "recall \(before.recall) → \(after.recall)")
        #expect(after.recall >= 0.85 && after.falseAlarmShare <= 0.15)
        #expect((adapted.weighting["effective_sample_size"] ?? 0) > 100, "the weights keep a broad sample")
    }

    @Test("weighting: auto chooses by importance-weighted cross-validation, says none for a furnace the history knows")
    func automaticWeighting() async throws {
        let (furnaces, generator) = try Self.scenario()
        let rows = Self.rows
        let history = rows(
            generator.events(of: furnaces[0], count: 120) + generator.events(of: furnaces[1], count: 120))
        let trainer = CandidateTrainer()
        var policy = AgentPolicy()
        policy.weighting = .auto
        policy.trees = 40
        // A furnace the history already holds: nothing to correct.
        let known = rows(generator.events(of: furnaces[0], count: 30, skip: 150))
        let same = try await trainer.train(
            CandidateRequest(
                source: history, target: known.map(\.features), own: [], featureNames: Self.names, weighting: .auto,
                policy: policy, createdAt: "t"))
        print("furnace A again: \(same.weightingUsed), \(same.weighting)")
        #expect(same.weightingUsed == .none)
        for choice in CandidateTrainer.automaticChoices {
            #expect((same.weighting["iwcv_risk_\(choice.rawValue)"] ?? -1) > 0, "risk of \(choice.rawValue) reported")
        }
        // The shifted furnace: the choice is reported with the risks behind it, and is the cheapest when not none.
        let own = rows(generator.events(of: furnaces[2], count: 6))
        let shifted = try await trainer.train(
            CandidateRequest(
                source: history, target: own.map(\.features), own: own, featureNames: Self.names, weighting: .auto,
                policy: policy, createdAt: "t"))
        print("furnace D: \(shifted.weightingUsed), \(shifted.weighting)")
        let risks = CandidateTrainer.automaticChoices.map { shifted.weighting["iwcv_risk_\($0.rawValue)"] ?? .nan }
        #expect(risks.allSatisfy { $0.isFinite && $0 > 0 })
        if shifted.weightingUsed != .none {
            let index = CandidateTrainer.automaticChoices.firstIndex(of: shifted.weightingUsed)!
            #expect(risks[index] == risks.min())
            #expect(shifted.weighting["effective_sample_size"] != nil)
        }
    }

    @Test("weighting: auto with fewer than three source events to hold out keeps none without cross-validating")
    func automaticWeightingFewEvents() async throws {
        func row(_ origin: String, _ index: Int) -> LabeledRow {
            LabeledRow(
                features: [
                    "seconds_into_event": 150, "pressure_mbar": 1 + Double(index % 5) / 10,
                    "chamber_temperature_c": 1400 + Double(index),
                ], minimum: 0.3, origin: origin)
        }
        var policy = AgentPolicy()
        policy.weighting = .auto
        policy.trees = 10
        let result = try await CandidateTrainer().train(
            CandidateRequest(
                source: (0..<12).map { row("a", $0) } + (0..<12).map { row("b", $0) },
                target: (0..<12).map { row("c", $0 + 50).features }, own: [],
                featureNames: ["seconds_into_event", "pressure_mbar", "chamber_temperature_c"], weighting: .auto,
                policy: policy, createdAt: "t"))
        #expect(result.weightingUsed == .none)
        #expect(result.weighting["iwcv_source_events"] == 2)
        #expect(result.weighting["iwcv_risk_none"] == nil)
    }
}
