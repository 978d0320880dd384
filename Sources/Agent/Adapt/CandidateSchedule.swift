/// When a furnace gets a new candidate model: the rule, in one place.
///
/// - A furnace being onboarded gets its first candidate once it has `onboarding_events` events (unlabeled ones
///   count: the history is reweighted toward them), and then one each time its own labeled events have grown by
///   `retrain_growth` (6, 12, 24, 48, ... with the defaults) while its champion is adapted to it.
/// - A known furnace gets one when it is confirmed drifting, or after a concept drift of its champion's error, and
///   then on the same growth schedule.
/// - A shadow being judged does not hold the next candidate back (one trained on twice the furnace's own events is
///   usually better, and the older shadow keeps its evidence), but a furnace has at most ``maximumShadows``. When
///   a candidate is due and they are all taken, the shadow with the least evidence (the lowest e-value of its
///   promotion test) among those judged on at least `shadow_events` events gives way to it (``superseded(_:)``);
///   when every shadow is younger than that, the candidate waits. Without this, two early shadows that never
///   gather evidence held a furnace's next candidates back for up to `max_shadow_events` events. Never when
///   `adapt` is off.
public struct CandidateSchedule: Sendable, Equatable {
    /// The most shadows one furnace has at a time.
    public static let maximumShadows = 2

    public let adapt: Bool
    public let onboardingEvents: Int
    public let retrainGrowth: Double
    /// A shadow judged on fewer events than this is never superseded.
    public let shadowEvents: Int

    public init(policy: AgentPolicy) {
        adapt = policy.adapt
        onboardingEvents = policy.onboardingEvents
        retrainGrowth = policy.retrainGrowth
        shadowEvents = policy.shadowEvents
    }

    /// Where one of the furnace's shadows stands in its promotion test.
    public struct ShadowStanding: Sendable, Equatable {
        public var version: Int
        /// Events it has been judged on (live and backtested).
        public var events: Int
        /// Its promotion test's e-value.
        public var eValue: Double

        public init(version: Int, events: Int, eValue: Double) {
            self.version = version
            self.events = events
            self.eValue = eValue
        }

        /// A shadow's standing from its last verdict's evidence; without one (not judged this time, as after a
        /// promotion) it counts as new: judged on no events, so it is never the one superseded.
        public init(version: Int, evidence: PromotionPolicy.Evidence?) {
            self.init(version: version, events: evidence?.events ?? 0, eValue: evidence?.eValue ?? 1)
        }
    }

    /// Why a candidate is due.
    public enum Trigger: Sendable, Equatable {
        case onboarding(events: Int)
        case drift(ownLabeled: Int)
        case conceptDrift(ownLabeled: Int)
        case growth(ownLabeled: Int, atLast: Int)

        /// In words, for the audit log.
        public var description: String {
            switch self {
            case .onboarding(let events): "onboarding, after \(events) events"
            case .drift(let labeled): "drift, \(labeled) own labeled events"
            case .conceptDrift(let labeled): "concept drift of the champion's error, \(labeled) own labeled events"
            case .growth(let labeled, let last): "\(labeled) own labeled events (\(last) at the last candidate)"
            }
        }
    }

    /// What the schedule looks at.
    public struct Situation: Sendable, Equatable {
        public var state: FurnaceAdaptationState
        /// The furnace's events, labeled or not.
        public var events: Int
        public var ownLabeled: Int
        /// Its champion was adapted to it.
        public var championAdapted: Bool
        /// Its shadows being judged, where each stands.
        public var shadows: [ShadowStanding]
        /// A concept drift was signalled since its last candidate.
        public var conceptDrift: Bool

        public init(
            state: FurnaceAdaptationState, events: Int, ownLabeled: Int, championAdapted: Bool,
            shadows: [ShadowStanding], conceptDrift: Bool
        ) {
            self.state = state
            self.events = events
            self.ownLabeled = ownLabeled
            self.championAdapted = championAdapted
            self.shadows = shadows
            self.conceptDrift = conceptDrift
        }
    }

    /// The shadow a due candidate replaces: nil while there is room, or when every shadow is judged on fewer than
    /// `shadow_events` events; else the one with the lowest e-value (the older one on a tie).
    public func superseded(_ situation: Situation) -> ShadowStanding? {
        guard situation.shadows.count >= Self.maximumShadows else { return nil }
        // At least one event: a shadow not judged yet has no evidence to record with its withdrawal.
        return situation.shadows.filter { $0.events >= max(1, shadowEvents) }.min {
            ($0.eValue, $0.version) < ($1.eValue, $1.version)
        }
    }

    /// The candidate due now, if any. When it is due with every shadow taken, ``superseded(_:)`` names the one it
    /// replaces (the candidate is not due while there is none).
    public func due(_ situation: Situation) -> Trigger? {
        guard adapt else { return nil }
        if situation.shadows.count >= Self.maximumShadows, superseded(situation) == nil { return nil }
        let state = situation.state
        let last = state.ownEventsAtLastCandidate
        if state.onboarding && state.candidates == 0 {
            return situation.events >= onboardingEvents ? .onboarding(events: situation.events) : nil
        }
        if situation.conceptDrift { return .conceptDrift(ownLabeled: situation.ownLabeled) }
        if state.drift.drifting && state.candidates == 0 { return .drift(ownLabeled: situation.ownLabeled) }
        let adapting = state.onboarding || state.drift.drifting || situation.championAdapted || state.candidates > 0
        guard adapting, situation.ownLabeled > 0 else { return nil }
        let grown = last == 0 || Double(situation.ownLabeled) >= retrainGrowth * Double(last)
        return grown ? .growth(ownLabeled: situation.ownLabeled, atLast: last) : nil
    }
}
