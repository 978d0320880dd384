import Agent
import Support
import Testing

@Suite("Alarm policy and lifecycle")
struct AlarmTests {
    @Test("An alarm needs the last `confirmations` predictions above threshold × (1 + margin)")
    func policy() {
        let single = AlarmPolicy()
        #expect(single.shouldRaise(predictions: [1.01], threshold: 1))
        #expect(!single.shouldRaise(predictions: [1.0], threshold: 1), "at the threshold the event still succeeds")
        let careful = AlarmPolicy(margin: 0.1, confirmations: 2)
        #expect(!careful.shouldRaise(predictions: [1.5], threshold: 1))
        #expect(!careful.shouldRaise(predictions: [1.5, 1.05], threshold: 1))
        #expect(careful.shouldRaise(predictions: [0.5, 1.2, 1.3], threshold: 1))
        // Over a finished event: whether the rule called for one at any point, not only at its last prediction.
        typealias Seen = AlarmPolicy.Observation
        let event = [0.5, 1.2, 1.3, 0.9].map { Seen(predicted: $0) }
        #expect(!careful.shouldRaise(observations: event, threshold: 1))
        #expect(careful.raisesDuring(observations: event, threshold: 1))
        #expect(!careful.raisesDuring(observations: [1.2, 0.9, 1.2].map { Seen(predicted: $0) }, threshold: 1))
        #expect(!single.raisesDuring(observations: [], threshold: 1))
        #expect(single.severity(predicted: 2.1, threshold: 1) == .critical)
        #expect(single.severity(predicted: 1.9, threshold: 1) == .warning)
    }

    @Test("alarm_on failure_probability: a probability at or above the level alarms, whatever the minimum says")
    func failureProbabilityTrigger() {
        let policy = AlarmPolicy(margin: 0.2, trigger: .failureProbability(0.6))
        typealias Seen = AlarmPolicy.Observation
        #expect(policy.shouldRaise(observations: [Seen(predicted: 0.8, failureProbability: 0.6)], threshold: 1))
        #expect(
            !policy.shouldRaise(observations: [Seen(predicted: 3, failureProbability: 0.59)], threshold: 1),
            "a likely success is not alarmed even with a high predicted minimum")
        #expect(policy.basis(for: Seen(predicted: 0.8, failureProbability: 0.6)) == .failureProbability)
        // Without a probability the minimum decides, with the margin, and the basis says so.
        let bare = Seen(predicted: 1.3)
        #expect(policy.shouldRaise(observations: [bare], threshold: 1))
        #expect(!policy.shouldRaise(observations: [Seen(predicted: 1.1)], threshold: 1), "within the margin")
        #expect(policy.basis(for: bare) == .predictedMinimumNoProbability)
        // Confirmations count predictions that call for an alarm, each by its own rule.
        let careful = AlarmPolicy(confirmations: 2, trigger: .failureProbability(0.5))
        #expect(
            careful.shouldRaise(
                observations: [Seen(predicted: 1.2), Seen(predicted: 0.9, failureProbability: 0.7)], threshold: 1))
        #expect(
            !careful.shouldRaise(
                observations: [Seen(predicted: 1.2), Seen(predicted: 1.5, failureProbability: 0.4)], threshold: 1))
        // The minimum rule ignores probabilities, and severity follows the minimum under either rule.
        #expect(
            !AlarmPolicy().shouldRaise(observations: [Seen(predicted: 0.9, failureProbability: 0.99)], threshold: 1))
        #expect(AlarmPolicy().basis(for: Seen(predicted: 2, failureProbability: 0.9)) == .predictedMinimum)
        #expect(policy.severity(predicted: 0.8, threshold: 1) == .warning)
        var configured = AgentPolicy()
        #expect(configured.alarmPolicy.trigger == .minimum)
        configured.alarmOn = .failureProbability
        configured.alarmFailureProbability = 0.3
        configured.alarmMargin = 0.1
        #expect(configured.alarmPolicy == AlarmPolicy(margin: 0.1, trigger: .failureProbability(0.3)))
    }

    @Test("A live comparison replays each model's alarms by the rule in force, with the probabilities stored")
    func replayedAlarms() {
        // One failed event: v2 predicted 0.9 (below the threshold 1) with a failure probability of 0.8, v1 predicted
        // 0.8 without a probability.
        let rows = [
            LabeledPrediction(
                eventID: 1, eventStart: 0, checkpoint: 150, modelVersion: 2, predicted: 0.9, minimum: 1.2,
                threshold: 1, failed: true, failureProbability: 0.8),
            LabeledPrediction(
                eventID: 1, eventStart: 0, checkpoint: 150, modelVersion: 1, predicted: 0.8, minimum: 1.2,
                threshold: 1, failed: true),
        ]
        func alarmed(_ policy: AlarmPolicy) -> (challenger: Bool?, incumbent: Bool?) {
            let comparison = LiveComparison(
                device: "d", challenger: 2, incumbent: 1, rows: rows, fromCheckpoint: 150, policy: policy)
            return (comparison.events.first?.challenger.alarmed, comparison.events.first?.incumbent.alarmed)
        }
        #expect(alarmed(AlarmPolicy()) == (false, false), "by the minimum neither alarms")
        #expect(
            alarmed(AlarmPolicy(trigger: .failureProbability(0.5))) == (true, false),
            "by the probability v2 alarms; v1, without one, is judged by its minimum")
    }

    @Test("The evidence says how often each model's stored intervals held over the compared events")
    func intervalCoverageInEvidence() throws {
        func row(_ event: Int64, _ model: Int, _ low: Double?, _ high: Double?) -> LabeledPrediction {
            LabeledPrediction(
                eventID: event, eventStart: event * 1000, checkpoint: 150, modelVersion: model, predicted: 1,
                minimum: 1.2, threshold: 1, failed: true, failureProbability: 0.5,
                uncertainty: low.map {
                    PredictionUncertainty(
                        lowMbar: $0, highMbar: high, failureProbability: 0.5, coverage: 0.9, calibrationEvents: 20)
                })
        }
        // v2: held on events 1 and 2 (the second unbounded), missed on 3; v1 stored none.
        let rows = [
            row(1, 2, 0.5, 2), row(2, 2, 0, nil), row(3, 2, 0.5, 1.1), row(1, 1, nil, nil), row(2, 1, nil, nil),
            row(3, 1, nil, nil),
        ]
        let comparison = LiveComparison(
            device: "d", challenger: 2, incumbent: 1, rows: rows, fromCheckpoint: 150, policy: AlarmPolicy())
        let coverage = try #require(comparison.challengerIntervalCoverage)
        #expect(abs(coverage - 2.0 / 3.0) < 1e-12)
        #expect(comparison.incumbentIntervalCoverage == nil)
        guard case .wait(let evidence) = PromotionPolicy(policy: AgentPolicy()).judge(shadow: comparison) else {
            Issue.record("three events are too few for a verdict")
            return
        }
        #expect(evidence.challengerIntervalCoverage == coverage && evidence.incumbentIntervalCoverage == nil)
    }

    @Test("A raised alarm records what raised it")
    func raisedOn() throws {
        let event = AlarmLifecycle.EventContext(device: "f", eventID: 7, start: 1000, threshold: 1)
        let lifecycle = AlarmLifecycle(policy: AlarmPolicy(trigger: .failureProbability(0.5)))
        let raised = lifecycle.observe(
            decisive: [AlarmPolicy.Observation(predicted: 0.9, failureProbability: 0.8)], model: 3, seconds: 150,
            event: event, current: nil, at: 5)
        #expect(raised?.alarm.raisedOn == .failureProbability && raised?.alarm.predicted == 0.9)
        let bare = lifecycle.observe(decisive: [1.5], model: 0, seconds: 150, event: event, current: nil, at: 5)
        #expect(bare?.alarm.raisedOn == .predictedMinimumNoProbability)
        let message = AlarmMessage(try #require(bare?.alarm), time: 5, source: "fallback rule")
        #expect(message.raisedOn == .predictedMinimumNoProbability)
        let plain = AlarmLifecycle(policy: AlarmPolicy())
        #expect(
            plain.observe(decisive: [1.5], model: 1, seconds: 150, event: event, current: nil, at: 5)?.alarm.raisedOn
                == .predictedMinimum)
    }

    @Test("Raised once, escalated only when the severity rises, confirmed or cleared by the outcome or a restart")
    func lifecycle() throws {
        let lifecycle = AlarmLifecycle(policy: AlarmPolicy())
        let event = AlarmLifecycle.EventContext(device: "f", eventID: 7, start: 1000, threshold: 1)
        #expect(lifecycle.observe(decisive: [0.8], model: 1, seconds: 150, event: event, current: nil, at: 5) == nil)
        guard
            case .raised(let raised) = lifecycle.observe(
                decisive: [0.8, 1.5], model: 1, seconds: 180, event: event, current: nil, at: 6)
        else {
            Issue.record("a prediction above the threshold raises")
            return
        }
        #expect(raised.id == "f/1000" && raised.sequence == 1 && raised.severity == .warning && raised.state == .active)
        #expect(raised.raisedAtSeconds == 180 && raised.raisedTime == 6)
        #expect(
            lifecycle.observe(decisive: [1.5, 1.7], model: 1, seconds: 180, event: event, current: raised, at: 7)
                == nil,
            "the same severity again says nothing new")
        guard
            case .escalated(let escalated) = lifecycle.observe(
                decisive: [1.5, 2.5], model: 2, seconds: 180, event: event, current: raised, at: 8)
        else {
            Issue.record("a critical prediction escalates a warning")
            return
        }
        #expect(escalated.sequence == 2 && escalated.severity == .critical && escalated.modelVersion == 2)
        #expect(escalated.raisedTime == 6, "raised when it was raised")
        let confirmed = lifecycle.resolve(escalated, failed: true, at: 9)
        #expect(confirmed.state == .confirmed && confirmed.sequence == 3 && confirmed.updatedTime == 9)
        #expect(lifecycle.resolve(escalated, failed: false, at: 9).state == .cleared)
        let restarted = lifecycle.clearAfterRestart(escalated, at: 10)
        #expect(restarted.state == .cleared && restarted.sequence == 3)
    }
}

/// Paired events with given per-event log errors (the alarm flags follow the failure flag unless told otherwise).
func pairedEvents(
    challenger: [Double], incumbent: [Double], failed: [Bool]? = nil, challengerAlarms: [Bool]? = nil,
    incumbentAlarms: [Bool]? = nil
) -> [PairedEvent] {
    challenger.indices.map { index in
        let fails = failed?[index] ?? false
        func score(_ error: Double, _ alarmed: Bool) -> EventScore {
            EventScore(
                logError: error, percentError: 100 * error, alarmed: alarmed,
                checkpointLogErrors: [150: error, 180: error])
        }
        return PairedEvent(
            eventID: Int64(index), start: Int64(index) * 1_000_000, failed: fails,
            challenger: score(challenger[index], challengerAlarms?[index] ?? fails),
            incumbent: score(incumbent[index], incumbentAlarms?[index] ?? fails))
    }
}

@Suite("Promotion and rollback")
struct PromotionTests {
    static let policy = PromotionPolicy(policy: AgentPolicy())

    static func comparison(_ events: [PairedEvent]) -> LiveComparison {
        LiveComparison(device: "d", challenger: 2, incumbent: 1, events: events)
    }

    @Test("A shadow clearly cheaper on every event is promoted after a handful of events, not before shadow_events")
    func promotesClearWinner() {
        let better = pairedEvents(
            challenger: Array(repeating: 0.1, count: 12), incumbent: Array(repeating: 0.5, count: 12))
        var promotedAt: Int?
        for count in 1...12 {
            if case .promote(let evidence) = Self.policy.judge(shadow: Self.comparison(Array(better.prefix(count)))) {
                promotedAt = count
                #expect(evidence.eValue >= 1 / evidence.alpha)
                #expect(evidence.challengerMissed == 0)
                break
            }
        }
        let at = promotedAt ?? 99
        #expect(at >= AgentPolicy().shadowEvents && at <= 10, "promoted after \(at) events")
    }

    @Test("Lower MAPE does not win when the shadow misses a failure the champion catches")
    func missedFailuresLose() {
        var failed = Array(repeating: false, count: 12)
        failed[4] = true
        var challengerAlarms = failed
        challengerAlarms[4] = false
        let events = pairedEvents(
            challenger: Array(repeating: 0.1, count: 12), incumbent: Array(repeating: 0.5, count: 12), failed: failed,
            challengerAlarms: challengerAlarms)
        let verdict = Self.policy.judge(shadow: Self.comparison(events))
        if case .promote = verdict { Issue.record("a shadow that misses a failure was promoted") }
    }

    @Test("A shadow that worsens a published checkpoint does not win")
    func worsenedCheckpoint() {
        var events = pairedEvents(
            challenger: Array(repeating: 0.1, count: 12), incumbent: Array(repeating: 0.5, count: 12))
        for index in events.indices { events[index].challenger.checkpointLogErrors[180] = 0.9 }
        if case .promote = Self.policy.judge(shadow: Self.comparison(events)) {
            Issue.record("a shadow worse at 180 s was promoted")
        }
    }

    @Test("A shadow no better than the champion is rejected with evidence, never promoted")
    func rejectsLoser() {
        let worse = pairedEvents(
            challenger: Array(repeating: 0.6, count: 30), incumbent: Array(repeating: 0.3, count: 30))
        guard case .reject(let evidence) = Self.policy.judge(shadow: Self.comparison(worse)) else {
            Issue.record("a clearly worse shadow is rejected")
            return
        }
        #expect(evidence.rule.contains("not cheaper"))
    }

    /// Equal models with noisy per-event errors, as the null hypothesis of a promotion says.
    static func nullEvents(seed: UInt64, count: Int) -> [PairedEvent] {
        var random = SeededGenerator(seed: seed)
        var challenger: [Double] = []
        var incumbent: [Double] = []
        for _ in 0..<count {
            let shared = 0.3 + 0.15 * random.gaussian()
            challenger.append(max(0, shared + 0.1 * random.gaussian()))
            incumbent.append(max(0, shared + 0.1 * random.gaussian()))
        }
        return pairedEvents(challenger: challenger, incumbent: incumbent)
    }

    /// Equal models through runs of correlated events: persistent episodes that raise both models' errors for
    /// several events (a leak), and a difference between them that carries over from one event to the next.
    static func correlatedNullEvents(seed: UInt64, count: Int) -> [PairedEvent] {
        var random = SeededGenerator(seed: seed)
        var challenger: [Double] = []
        var incumbent: [Double] = []
        var episode = 0.0
        var carried = 0.0
        for _ in 0..<count {
            episode = 0.8 * episode + 0.15 * random.gaussian()
            carried = 0.3 * carried + 0.1 * random.gaussian()
            let shared = 0.3 + abs(episode)
            challenger.append(max(0, shared + carried / 2))
            incumbent.append(max(0, shared - carried / 2))
        }
        return pairedEvents(challenger: challenger, incumbent: incumbent)
    }

    @Test("Through runs of correlated events, equal models are promoted in at most α of runs")
    func promotionErrorRateCorrelated() {
        var promoted = 0
        let runs = 400
        for run in 0..<runs {
            let events = Self.correlatedNullEvents(seed: UInt64(run) + 50_000, count: AgentPolicy().maximumShadowEvents)
            for count in 1...events.count {
                if case .promote = Self.policy.judge(shadow: Self.comparison(Array(events.prefix(count)))) {
                    promoted += 1
                    break
                }
            }
        }
        print(
            "correlated equal models: \(promoted) of \(runs) runs promoted within \(AgentPolicy().maximumShadowEvents) events"
        )
        #expect(Double(promoted) / Double(runs) <= AgentPolicy().promotionAlpha, "\(promoted) of \(runs) promoted")
    }

    @Test("Judged after every event, a shadow as good as the champion is promoted in at most α of runs")
    func promotionErrorRate() {
        var promoted = 0
        let runs = 400
        for run in 0..<runs {
            let events = Self.nullEvents(seed: UInt64(run) + 1, count: AgentPolicy().maximumShadowEvents)
            for count in 1...events.count {
                if case .promote = Self.policy.judge(shadow: Self.comparison(Array(events.prefix(count)))) {
                    promoted += 1
                    break
                }
            }
        }
        print(
            "independent equal models: \(promoted) of \(runs) runs promoted within \(AgentPolicy().maximumShadowEvents) events"
        )
        #expect(Double(promoted) / Double(runs) <= AgentPolicy().promotionAlpha, "\(promoted) of \(runs) promoted")
    }

    @Test("Watched after every event, a champion as good as the one it replaced is rolled back in at most α of runs")
    func rollbackErrorRate() {
        var rolledBack = 0
        let runs = 400
        for run in 0..<runs {
            let events = Self.nullEvents(seed: UInt64(run) + 10_000, count: AgentPolicy().rollbackEvents)
            for count in 1...events.count {
                if case .rollback = Self.policy.judge(watch: Self.comparison(Array(events.prefix(count)))) {
                    rolledBack += 1
                    break
                }
            }
        }
        print("equal champions: \(rolledBack) of \(runs) runs rolled back within the watch")
        #expect(Double(rolledBack) / Double(runs) <= AgentPolicy().rollbackAlpha, "\(rolledBack) of \(runs)")
    }

    @Test("A new champion clearly worse than the one it replaced is rolled back; one that holds up is confirmed")
    func watch() {
        let worse = pairedEvents(
            challenger: Array(repeating: 0.7, count: 12), incumbent: Array(repeating: 0.2, count: 12))
        var rolledBackAt: Int?
        for count in 1...12 {
            if case .rollback = Self.policy.judge(watch: Self.comparison(Array(worse.prefix(count)))) {
                rolledBackAt = count
                break
            }
        }
        #expect((rolledBackAt ?? 99) <= 8, "rolled back after \(rolledBackAt ?? -1) events")
        let same = pairedEvents(
            challenger: Array(repeating: 0.2, count: 12), incumbent: Array(repeating: 0.25, count: 12))
        guard case .confirm(let evidence) = Self.policy.judge(watch: Self.comparison(same)) else {
            Issue.record("a champion that holds up over the watch is confirmed")
            return
        }
        #expect(evidence.events == 12)
        if case .confirm = Self.policy.judge(watch: Self.comparison(Array(same.prefix(5)))) {
            Issue.record("confirmed before the watch ended")
        }
    }
}
