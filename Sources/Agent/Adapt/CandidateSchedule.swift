/// When a furnace gets a new candidate model: the rule, in one place.
///
/// - A furnace being onboarded gets its first candidate once it has `onboarding_events` events (unlabeled ones
///   count: the history is reweighted toward them), and then one each time its own labeled events have grown by
///   `retrain_growth` (6, 12, 24, 48, ... with the defaults) while its champion is adapted to it.
/// - A known furnace gets one when it is confirmed drifting, or after a concept drift of its champion's error, and
///   then on the same growth schedule.
/// - A shadow being judged does not hold the next candidate back (one trained on twice the furnace's own events is
///   usually better, and the older shadow keeps its evidence), but a furnace has at most ``maximumShadows``; a
///   candidate due beyond them waits until one is promoted or rejected. Never when `adapt` is off.
public struct CandidateSchedule: Sendable, Equatable {
    /// The most shadows one furnace has at a time.
    public static let maximumShadows = 2

    public let adapt: Bool
    public let onboardingEvents: Int
    public let retrainGrowth: Double

    public init(policy: AgentPolicy) {
        adapt = policy.adapt
        onboardingEvents = policy.onboardingEvents
        retrainGrowth = policy.retrainGrowth
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
        /// It has ``CandidateSchedule/maximumShadows`` shadows being judged.
        public var busy: Bool
        /// A concept drift was signalled since its last candidate.
        public var conceptDrift: Bool

        public init(
            state: FurnaceAdaptationState, events: Int, ownLabeled: Int, championAdapted: Bool, busy: Bool,
            conceptDrift: Bool
        ) {
            self.state = state
            self.events = events
            self.ownLabeled = ownLabeled
            self.championAdapted = championAdapted
            self.busy = busy
            self.conceptDrift = conceptDrift
        }
    }

    /// The candidate due now, if any.
    public func due(_ situation: Situation) -> Trigger? {
        guard adapt, !situation.busy else { return nil }
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
