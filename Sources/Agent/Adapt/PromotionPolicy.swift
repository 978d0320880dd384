import Drift

/// When a shadow replaces a furnace's champion, and when a new champion is confirmed or rolled back: sequential
/// tests on paired per-event costs with a stated error rate, judged on what the plant pays for.
///
/// An event's cost for a model is its mean log error from `alarm_from` on, plus `missed_failure_cost` if its
/// predictions would have let a failing event pass without an alarm, plus `false_alarm_cost` for an alarm on an
/// event that reached its vacuum. A shadow is promoted once a ``BettingMeanTest`` rejects "it is not cheaper than
/// (1 − `min_improvement`) × the champion" at `promotion_alpha` — valid however many times it is re-judged — and
/// only if it misses no more failures, raises no more false alarms than allowed, and worsens no published
/// checkpoint. A new champion is rolled back once the same kind of test shows it costs more than the model it
/// replaced (at `rollback_alpha`), or it missed two failures more; it is confirmed after `rollback_events` events
/// without that.
public struct PromotionPolicy: Sendable, Equatable {
    public var shadowEvents: Int
    public var maximumShadowEvents: Int
    public var minimumImprovement: Double
    public var promotionAlpha: Double
    public var rollbackEvents: Int
    public var rollbackAlpha: Double
    public var missedFailureCost: Double
    public var falseAlarmCost: Double
    /// Per-event cost differences are clipped to ± this (log-error units).
    public static let costBound = 0.5
    /// A published checkpoint is worsened when its mean log error grows by more than this factor (plus 0.02).
    public static let checkpointTolerance = 1.1

    public init(policy: AgentPolicy) {
        shadowEvents = policy.shadowEvents
        maximumShadowEvents = policy.maximumShadowEvents
        minimumImprovement = policy.minimumImprovement
        promotionAlpha = policy.promotionAlpha
        rollbackEvents = policy.rollbackEvents
        rollbackAlpha = policy.rollbackAlpha
        missedFailureCost = policy.missedFailureCost
        falseAlarmCost = policy.falseAlarmCost
    }

    /// The numbers behind a verdict, recorded with the decision.
    public struct Evidence: Sendable, Equatable, Codable {
        public var events: Int
        public var challenger: Int
        public var incumbent: Int
        public var challengerMeanCost: Double
        public var incumbentMeanCost: Double
        public var challengerLogError: Double
        public var incumbentLogError: Double
        public var challengerMAPEPercent: Double
        public var incumbentMAPEPercent: Double
        public var challengerMissed: Int
        public var incumbentMissed: Int
        public var challengerFalseAlarms: Int
        public var incumbentFalseAlarms: Int
        /// The sequential test's e-value for the verdict's claim (≥ 1/α rejects its null).
        public var eValue: Double
        /// The error rate the test controls.
        public var alpha: Double
        /// Checkpoints (seconds) where the challenger is worse than the tolerance allows.
        public var worsenedCheckpoints: [Int]
        public var rule: String
        /// How often each model's stored 90 % intervals held over these events (nil without any): how far its
        /// uncertainty could be trusted on the furnace.
        public var challengerIntervalCoverage: Double? = nil
        public var incumbentIntervalCoverage: Double? = nil

        enum CodingKeys: String, CodingKey {
            case events, challenger, incumbent
            case challengerMeanCost = "challenger_mean_cost"
            case incumbentMeanCost = "incumbent_mean_cost"
            case challengerLogError = "challenger_log_error"
            case incumbentLogError = "incumbent_log_error"
            case challengerMAPEPercent = "challenger_mape_percent"
            case incumbentMAPEPercent = "incumbent_mape_percent"
            case challengerMissed = "challenger_missed_failures"
            case incumbentMissed = "incumbent_missed_failures"
            case challengerFalseAlarms = "challenger_false_alarms"
            case incumbentFalseAlarms = "incumbent_false_alarms"
            case eValue = "e_value"
            case alpha
            case worsenedCheckpoints = "worsened_checkpoints"
            case rule
            case challengerIntervalCoverage = "challenger_interval_coverage"
            case incumbentIntervalCoverage = "incumbent_interval_coverage"
        }
    }

    /// What to do with a shadow.
    public enum ShadowVerdict: Sendable, Equatable {
        case wait(Evidence)
        case promote(Evidence)
        case reject(Evidence)
    }

    /// What to do with a champion under watch.
    public enum WatchVerdict: Sendable, Equatable {
        case wait(Evidence)
        /// It held up: the replaced champion stops predicting.
        case confirm(Evidence)
        /// It did worse: the replaced champion serves again.
        case rollback(Evidence)
    }

    /// A model's cost on one event.
    public func cost(_ score: EventScore, failed: Bool) -> Double {
        score.logError + (failed && !score.alarmed ? missedFailureCost : 0)
            + (!failed && score.alarmed ? falseAlarmCost : 0)
    }

    /// Judges a shadow (challenger) against the furnace's champion (incumbent).
    public func judge(shadow comparison: LiveComparison) -> ShadowVerdict {
        let keep = 1 - minimumImprovement
        let target = minimumImprovement > 0 ? "\(Self.percent(keep)) of the champion's cost" : "the champion"
        let better = BettingMeanTest(bound: Self.costBound, alpha: promotionAlpha).updated(
            with: comparison.events.map {
                keep * cost($0.incumbent, failed: $0.failed) - cost($0.challenger, failed: $0.failed)
            })
        let notBetter = BettingMeanTest(bound: Self.costBound, alpha: promotionAlpha).updated(
            with: comparison.events.map {
                cost($0.challenger, failed: $0.failed) - keep * cost($0.incumbent, failed: $0.failed)
            })
        let worsened = comparison.checkpointLogErrors().filter {
            $0.value.challenger > Self.checkpointTolerance * $0.value.incumbent + 0.02
        }.keys.sorted()
        let allowedFalseAlarms = comparison.incumbentFalseAlarms + max(1, comparison.events.count / 10)
        var unsafe: [String] = []
        if comparison.challengerMissed > comparison.incumbentMissed {
            unsafe.append("misses \(comparison.challengerMissed) failures (champion \(comparison.incumbentMissed))")
        }
        if comparison.challengerFalseAlarms > allowedFalseAlarms {
            unsafe.append(
                "\(comparison.challengerFalseAlarms) false alarms (champion \(comparison.incumbentFalseAlarms))")
        }
        if !worsened.isEmpty { unsafe.append("worse at \(worsened.map { "\($0) s" }.joined(separator: ", "))") }
        let safe = unsafe.isEmpty
        let count = comparison.events.count
        if count >= shadowEvents, better.rejected, safe {
            return .promote(
                evidence(
                    comparison, eValue: better.eValue, alpha: promotionAlpha, worsened: worsened,
                    rule: "cheaper than \(target) at α = \(promotionAlpha), no more missed failures"))
        }
        if count >= shadowEvents, notBetter.rejected || comparison.challengerMissed >= comparison.incumbentMissed + 2 {
            return .reject(
                evidence(
                    comparison, eValue: notBetter.eValue, alpha: promotionAlpha, worsened: worsened,
                    rule: notBetter.rejected
                        ? "not cheaper than \(target) at α = \(promotionAlpha)"
                        : "misses two or more failures the champion catches"))
        }
        if count >= maximumShadowEvents {
            let rule =
                better.rejected
                ? "cheaper, but \(unsafe.joined(separator: "; "))"
                : "no evidence of improvement after \(maximumShadowEvents) events"
            return .reject(
                evidence(comparison, eValue: better.eValue, alpha: promotionAlpha, worsened: worsened, rule: rule))
        }
        return .wait(
            evidence(
                comparison, eValue: better.eValue, alpha: promotionAlpha, worsened: worsened,
                rule: better.rejected ? "cheaper, but \(unsafe.joined(separator: "; "))" : "waiting"))
    }

    /// Judges a new champion (challenger) against the champion it replaced (incumbent, predicting in watch) on the
    /// events since the promotion.
    public func judge(watch comparison: LiveComparison) -> WatchVerdict {
        let worse = BettingMeanTest(bound: Self.costBound, alpha: rollbackAlpha).updated(
            with: comparison.events.map {
                cost($0.challenger, failed: $0.failed) - cost($0.incumbent, failed: $0.failed)
            })
        if worse.rejected || comparison.challengerMissed >= comparison.incumbentMissed + 2 {
            return .rollback(
                evidence(
                    comparison, eValue: worse.eValue, alpha: rollbackAlpha, worsened: [],
                    rule: worse.rejected
                        ? "costs more than the model it replaced at α = \(rollbackAlpha)"
                        : "missed two or more failures the model it replaced caught"))
        }
        if comparison.events.count >= rollbackEvents {
            return .confirm(
                evidence(
                    comparison, eValue: worse.eValue, alpha: rollbackAlpha, worsened: [],
                    rule: "no evidence of harm over \(rollbackEvents) events"))
        }
        return .wait(evidence(comparison, eValue: worse.eValue, alpha: rollbackAlpha, worsened: [], rule: "watching"))
    }

    private func evidence(
        _ comparison: LiveComparison, eValue: Double, alpha: Double, worsened: [Int], rule: String
    ) -> Evidence {
        let events = comparison.events
        func meanCost(_ pick: (PairedEvent) -> EventScore) -> Double {
            events.isEmpty ? 0 : events.map { cost(pick($0), failed: $0.failed) }.reduce(0, +) / Double(events.count)
        }
        return Evidence(
            events: events.count, challenger: comparison.challenger, incumbent: comparison.incumbent,
            challengerMeanCost: meanCost(\.challenger), incumbentMeanCost: meanCost(\.incumbent),
            challengerLogError: comparison.challengerLogError, incumbentLogError: comparison.incumbentLogError,
            challengerMAPEPercent: comparison.challengerMAPE, incumbentMAPEPercent: comparison.incumbentMAPE,
            challengerMissed: comparison.challengerMissed, incumbentMissed: comparison.incumbentMissed,
            challengerFalseAlarms: comparison.challengerFalseAlarms,
            incumbentFalseAlarms: comparison.incumbentFalseAlarms, eValue: eValue, alpha: alpha,
            worsenedCheckpoints: worsened, rule: rule,
            challengerIntervalCoverage: comparison.challengerIntervalCoverage,
            incumbentIntervalCoverage: comparison.incumbentIntervalCoverage)
    }

    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded())) %" }
}
