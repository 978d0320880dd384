/// An alarm's life from its first prediction to its end: raised when the policy says so, escalated when its
/// severity rises, confirmed or cleared by the event's outcome, cleared after a restart that lost the event.
///
/// Pure: it returns the alarm's next state and the agent records it (``DecisionJournal``); the message that goes
/// with each state is ``AlarmMessage``.
public struct AlarmLifecycle: Sendable, Equatable {
    public let policy: AlarmPolicy

    public init(policy: AlarmPolicy) { self.policy = policy }

    /// What an event's alarm becomes after a new deciding prediction.
    public enum Transition: Sendable, Equatable {
        case raised(AlarmRecord)
        case escalated(AlarmRecord)

        /// The alarm raised or escalated.
        public var alarm: AlarmRecord {
            switch self {
            case .raised(let alarm), .escalated(let alarm): alarm
            }
        }

        /// The same transition with its alarm changed.
        public func updating(_ change: (inout AlarmRecord) -> Void) -> Transition {
            var alarm = alarm
            change(&alarm)
            return switch self {
            case .raised: .raised(alarm)
            case .escalated: .escalated(alarm)
            }
        }
    }

    /// An event's state as the lifecycle needs it.
    public struct EventContext: Sendable, Equatable {
        public var device: String
        public var eventID: Int64
        public var start: Int64
        public var threshold: Double

        public init(device: String, eventID: Int64, start: Int64, threshold: Double) {
            self.device = device
            self.eventID = eventID
            self.start = start
            self.threshold = threshold
        }
    }

    /// Takes a deciding prediction (from `alarm_from` on), judged by its minimum only.
    public func observe(
        decisive: [Double], model: Int, seconds: Int, event: EventContext, current: AlarmRecord?, at time: Int64
    ) -> Transition? {
        observe(
            decisive: decisive.map { AlarmPolicy.Observation(predicted: $0) }, model: model, seconds: seconds,
            event: event, current: current, at: time)
    }

    /// Takes a deciding prediction (from `alarm_from` on).
    /// - Parameters:
    ///   - decisive: the deciding predictions of the event so far, this one last (checkpoint order), with their
    ///     failure probabilities where known.
    ///   - model: the version that predicted (0: the fallback rule).
    ///   - seconds: the checkpoint.
    ///   - current: the event's alarm, if one was raised.
    /// - Returns: the transition, or nil when nothing changes. A raised alarm records what raised it
    ///   (``AlarmRecord/raisedOn``).
    public func observe(
        decisive: [AlarmPolicy.Observation], model: Int, seconds: Int, event: EventContext, current: AlarmRecord?,
        at time: Int64
    ) -> Transition? {
        guard let last = decisive.last else { return nil }
        let predicted = last.predicted
        let severity = policy.severity(predicted: predicted, threshold: event.threshold)
        if var alarm = current {
            // An active alarm is updated only when its severity rises.
            guard alarm.state == .active, severity > alarm.severity else { return nil }
            alarm.severity = severity
            alarm.sequence += 1
            alarm.predicted = predicted
            alarm.updatedTime = time
            alarm.modelVersion = model
            return .escalated(alarm)
        }
        guard policy.shouldRaise(observations: decisive, threshold: event.threshold) else { return nil }
        return .raised(
            AlarmRecord(
                id: "\(event.device)/\(event.start)", device: event.device, eventID: event.eventID,
                eventStart: event.start, state: .active, sequence: 1, severity: severity, raisedTime: time,
                raisedAtSeconds: seconds, updatedTime: time, predicted: predicted, threshold: event.threshold,
                modelVersion: model, raisedOn: policy.basis(for: last)))
    }

    /// The alarm once its event's outcome is known: confirmed if the event failed, else cleared.
    public func resolve(_ alarm: AlarmRecord, failed: Bool, at time: Int64) -> AlarmRecord {
        var resolved = alarm
        resolved.state = failed ? .confirmed : .cleared
        resolved.sequence += 1
        resolved.updatedTime = time
        return resolved
    }

    /// The alarm of an event a previous run left open: cleared, since the new process cannot follow the event.
    public func clearAfterRestart(_ alarm: AlarmRecord, at time: Int64) -> AlarmRecord {
        var cleared = alarm
        cleared.state = .cleared
        cleared.sequence += 1
        cleared.updatedTime = time
        return cleared
    }
}
