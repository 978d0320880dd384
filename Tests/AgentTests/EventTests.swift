import Agent
import Foundation
import Plant
import Support
import TestSupport
import Testing
import Trees

@Suite("Event pipeline and furnace session")
struct EventTests {
    static let device = RegisterFurnace.device(attributes: [StaticAttribute(name: "chamber_volume_m3", value: 12)])

    static func poll(_ time: Int64, running: Bool, pressure: Double, minimum: Double?) -> [Reading] {
        RegisterFurnace.poll(time, running: running, pressure: pressure, minimum: minimum)
    }

    /// An idle poll, 40 running polls pumping down, then two idle polls with the minimum register updated.
    static func event(from start: Int64, finalMinimum: Double, pressure: (Int) -> Double) -> [[Reading]] {
        var polls = [poll(start - 30_000, running: false, pressure: 1000, minimum: 0.4)]
        for k in 0..<40 {
            polls.append(poll(start + Int64(k) * 30_000, running: true, pressure: pressure(k), minimum: 0.4))
        }
        polls.append(poll(start + 40 * 30_000, running: false, pressure: 900, minimum: 0.4))
        polls.append(poll(start + 41 * 30_000, running: false, pressure: 1000, minimum: finalMinimum))
        return polls
    }

    @Test("Start, six checkpoints with features, end, and the label from the PLC's minimum register")
    func fullEvent() {
        var pipeline = EventPipeline(device: Self.device)
        var steps: [EventPipeline.Step] = []
        for poll in Self.event(from: 30_000, finalMinimum: 1.7, pressure: { 1000 * pow(0.7, Double($0 + 1)) }) {
            steps += pipeline.ingest(poll)
        }
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
        #expect(steps.last == .labeled(start: 30_000, end: 41 * 30_000, minimum: 1.7, source: .register, failed: true))
    }

    @Test("Without a new value in the minimum register, the lowest polled pressure labels the event")
    func observedLabel() {
        var pipeline = EventPipeline(device: Self.device)
        var steps: [EventPipeline.Step] = []
        steps += pipeline.ingest(Self.poll(-30_000, running: false, pressure: 1000, minimum: 0.4))
        steps += pipeline.ingest(Self.poll(0, running: true, pressure: 900, minimum: 0.4))
        steps += pipeline.ingest(Self.poll(30_000, running: true, pressure: 0.8, minimum: 0.4))
        for k in 2...7 {
            steps += pipeline.ingest(Self.poll(Int64(k) * 30_000, running: false, pressure: 1000, minimum: 0.4))
        }
        #expect(steps.last == .labeled(start: 0, end: 60_000, minimum: 0.8, source: .observed, failed: false))
    }

    @Test("A checkpoint missed by more than half a poll (a lost poll) is skipped, not computed from stale values")
    func lostPoll() {
        var pipeline = EventPipeline(device: Self.device)
        var seconds: [Int] = []
        _ = pipeline.ingest(Self.poll(-30_000, running: false, pressure: 1000, minimum: nil))
        for time in [0, 30, 90, 120] {
            for step in pipeline.ingest(Self.poll(Int64(time) * 1000, running: true, pressure: 100, minimum: nil)) {
                if case .checkpoint(_, let s, _, _) = step { seconds.append(s) }
            }
        }
        #expect(seconds == [30, 90, 120])
    }

    @Test("Polls stamped seconds after their slots count on the poll grid: the features are those of on-time polls")
    func lateStamps() {
        var mqtt = Self.device
        mqtt.connection = .mqtt(MQTTSubscription(topic: "plant/f"))
        func features(_ device: DeviceFile, _ lateness: (Int) -> Int64) -> [Int: [String: Double]] {
            var pipeline = EventPipeline(device: device)
            var byCheckpoint: [Int: [String: Double]] = [:]
            for (k, poll) in Self.event(from: 30_000, finalMinimum: 1.7, pressure: { 1000 * pow(0.7, Double($0)) })
                .enumerated()
            {
                let late = poll.map { reading -> Reading in
                    var reading = reading
                    reading.timeMilliseconds += lateness(k)
                    return reading
                }
                for case .checkpoint(_, let seconds, let features, _) in pipeline.ingest(late) {
                    byCheckpoint[seconds] = features
                }
            }
            // NaN (a signal this furnace lacks) as a value that compares equal to itself.
            return byCheckpoint.mapValues { $0.mapValues { $0.isNaN ? -.infinity : $0 } }
        }
        let onTime = features(Self.device) { _ in 0 }
        #expect(onTime.keys.sorted() == [30, 60, 90, 120, 150, 180])
        #expect(onTime[30]?["pressure_mbar"] == 700)
        #expect(features(mqtt) { _ in 0 } == onTime)
        // Poll k = 1 is the start. Modbus: the start 6 s late, the later polls up to 26 s late (each in its slot).
        #expect(features(Self.device) { k in k == 1 ? 6_000 : Int64(k * 7_919 % 27) * 1000 } == onTime)
        // A Modbus poll whose clock woke 2 s early is still its slot's.
        #expect(features(Self.device) { k in k == 4 ? -2_000 : 0 } == onTime)
        // MQTT (a grid of the publisher's own): the start 6 s late, the later messages up to 12 s late or 6 s early.
        #expect(features(mqtt) { k in k == 1 ? 6_000 : Int64(k * 7_919 % 19) * 1000 } == onTime)
        // A message so late it lands on the next slot, and the next on time: the one nearer the slot stands, so
        // the next slot's features are those of its own message and the missed slot's checkpoint is skipped.
        let veryLate = features(mqtt) { k in k == 3 ? 17_000 : 0 }
        #expect(veryLate[30] == onTime[30])
        #expect(veryLate[60] == nil)
        #expect(veryLate[150] == onTime[150])
    }

    @Test("A poll without values (a failed read, a silent MQTT device) neither fills nor takes a checkpoint")
    func pollWithoutValues() {
        var pipeline = EventPipeline(device: Self.device)
        var checkpoints: [Int: Double] = [:]
        func ingest(_ readings: [Reading]) {
            for case .checkpoint(_, let seconds, let features, _) in pipeline.ingest(readings) {
                checkpoints[seconds] = features["pressure_mbar"]
            }
        }
        ingest(Self.poll(-30_000, running: false, pressure: 1000, minimum: 0.4))
        ingest(Self.poll(0, running: true, pressure: 900, minimum: 0.4))
        // The watchdog's "no data" just after the 30 s slot, the 30 s message right behind it.
        ingest(
            ["event_running", "chamber_pressure", "last_event_minimum"].map {
                Reading(device: "f", signal: $0, timeMilliseconds: 30_047, value: nil, status: .noData)
            })
        ingest(Self.poll(30_000, running: true, pressure: 300, minimum: 0.4))
        // A failed read at the 60 s slot: that checkpoint is skipped, the next one is computed as usual.
        ingest(
            ["event_running", "chamber_pressure", "last_event_minimum"].map {
                Reading(device: "f", signal: $0, timeMilliseconds: 60_000, value: nil, status: .disconnected)
            })
        ingest(Self.poll(90_000, running: true, pressure: 10, minimum: 0.4))
        #expect(checkpoints == [30: 300, 90: 10])
    }

    @Test("An event already running at the first poll (a restart, an onboarding) is followed but never predicted")
    func joinedAfterRestart() {
        var pipeline = EventPipeline(device: Self.device)
        var steps: [EventPipeline.Step] = []
        // The agent starts 7 minutes into an event: its "30 s" would really be 450 s.
        for k in 14..<40 {
            steps += pipeline.ingest(Self.poll(Int64(k) * 30_000, running: true, pressure: 0.5, minimum: 0.4))
        }
        steps += pipeline.ingest(Self.poll(40 * 30_000, running: false, pressure: 900, minimum: 0.4))
        steps += pipeline.ingest(Self.poll(41 * 30_000, running: false, pressure: 1000, minimum: 0.6))
        #expect(steps == [.joined(at: 14 * 30_000)], "no start, no checkpoint, no label for the joined event")
        // The next event, whose start is seen, is followed as usual.
        var next: [EventPipeline.Step] = []
        for poll in Self.event(from: 50 * 30_000, finalMinimum: 0.2, pressure: { _ in 0.5 }) {
            next += pipeline.ingest(poll)
        }
        #expect(next.first == .started(start: 50 * 30_000, previousMinimum: 0.4))
        #expect(
            next.last == .labeled(start: 50 * 30_000, end: 90 * 30_000, minimum: 0.2, source: .register, failed: false))
    }

    @Test("A running poll after a gap of lost or unknown polls is not taken as the event's start")
    func joinedAfterGap() {
        var pipeline = EventPipeline(device: Self.device)
        var steps = pipeline.ingest(Self.poll(0, running: false, pressure: 1000, minimum: 0.4))
        // Two polls lost (a dropped connection): the start lies somewhere in the gap.
        steps += pipeline.ingest(Self.poll(90_000, running: true, pressure: 300, minimum: 0.4))
        #expect(steps == [.joined(at: 90_000)])
        var unknown = EventPipeline(device: Self.device)
        _ = unknown.ingest(Self.poll(0, running: false, pressure: 1000, minimum: 0.4))
        _ = unknown.ingest([Reading.ok(device: "f", signal: "chamber_pressure", at: 30_000, value: 990)])
        #expect(unknown.ingest(Self.poll(60_000, running: true, pressure: 900, minimum: 0.4)) == [.joined(at: 60_000)])
    }

    @Test("A session predicts with its plan, raises one alarm for the event, resolves it with the outcome")
    func session() throws {
        var session = FurnaceSession(device: Self.device, policy: AlarmPolicy(), alarmFromSeconds: 150)
        let plan = ModelRoster(fallback: FallbackRule()).plan(for: "f")
        var predictions: [StoredPrediction] = []
        var transitions: [AlarmLifecycle.Transition] = []
        var label: FurnaceSession.LabelResult?
        for poll in Self.event(from: 30_000, finalMinimum: 1.7, pressure: { _ in 4 }) {
            for step in session.steps(for: poll) {
                switch step {
                case .started(let start, _):
                    session.begin(eventID: 9, start: start, threshold: 1)
                case .checkpoint(let start, let seconds, let features, let time):
                    let checkpoint = session.checkpoint(
                        start: start, seconds: seconds, features: features, time: time, plan: plan)
                    let result = try #require(checkpoint)
                    predictions += result.predictions
                    if let transition = result.alarm { transitions.append(transition) }
                case .ended(let start, _):
                    #expect(session.end(start: start) == 9)
                case .labeled(let start, let end, let minimum, let source, let failed):
                    label = session.label(
                        start: start, end: end, minimum: minimum, source: source, failed: failed, at: end)
                case .joined:
                    Issue.record("the start was seen")
                }
            }
        }
        // The fallback rule (no model) predicts from 150 s: half the pressure, 2 mbar, above the threshold.
        #expect(predictions.map(\.checkpoint) == [150, 180])
        #expect(predictions.allSatisfy { $0.role == .fallback && $0.modelVersion == 0 && $0.predicted == 2 })
        #expect(transitions.count == 1, "one alarm for one event")
        let result = try #require(label)
        #expect(result.resolvedAlarm?.state == .confirmed && result.resolvedAlarm?.sequence == 2)
        #expect(result.outcome.alarmID == "f/30000" && result.outcome.failed && result.outcome.minimumMbar == 1.7)
        #expect(result.outcome.predictedMinimumMbar == 2 && result.outcome.modelVersion == 0)
        #expect(session.event == nil && session.awaitingLabel.isEmpty)
    }
}

@Suite("Predictors and the model roster")
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

    @Test("The roster serves the champion, predicts shadows and the watch beside it, falls back when unusable")
    func roster() throws {
        var roster = ModelRoster(fallback: FallbackRule())
        roster.update([
            Deployment(device: "f", version: 1, role: .watch, since: 0),
            Deployment(device: "f", version: 2, role: .champion, since: 0, previousChampion: 1),
            Deployment(device: "f", version: 3, role: .shadow, since: 0),
            Deployment(device: "g", version: 1, role: .champion, since: 0),
        ])
        #expect(roster.versionsToLoad == [1, 2, 3])
        for version in [1, 2, 3] {
            roster.add(
                try MinimumPressurePredictor(
                    version: version, model: try Self.model(features: ["pressure_mbar"], target: nil), attributes: []))
        }
        let plan = roster.plan(for: "f")
        let (decisive, records) = plan.predict(["pressure_mbar": 10], checkpoint: 150, threshold: 1, eventID: 1, at: 0)
        #expect(decisive?.model == 2)
        #expect(
            Set(records.map { "\($0.role.rawValue) v\($0.modelVersion)" }) == ["champion v2", "watch v1", "shadow v3"])
        roster.markUnusable(2, reason: "checksum")
        #expect(roster.source(for: "f") == "fallback rule")
        let fallen = roster.plan(for: "f").predict(
            ["pressure_mbar": 10], checkpoint: 150, threshold: 1, eventID: 1, at: 0)
        #expect(fallen.decisive?.model == 0 && fallen.decisive?.value == 5)
        #expect(roster.source(for: "g") == "model v1")
    }
}

@Suite("Alarm reasons")
struct AlarmReasonTests {
    /// A model of log(minimum ÷ pressure) that depends on two features.
    static func ratioModel() throws -> TreeModel {
        var rows: [[Float]] = []
        var targets: [Float] = []
        for a in 0..<20 {
            for b in 0..<20 {
                rows.append([Float(a), Float(b), 1])
                targets.append(Float(a) / 10 - Float(b) / 40)
            }
        }
        let dataset = try Dataset(
            featureNames: ["chamber_temperature_c", "log_pressure_slope", "pressure_mbar"], rows: rows,
            targets: targets, targetName: MinimumPressurePredictor.ratioTargetName)
        var parameters = GradientBoostingParameters()
        parameters.treeCount = 20
        return .gradientBoosted(
            try GradientBoostedTrees.train(on: dataset, parameters: parameters, createdAt: "2026-01-01T00:00:00Z"))
    }

    @Test("The reasons are the largest contributions in millibar; with the baseline, all add up to the prediction")
    func reasonsAddUp() throws {
        let model = try Self.ratioModel()
        let predictor = try MinimumPressurePredictor(version: 4, model: model, attributes: [])
        let features = ["chamber_temperature_c": 17.0, "log_pressure_slope": 2.0, "pressure_mbar": 3.0]
        let predicted = try #require(predictor.predict(features))
        let reasons = predictor.reasons(features, count: 3)
        #expect(reasons.first?.feature == "chamber_temperature_c", "\(reasons)")
        #expect(reasons.first.map { $0.contributionMbar > 0 } == true, "a hot chamber pushes the minimum up")
        #expect(reasons.first?.value == 17)
        let all = try model.contributions(row: [17, 2, 3]).exponentiated(multiplier: 3)
        #expect(abs(all.total - predicted) < 1e-4 * predicted, "baseline + contributions = prediction")
        #expect(Set(reasons.map(\.feature)).count == reasons.count)
    }

    @Test("An alarm raised by the champion carries its reasons; one raised by the fallback rule carries none")
    func sessionAttachesReasons() throws {
        let model = try Self.ratioModel()
        var roster = ModelRoster(fallback: FallbackRule())
        roster.update([Deployment(device: "f", version: 4, role: .champion, since: 0)])
        roster.add(try MinimumPressurePredictor(version: 4, model: model, attributes: []))
        var session = FurnaceSession(device: EventTests.device, policy: AlarmPolicy(), alarmFromSeconds: 150)
        session.begin(eventID: 1, start: 0, threshold: 1)
        let hot = ["chamber_temperature_c": 19.0, "log_pressure_slope": 0.0, "pressure_mbar": 3.0]
        let checked = session.checkpoint(
            start: 0, seconds: 150, features: hot, time: 150_000, plan: roster.plan(for: "f"))
        let result = try #require(checked)
        guard case .raised(let alarm)? = result.alarm else {
            Issue.record("no alarm raised: \(String(describing: result.decisive))")
            return
        }
        #expect(alarm.reasons.count == 3 && alarm.reasons.first?.feature == "chamber_temperature_c")
        let message = AlarmMessage(alarm, time: 150_000, source: "model v4")
        #expect(message.reasons == alarm.reasons)

        var fallback = FurnaceSession(device: EventTests.device, policy: AlarmPolicy(), alarmFromSeconds: 150)
        fallback.begin(eventID: 2, start: 0, threshold: 1)
        let fellBack = fallback.checkpoint(
            start: 0, seconds: 150, features: ["pressure_mbar": 4], time: 150_000,
            plan: ModelRoster(fallback: FallbackRule()).plan(for: "f"))
        let plain = try #require(fellBack)
        guard case .raised(let raised)? = plain.alarm else {
            Issue.record("the fallback rule raised no alarm")
            return
        }
        #expect(raised.reasons.isEmpty)
    }
}

@Suite("Alarm uncertainty")
struct AlarmUncertaintyTests {
    /// A furnace's own calibration from (predicted, true minimum) pairs at 150 s.
    static func calibration(_ pairs: [(predicted: Double, minimum: Double)]) -> CheckpointCalibration? {
        CheckpointCalibration(
            own: pairs.map {
                CalibrationSample(checkpoint: 150, predicted: $0.predicted, minimum: $0.minimum, features: [:])
            })
    }

    static func rows(_ pairs: [(predicted: Double, minimum: Double)]) -> [LabeledPrediction] {
        pairs.enumerated().map { index, pair in
            LabeledPrediction(
                eventID: Int64(index), eventStart: Int64(index) * 1_000_000, checkpoint: 150, modelVersion: 0,
                predicted: pair.predicted, minimum: pair.minimum, threshold: 1, failed: pair.minimum > 1)
        }
    }

    @Test("The interval is the prediction times e^±q, q the conformal quantile of past log errors; nil below 9 events")
    func knownAnswer() throws {
        // Log errors 0.1, 0.2, ..., 1.9: with n = 19 the 90 % score is the ⌈0.9·20⌉ = 18th smallest, 1.8.
        let pairs = (1...19).map { (predicted: 1.0, minimum: exp(Double($0) / 10)) }
        let calibration = try #require(Self.calibration(pairs)?.calibration)
        let uncertainty = try #require(PredictionUncertainty(prediction: 2, threshold: 1, calibration: calibration))
        #expect(abs(uncertainty.lowMbar - 2 * exp(-1.8)) < 1e-9)
        #expect(abs((uncertainty.highMbar ?? 0) - 2 * exp(1.8)) < 1e-9)
        #expect(uncertainty.calibrationEvents == 19 && uncertainty.coverage == 0.9)
        // Above the threshold 1 unless the error brings 2 below it: 2·e^(v) > 1 for every v ≥ 0, plus the test
        // point's own mass: everything.
        #expect(uncertainty.failureProbability == 1)
        let low = try #require(PredictionUncertainty(prediction: 0.3, threshold: 1, calibration: calibration))
        // 0.3·e^v > 1 ⟺ v > log(1/0.3) ≈ 1.204: the scores 1.3 ... 1.9 (7 of 19) and the test point's mass.
        #expect(abs(low.failureProbability - 8.0 / 20.0) < 1e-9)
        let few = try #require(Self.calibration(Array(pairs.prefix(8)))?.calibration)
        #expect(PredictionUncertainty(prediction: 2, threshold: 1, calibration: few) == nil)
    }

    @Test("An alarm carries the interval and failure probability of its deciding prediction, in its message")
    func alarmCarriesIt() throws {
        let pairs = (1...19).map { (predicted: 1.0, minimum: exp(Double($0) / 20)) }
        let calibration = try #require(Self.calibration(pairs))
        var plan = ModelRoster(fallback: FallbackRule()).plan(for: "f")
        plan.calibrations = [0: [150: calibration]]
        var session = FurnaceSession(device: EventTests.device, policy: AlarmPolicy(), alarmFromSeconds: 150)
        session.begin(eventID: 1, start: 0, threshold: 1)
        let checked = session.checkpoint(
            start: 0, seconds: 150, features: ["pressure_mbar": 4], time: 150_000, plan: plan)
        let result = try #require(checked)
        guard case .raised(let alarm)? = result.alarm else {
            Issue.record("no alarm raised")
            return
        }
        let uncertainty = try #require(alarm.uncertainty)
        #expect(uncertainty.lowMbar < alarm.predicted && alarm.predicted < (uncertainty.highMbar ?? .infinity))
        let message = AlarmMessage(alarm, time: 150_000, source: "fallback rule")
        #expect(message.predictedMinimumLowMbar == uncertainty.lowMbar)
        #expect(message.failureProbability == uncertainty.failureProbability)
    }

    @Test("Every model's stored prediction carries its own interval where its calibration allows, none elsewhere")
    func intervalsPerModel() throws {
        let pairs = (1...19).map { (predicted: 1.0, minimum: exp(Double($0) / 20)) }
        let calibration = try #require(Self.calibration(pairs))
        var roster = ModelRoster(fallback: FallbackRule())
        roster.update([
            Deployment(device: "f", version: 1, role: .champion, since: 0),
            Deployment(device: "f", version: 2, role: .shadow, since: 0),
            Deployment(device: "f", version: 3, role: .shadow, since: 0),
        ])
        for version in [1, 2, 3] {
            roster.add(
                try MinimumPressurePredictor(
                    version: version, model: try PredictorTests.model(features: ["pressure_mbar"], target: nil),
                    attributes: []))
        }
        var plan = roster.plan(for: "f")
        #expect(Set(plan.models) == [0, 1, 2, 3])
        // The champion and shadow v2 have labeled predictions of their own at 150 s; shadow v3 has too few.
        plan.calibrations = [1: [150: calibration], 2: [150: calibration, 180: calibration]]
        let (decisive, records) = plan.predict(
            ["pressure_mbar": 10], checkpoint: 150, threshold: 1, eventID: 1, at: 0)
        let byModel = Dictionary(uniqueKeysWithValues: records.map { ($0.modelVersion, $0) })
        let champion = try #require(byModel[1])
        let expected = PredictionUncertainty(
            prediction: champion.predicted, threshold: 1, calibration: calibration, features: [:])
        #expect(champion.uncertainty != nil && champion.uncertainty == expected)
        #expect(decisive?.uncertainty == expected, "the deciding prediction is the champion's, with its interval")
        #expect(byModel[2]?.uncertainty != nil && byModel[2]?.role == .shadow)
        #expect(byModel[3]?.uncertainty == nil, "no calibration of its own: stored without an interval")
        let later = plan.predict(["pressure_mbar": 10], checkpoint: 180, threshold: 1, eventID: 1, at: 0).records
        #expect(later.first { $0.modelVersion == 1 }?.uncertainty == nil, "the champion has none at 180 s")
        #expect(later.first { $0.modelVersion == 2 }?.uncertainty != nil)
    }

    @Test(
        "Over exchangeable events, the 90 % intervals served, each calibrated on the events before it, hold in about 90 %"
    )
    func servedCoverage() throws {
        var random = SeededGenerator(seed: 7)
        let pairs = (0..<600).map { _ in
            let predicted = exp(random.gaussian() * 0.5)
            return (predicted: predicted, minimum: predicted * exp(random.gaussian() * 0.3))
        }
        // Served as the agent serves them: each prediction's interval from the labeled events before it.
        var rows = Self.rows(pairs)
        for index in rows.indices {
            rows[index].uncertainty = Self.calibration(Array(pairs[max(0, index - 200)..<index])).flatMap {
                PredictionUncertainty(prediction: rows[index].predicted, threshold: 1, calibration: $0, features: [:])
            }
        }
        let coverage = IntervalCoverage(served: rows, checkpoint: 150)
        #expect(coverage.events == 600 - PredictionUncertainty.minimumEvents)
        #expect(coverage.withoutInterval == PredictionUncertainty.minimumEvents)
        #expect(coverage.unboundedShare.map { $0 < 0.01 } == true)
        #expect(IntervalCoverage(served: rows, checkpoint: 180).events == 0)
        let share = try #require(coverage.coveredShare)
        #expect(share > 0.86 && share < 0.94, "covered \(share)")
        // |log error| ~ half-normal(0.3): its 90 % quantile is 0.3 · 1.645, so the width factor is about e^(2·0.49).
        let width = try #require(coverage.medianWidthFactor)
        #expect(abs(log(width) / 2 - 0.3 * 1.645) < 0.08, "width ×\(width)")
    }
}
