/// How the agent decides and adapts: the `policy` section of the configuration (docs/configuration.md).
public struct AgentPolicy: Sendable, Equatable {
    /// Which tree model the agent trains.
    public enum Algorithm: String, Sendable, CaseIterable, Equatable {
        /// Gradient-boosted trees, XGBoost-compatible.
        case gbdt
        /// A random forest.
        case rf
    }

    /// How old labeled events are reweighted toward a new or shifted furnace.
    public enum Weighting: String, Sendable, CaseIterable, Equatable {
        case kmm
        case ulsif
        case classifier
        case none
        /// Chosen per candidate among none, uLSIF and the classifier by importance-weighted cross-validation on
        /// the labeled history (``CandidateTrainer/choose(_:source:target:)``).
        case auto
    }

    /// What a deciding prediction is judged by before an alarm (see ``AlarmPolicy/Trigger``).
    public enum AlarmOn: String, Sendable, CaseIterable, Equatable {
        /// The predicted minimum above threshold × (1 + `alarm_margin`).
        case minimum
        /// The probability that the event fails at least `alarm_failure_probability`; a prediction without one
        /// (too few labeled events of its model on the furnace) is judged by its minimum.
        case failureProbability = "failure_probability"
    }

    /// `alarm_on`: `minimum` or `failure_probability`. Default `minimum`.
    public var alarmOn: AlarmOn = .minimum
    /// `alarm_failure_probability`: with `alarm_on: failure_probability`, the failure probability at which a
    /// prediction calls for an alarm, 0 < p < 1. Default 0.5.
    public var alarmFailureProbability: Double = 0.5
    /// `alarm_margin`: an alarm needs the predicted minimum above threshold × (1 + margin). Default 0.
    public var alarmMargin: Double = 0
    /// `alarm_confirmations`: consecutive checkpoint predictions above it before the alarm. Default 1.
    public var alarmConfirmations: Int = 1
    /// `alarm_from`: the earliest checkpoint, in seconds into the event, whose prediction may raise an alarm; it is
    /// also where live errors are measured from. Before it, predictions are recorded but the pumps still set the
    /// pressure and the floor is not yet visible. Default 150 s (about 17 minutes before the event ends).
    public var alarmFromSeconds: Int = 150
    /// `fallback_factor`: without a usable model, the minimum is predicted as this × the pressure at the
    /// checkpoint (see ``FallbackRule``). Default 0.5.
    public var fallbackFactor: Double = 0.5
    /// `algorithm`: what candidates are trained as. Default `gbdt`.
    public var algorithm: Algorithm = .gbdt
    /// `weighting`: importance weighting of old labeled events toward the target furnace. Default `auto`: each
    /// candidate's weighting chosen among none, uLSIF and the classifier by importance-weighted cross-validation on
    /// the history, which keeps "none" unless a weighting is clearly better. In `Benchmarks/adaptation` it was as
    /// good as uLSIF on average and its worst shift 11 % worse than no weighting (uLSIF: 16 %); KMM made models
    /// 12–34 % worse with few own events.
    public var weighting: Weighting = .auto
    /// `trees`: boosting rounds or forest size. Default 100.
    public var trees: Int = 100
    /// `max_depth`: default 6.
    public var maxDepth: Int = 6
    /// `learning_rate`: gradient boosting's eta. Default 0.1.
    public var learningRate: Double = 0.1
    /// `adapt`: whether drift and onboarding build candidates at all. Default true.
    public var adapt: Bool = true
    /// `onboarding_events`: events of a new furnace (unlabeled are enough) before its first candidate. Default 6.
    public var onboardingEvents: Int = 6
    /// `retrain_growth`: a furnace that drifted, or whose champion was adapted to it, gets a fresh candidate each
    /// time its own labeled events have grown by this factor since the last one (6, 12, 24, 48, ... with the
    /// default 2), so its model keeps learning from its own outcomes while fewer and fewer retrainings are needed.
    public var retrainGrowth: Double = 2
    /// `drift_window`: a furnace's most recent events compared with its champion's training data. Default 12.
    public var driftWindow: Int = 12
    /// `shadow_events`: the fewest labeled events a shadow is judged on before it may be promoted or rejected.
    /// Default 6.
    public var shadowEvents: Int = 6
    /// `max_shadow_events`: a shadow without evidence of improvement after this many events is rejected. Default 60:
    /// a candidate a third cheaper than its champion on noisy costs needs 30–60 events for an e-value of 20, and one
    /// rejected at 30 takes its evidence with it (measured in `Benchmarks/adaptation`, `--replay`).
    public var maximumShadowEvents: Int = 60
    /// `min_improvement`: a shadow must cost less than (1 − this) × the champion's cost to be promoted. Default 0:
    /// the sequential test already bounds the chance of promoting a shadow that is not cheaper at `promotion_alpha`,
    /// and a margin only delays what the evidence supports (in `Benchmarks/adaptation`, `--replay`, 0.1 served a
    /// hotter-charged furnace over its events 13–100 at 0.83 × the original model's MAPE, 0 at 0.77, with no
    /// rollback and no promotion on the unshifted families).
    public var minimumImprovement: Double = 0
    /// `promotion_alpha`: the error rate of promotions — the chance of promoting a shadow that is not cheaper by
    /// `min_improvement`, however often it is judged (see ``PromotionPolicy``). Default 0.05.
    public var promotionAlpha: Double = 0.05
    /// `rollback_events`: labeled events after a promotion over which the new champion is watched. Default 12.
    public var rollbackEvents: Int = 12
    /// `rollback_alpha`: the error rate of rollbacks — the chance of rolling back a champion that costs no more than
    /// the one it replaced. Default 0.05.
    public var rollbackAlpha: Double = 0.05
    /// `missed_failure_cost`: what a failing event without an alarm costs, in log-error units (a log error of 1 is a
    /// factor e ≈ 2.7 at every checkpoint). Default 1.
    public var missedFailureCost: Double = 1
    /// `false_alarm_cost`: what an alarm on an event that reached its vacuum costs, in log-error units. Default 0.1.
    public var falseAlarmCost: Double = 0.1
    /// `drift_alpha`: the significance level of one drift check, over all its tests (features, MMD, domain
    /// classifier, corrected for their number). The events of a window are not independent (leak episodes persist
    /// over several events), which makes a check flag an unchanged furnace more often than this; at the default 0.01
    /// the simulator's unchanged furnaces are flagged in under 5 % of checks (see docs/drift.md). Default 0.01.
    public var driftAlpha: Double = 0.01
    /// `drift_confirmations`: consecutive drift checks on fresh events that must flag a known furnace before the agent
    /// acts (a furnace being onboarded needs one). With the default 2 an unchanged furnace is
    /// treated as drifting at about the square of its per-check rate. Default 2.
    public var driftConfirmations: Int = 2
    /// `concept_drift_threshold`: the Page–Hinkley threshold on the champion's per-event log error (λ); a sustained
    /// rise of the error by Δ is signalled after about λ ÷ (Δ − 0.05) events. Default 1.5.
    public var conceptDriftThreshold: Double = 1.5
    /// `own_event_share`: the share of the total training weight given to the target furnace's own labeled events
    /// (the reweighted history gets the rest), once it has some. Default 0.5.
    public var ownEventShare: Double = 0.5
    /// `weight_bound`: the largest importance weight (KMM's bound B; uLSIF and classifier weights are clipped to
    /// it). With a few target events, larger bounds let a handful of history rows carry the whole model. Default 10.
    public var weightBound: Double = 10
    /// `continue_below_events`: while a furnace has fewer own labeled events than this, its candidates continue
    /// boosting from its champion (the champion plus small trees fitted to what it gets wrong there) instead of
    /// being trained anew; from then on they are retrained on the weighted history and the own events. In
    /// `Benchmarks/adaptation` continuing kept the alarm recall of the original model with 3–12 own events where
    /// retraining lost 1–4 points on average (and half of a hotter-charged furnace's failures), at the same MAPE
    /// up to 6 events; with 12 or more, retraining was more accurate. 0 never continues. Default 12.
    public var continueBelowEvents: Int = 12
    /// `backtest_events`: a new candidate is also judged on up to this many of the furnace's latest labeled events
    /// its champion has not seen, each predicted by the candidate's procedure retrained on the events before that
    /// one only (a prequential backtest), so that evidence starts before the candidate has predicted live. In
    /// `Benchmarks/adaptation` (the agent replayed) this lowered what a hotter-charged furnace was served over its
    /// events 13–100 from 0.93 to 0.86 × the original model's MAPE, and outside the history's ranges from 0.72 to
    /// 0.58, with no rollback. Costs one training per backtested event. 0 turns it off. Default 6.
    public var backtestEvents: Int = 6
    /// `min_effective_share`: importance weights whose effective sample size is below this share of the history's
    /// rows are flattened (w^λ, the largest λ that keeps it): a model resting on a few heavily weighted rows is
    /// worse than one with a partial correction. 0 turns flattening off. Default 0.3.
    public var minimumEffectiveShare: Double = 0.3
    /// `seed`: seeds training and weighting, so a run can be reproduced. Default 1.
    public var seed: UInt64 = 1

    public init() {}

    /// The alarm rule these keys describe.
    public var alarmPolicy: AlarmPolicy {
        AlarmPolicy(
            margin: alarmMargin, confirmations: alarmConfirmations,
            trigger: alarmOn == .minimum ? .minimum : .failureProbability(alarmFailureProbability))
    }
}
