import Agent
import Fieldbus
import Foundation
import Plant
import Testing
import Trees

@Suite("Alarm and promotion policies")
struct PolicyTests {
    @Test("An alarm needs the last `confirmations` predictions above threshold × (1 + margin)")
    func alarms() {
        let single = AlarmPolicy()
        #expect(single.shouldRaise(predictions: [1.01], threshold: 1))
        #expect(!single.shouldRaise(predictions: [1.0], threshold: 1), "at the threshold the event still succeeds")
        let careful = AlarmPolicy(margin: 0.1, confirmations: 2)
        #expect(!careful.shouldRaise(predictions: [1.5], threshold: 1))
        #expect(!careful.shouldRaise(predictions: [1.5, 1.05], threshold: 1))
        #expect(careful.shouldRaise(predictions: [0.5, 1.2, 1.3], threshold: 1))
        #expect(single.severity(predicted: 2.1, threshold: 1) == "critical")
        #expect(single.severity(predicted: 1.9, threshold: 1) == "warning")
    }

    @Test("A shadow is promoted when better by the margin over enough events, rejected after three times as many")
    func shadows() {
        var policy = AgentPolicy()
        policy.shadowEvents = 5
        policy.minimumImprovement = 0.1
        let promotion = PromotionPolicy(policy: policy)
        func comparison(_ events: Int, _ challenger: Double, _ incumbent: Double) -> LiveComparison {
            LiveComparison(
                device: "d", challenger: 2, incumbent: 1, events: events, challengerMAPE: challenger,
                incumbentMAPE: incumbent)
        }
        #expect(promotion.judge(shadow: comparison(4, 5, 50)) == .wait)
        #expect(promotion.judge(shadow: comparison(5, 44, 50)) == .promote)
        #expect(promotion.judge(shadow: comparison(5, 46, 50)) == .wait, "an 8 % gain is below the 10 % margin")
        #expect(promotion.judge(shadow: comparison(15, 46, 50)) == .reject)
    }

    @Test("A new champion that degrades past the tolerance and below its predecessor is rolled back")
    func rollback() {
        var policy = AgentPolicy()
        policy.rollbackEvents = 6
        policy.rollbackTolerance = 0.5
        let promotion = PromotionPolicy(policy: policy)
        func comparison(_ events: Int, _ champion: Double, _ previous: Double) -> LiveComparison {
            LiveComparison(
                device: "d", challenger: 2, incumbent: 1, events: events, challengerMAPE: champion,
                incumbentMAPE: previous)
        }
        #expect(promotion.judge(champion: comparison(3, 14, 30), promotedMAPE: 10) == .wait)
        #expect(promotion.judge(champion: comparison(6, 14, 30), promotedMAPE: 10) == .keep)
        #expect(
            promotion.judge(champion: comparison(6, 16, 30), promotedMAPE: 10) == .keep,
            "worse than it won with, still better than before")
        #expect(promotion.judge(champion: comparison(6, 16, 12), promotedMAPE: 10) == .rollback)
        #expect(
            promotion.judge(champion: comparison(6, 12, 6), promotedMAPE: 11) == .rollback,
            "the previous one is clearly better")
        #expect(promotion.judge(champion: comparison(6, 12, 11.5), promotedMAPE: 11) == .keep, "within the margin")
        #expect(
            promotion.judge(champion: comparison(3, 40, 12), promotedMAPE: 10) == .rollback, "a collapse does not wait")
    }
}

@Suite("Event pipeline")
struct EventPipelineTests {
    static let device = DeviceFile(
        id: "f", kind: "esr-furnace", name: "F", connection: .modbusTCP(ModbusTCPEndpoint(host: "127.0.0.1")),
        signals: [
            SignalDefinition(
                name: "chamber_pressure", source: .register(RegisterLocation(table: .input, address: 0, type: .float32))
            ),
            SignalDefinition(
                name: "event_running", source: .register(RegisterLocation(table: .discrete, address: 0, type: .bool))),
            SignalDefinition(
                name: "last_event_minimum",
                source: .register(RegisterLocation(table: .input, address: 2, type: .float32))),
        ],
        attributes: [StaticAttribute(name: "chamber_volume_m3", value: 12)],
        event: EventDefinition(
            detection: .runningSignal("event_running"), pressureSignal: "chamber_pressure", threshold: 1,
            minimumSignal: "last_event_minimum"))

    static func poll(_ time: Int64, running: Bool, pressure: Double, minimum: Double?) -> [Reading] {
        var readings = [
            Reading.ok(device: "f", signal: "event_running", at: time, value: running ? 1 : 0),
            Reading.ok(device: "f", signal: "chamber_pressure", at: time, value: pressure),
        ]
        if let minimum { readings.append(.ok(device: "f", signal: "last_event_minimum", at: time, value: minimum)) }
        return readings
    }

    @Test("Start, six checkpoints with features, end, and the label from the PLC's minimum register")
    func fullEvent() {
        var pipeline = EventPipeline(device: Self.device)
        var steps: [EventPipeline.Step] = []
        steps += pipeline.ingest(Self.poll(0, running: false, pressure: 1000, minimum: 0.4))
        for k in 1...40 {
            steps += pipeline.ingest(
                Self.poll(Int64(k) * 30_000, running: true, pressure: 1000 * pow(0.7, Double(k)), minimum: 0.4))
        }
        steps += pipeline.ingest(Self.poll(41 * 30_000, running: false, pressure: 900, minimum: 0.4))
        steps += pipeline.ingest(Self.poll(42 * 30_000, running: false, pressure: 1000, minimum: 1.7))
        #expect(steps.first == .started(start: 30_000, previousMinimum: 0.4))
        let checkpoints = steps.compactMap { step -> Int? in
            if case .checkpoint(_, let seconds, let features, _) = step {
                #expect(features["chamber_volume_m3"] == 12)
                #expect(features["previous_event_minimum_mbar"] == 0.4)
                return seconds
            }
            return nil
        }
        #expect(checkpoints == [30, 60, 90, 120, 150, 180])
        #expect(steps.contains(.ended(start: 30_000, end: 41 * 30_000)))
        #expect(steps.last == .labeled(start: 30_000, end: 41 * 30_000, minimum: 1.7, source: "register", failed: true))
    }

    @Test("Without a new value in the minimum register, the lowest polled pressure labels the event")
    func observedLabel() {
        var pipeline = EventPipeline(device: Self.device)
        var steps: [EventPipeline.Step] = []
        steps += pipeline.ingest(Self.poll(0, running: true, pressure: 900, minimum: 0.4))
        steps += pipeline.ingest(Self.poll(30_000, running: true, pressure: 0.8, minimum: 0.4))
        for k in 2...7 {
            steps += pipeline.ingest(Self.poll(Int64(k) * 30_000, running: false, pressure: 1000, minimum: 0.4))
        }
        #expect(steps.last == .labeled(start: 0, end: 60_000, minimum: 0.8, source: "observed", failed: false))
    }

    @Test("A checkpoint missed by more than half a poll (a lost poll) is skipped, not computed from stale values")
    func lostPoll() {
        var pipeline = EventPipeline(device: Self.device)
        var seconds: [Int] = []
        for time in [0, 30, 90, 120] {
            for step in pipeline.ingest(Self.poll(Int64(time) * 1000, running: true, pressure: 100, minimum: nil)) {
                if case .checkpoint(_, let s, _, _) = step { seconds.append(s) }
            }
        }
        #expect(seconds == [30, 90, 120])
    }
}

@Suite("Predictors")
struct PredictorTests {
    static func model(features: [String], target: String?, schema: String? = nil) throws -> TreeModel {
        let rows = (0..<50).map { row in features.map { _ in Float(row) } }
        let dataset = try Dataset(
            featureNames: features, rows: rows, targets: (0..<50).map { Float($0) / 10 }, targetName: target)
        var parameters = GradientBoostingParameters()
        parameters.treeCount = 5
        let trained = try GradientBoostedTrees.train(
            on: dataset, parameters: parameters, createdAt: "2026-01-01T00:00:00Z")
        var metadata = trained.metadata
        if let schema { metadata?.parameters["feature_schema"] = schema }
        return .gradientBoosted(
            try GradientBoostedTrees(
                featureNames: trained.featureNames, baseScore: trained.baseScore, trees: trained.trees,
                metadata: metadata))
    }

    @Test("A model whose features the agent does not compute, or of another schema, is refused with the reason")
    func schema() throws {
        let good = try Self.model(features: ["pressure_mbar", "chamber_volume_m3"], target: nil)
        let predictor = try MinimumPressurePredictor(version: 1, model: good, attributes: ["chamber_volume_m3"])
        #expect((predictor.predict(["pressure_mbar": 10]) ?? 0) > 0, "missing features are passed as missing")
        let unknown = try Self.model(features: ["pressure_at_60s"], target: nil)
        let error = #expect(throws: FeatureSchemaError.self) {
            try MinimumPressurePredictor(version: 2, model: unknown, attributes: [])
        }
        #expect(error?.message.contains("\"pressure_at_60s\"") == true)
        let other = try Self.model(features: ["pressure_mbar"], target: nil, schema: "pumping-event-v0")
        #expect(throws: FeatureSchemaError.self) {
            try MinimumPressurePredictor(version: 3, model: other, attributes: [])
        }
    }

    @Test("Models trained on log(minimum) or on log(minimum ÷ pressure) predict the minimum")
    func logarithmicTargets() throws {
        let logarithm = try Self.model(
            features: ["pressure_mbar"], target: MinimumPressurePredictor.logarithmicTargetName)
        let predictor = try MinimumPressurePredictor(version: 1, model: logarithm, attributes: [])
        #expect(predictor.target == .logarithm)
        let raw = Double(logarithm.predict(row: [20]))
        #expect(abs(predictor.predict(["pressure_mbar": 20])! - Foundation.exp(raw)) < 1e-9)
        let ratio = try Self.model(features: ["pressure_mbar"], target: MinimumPressurePredictor.ratioTargetName)
        let scaled = try MinimumPressurePredictor(version: 2, model: ratio, attributes: [])
        #expect(scaled.target == .logarithmicRatio)
        let rawRatio = Double(ratio.predict(row: [20]))
        #expect(abs(scaled.predict(["pressure_mbar": 20])! - 20 * Foundation.exp(rawRatio)) < 1e-9)
        #expect(scaled.predict([:]) == nil, "no pressure at the checkpoint, nothing to scale")
    }

    @Test("The fallback rule predicts half the pressure from its earliest checkpoint on, nothing before")
    func fallback() {
        let rule = FallbackRule()
        #expect(rule.predict(["pressure_mbar": 3], checkpoint: 120) == nil)
        #expect(rule.predict(["pressure_mbar": 3], checkpoint: 150) == 1.5)
        #expect(rule.predict([:], checkpoint: 180) == nil)
    }
}
