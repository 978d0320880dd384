/// Two models' live errors on the same labeled events of one furnace.
public struct LiveComparison: Sendable, Equatable {
    public var device: String
    public var challenger: Int
    public var incumbent: Int
    /// Labeled events both predicted for.
    public var events: Int
    public var challengerMAPE: Double
    public var incumbentMAPE: Double

    public init(
        device: String, challenger: Int, incumbent: Int, events: Int, challengerMAPE: Double, incumbentMAPE: Double
    ) {
        self.device = device
        self.challenger = challenger
        self.incumbent = incumbent
        self.events = events
        self.challengerMAPE = challengerMAPE
        self.incumbentMAPE = incumbentMAPE
    }

    /// Relative improvement of the challenger over the incumbent (positive is better).
    public var improvement: Double { incumbentMAPE > 0 ? 1 - challengerMAPE / incumbentMAPE : 0 }
}

/// When a shadow candidate replaces a champion, and when a new champion is rolled back.
public struct PromotionPolicy: Sendable, Equatable {
    public var shadowEvents: Int
    public var minimumImprovement: Double
    public var rollbackEvents: Int
    public var rollbackTolerance: Double

    public init(policy: AgentPolicy) {
        shadowEvents = policy.shadowEvents
        minimumImprovement = policy.minimumImprovement
        rollbackEvents = policy.rollbackEvents
        rollbackTolerance = policy.rollbackTolerance
    }

    /// What to do with a shadow.
    public enum ShadowVerdict: Sendable, Equatable {
        /// Not enough labeled events yet.
        case wait
        /// Better than the champion by the required margin over at least `shadowEvents` events.
        case promote
        /// Not better after three times the required events.
        case reject
    }

    /// Judges a shadow (challenger) against the furnace's champion (incumbent).
    public func judge(shadow comparison: LiveComparison) -> ShadowVerdict {
        guard comparison.events >= shadowEvents else { return .wait }
        if comparison.improvement >= minimumImprovement { return .promote }
        return comparison.events >= 3 * shadowEvents ? .reject : .wait
    }

    /// What to do with a recently promoted champion.
    public enum ChampionVerdict: Sendable, Equatable {
        /// Still being watched.
        case wait
        /// It held up over the watch: the previous champion stops predicting for the furnace.
        case keep
        /// It degraded: the previous champion serves again.
        case rollback
    }

    /// Judges a new champion (challenger) against the one it replaced (incumbent, kept predicting in shadow),
    /// on the events since its promotion: it is rolled back when it is worse than the incumbent by the promotion
    /// margin, or worse than (1 + tolerance) × what won it the promotion and no better than the incumbent.
    /// - Parameter promotedMAPE: the champion's MAPE when it won the promotion.
    public func judge(champion comparison: LiveComparison, promotedMAPE: Double) -> ChampionVerdict {
        guard comparison.events >= rollbackEvents else {
            // A collapse is acted on at once rather than after the full watch.
            if comparison.events >= max(2, rollbackEvents / 2),
                comparison.challengerMAPE > 2 * (1 + rollbackTolerance) * promotedMAPE,
                comparison.challengerMAPE > comparison.incumbentMAPE
            {
                return .rollback
            }
            return .wait
        }
        // Degraded: clearly worse than the champion it replaced (by the promotion margin), or much worse than it
        // was when it won and no better than the one it replaced.
        let degraded =
            comparison.challengerMAPE > comparison.incumbentMAPE * (1 + minimumImprovement)
            || (comparison.challengerMAPE > (1 + rollbackTolerance) * promotedMAPE
                && comparison.challengerMAPE > comparison.incumbentMAPE)
        return degraded ? .rollback : .keep
    }
}
