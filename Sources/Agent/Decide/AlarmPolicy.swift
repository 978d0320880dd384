/// When a predicted minimum pressure becomes an alarm, and how severe it is.
///
/// Each deciding prediction is judged by one rule (``Trigger``): its predicted minimum above the threshold, or its
/// probability of failing at least a set value. The probability needs the deciding model's interval, which exists
/// only once the model has enough labeled events on the furnace; without it the prediction is judged by its
/// minimum, and the alarm says so (``Basis/predictedMinimumNoProbability``).
public struct AlarmPolicy: Sendable, Equatable {
    /// What a deciding prediction is judged by (`policy.alarm_on`).
    public enum Trigger: Sendable, Equatable {
        /// The predicted minimum above `threshold × (1 + margin)` (`minimum`, the default).
        case minimum
        /// The probability that the event fails at least this (`failure_probability`, with
        /// `alarm_failure_probability`), 0 < p < 1.
        case failureProbability(Double)
    }

    /// What one prediction was judged by: what an alarm was raised on.
    public enum Basis: String, Sendable, Codable, CaseIterable, Equatable {
        /// Its predicted minimum (`alarm_on: minimum`).
        case predictedMinimum = "predicted_minimum"
        /// Its failure probability (`alarm_on: failure_probability`).
        case failureProbability = "failure_probability"
        /// Its predicted minimum, because no failure probability could be computed for it (too few labeled events
        /// of the deciding model on the furnace, or the fallback rule without them).
        case predictedMinimumNoProbability = "predicted_minimum_no_probability"
    }

    /// One deciding prediction as the rule sees it.
    public struct Observation: Sendable, Equatable {
        /// The predicted minimum, in the pressure's unit.
        public var predicted: Double
        /// The probability that the event fails (nil when it cannot be computed).
        public var failureProbability: Double?

        public init(predicted: Double, failureProbability: Double? = nil) {
            self.predicted = predicted
            self.failureProbability = failureProbability
        }
    }

    /// An alarm needs the prediction above `threshold × (1 + margin)` (default 0: above the threshold). Used by the
    /// `minimum` rule and whenever the probability is missing.
    public var margin: Double
    /// How many consecutive checkpoint predictions must call for it (default 1: the first one raises).
    public var confirmations: Int
    /// Predictions above `threshold × criticalFactor` are `critical`, others `warning` (default 2), whatever the
    /// trigger: the severity says how far the pressure is expected to stay from the vacuum.
    public var criticalFactor: Double
    /// What each prediction is judged by (default ``Trigger/minimum``).
    public var trigger: Trigger

    public init(margin: Double = 0, confirmations: Int = 1, criticalFactor: Double = 2, trigger: Trigger = .minimum) {
        self.margin = margin
        self.confirmations = max(1, confirmations)
        self.criticalFactor = criticalFactor
        self.trigger = trigger
    }

    /// Whether the predictions so far (checkpoint order) call for an alarm now, judged by their minimum only.
    public func shouldRaise(predictions: [Double], threshold: Double) -> Bool {
        shouldRaise(observations: predictions.map { Observation(predicted: $0) }, threshold: threshold)
    }

    /// Whether the deciding predictions so far (checkpoint order) call for an alarm now: the last `confirmations`
    /// each call for one by the rule that applies to it (``basis(for:)``).
    public func shouldRaise(observations: [Observation], threshold: Double) -> Bool {
        guard observations.count >= confirmations else { return false }
        return observations.suffix(confirmations).allSatisfy { callsForAlarm($0, threshold: threshold) }
    }

    /// Whether the deciding predictions of a whole event (checkpoint order) called for an alarm at any point as they
    /// came in: what a model's predictions would have done for an event that is over.
    public func raisesDuring(observations: [Observation], threshold: Double) -> Bool {
        observations.indices.contains { shouldRaise(observations: Array(observations[...$0]), threshold: threshold) }
    }

    /// The rule one prediction is judged by: the probability when the trigger asks for it and it exists, else the
    /// minimum (saying why).
    public func basis(for observation: Observation) -> Basis {
        guard case .failureProbability = trigger else { return .predictedMinimum }
        return observation.failureProbability == nil ? .predictedMinimumNoProbability : .failureProbability
    }

    /// Whether one prediction, judged by its ``basis(for:)``, calls for an alarm.
    public func callsForAlarm(_ observation: Observation, threshold: Double) -> Bool {
        if case .failureProbability(let level) = trigger, let probability = observation.failureProbability {
            return probability >= level
        }
        return observation.predicted > threshold * (1 + margin)
    }

    /// `critical` above `threshold × criticalFactor`, else `warning`.
    public func severity(predicted: Double, threshold: Double) -> AlarmSeverity {
        predicted > threshold * criticalFactor ? .critical : .warning
    }
}
