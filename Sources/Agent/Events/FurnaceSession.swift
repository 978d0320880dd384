public import Plant

/// One furnace as the agent follows it, from readings to decisions: its event pipeline, the event under way with
/// its deciding predictions and alarm, and the events waiting for their label.
///
/// A value type without I/O: the coordinating loop feeds it the pipeline's steps (with the store's id for each
/// new event and the serving plan of the moment) and records what it returns.
public struct FurnaceSession: Sendable {
    public private(set) var device: DeviceFile
    public private(set) var pipeline: EventPipeline
    public let lifecycle: AlarmLifecycle
    /// The earliest checkpoint whose prediction may raise an alarm (`policy.alarm_from`), seconds.
    public let alarmFromSeconds: Int
    /// The event being predicted.
    public private(set) var event: RunningEvent?
    /// Events that ended and wait for their label, by start time.
    public private(set) var awaitingLabel: [Int64: RunningEvent] = [:]

    /// An event being followed.
    public struct RunningEvent: Sendable, Equatable {
        public var id: Int64
        public var start: Int64
        public var threshold: Double
        /// The deciding predictions from `alarm_from` on, with their failure probabilities where known.
        public var decisive: [AlarmPolicy.Observation] = []
        public var last: (value: Double, model: Int)?
        public var alarm: AlarmRecord?

        public static func == (lhs: RunningEvent, rhs: RunningEvent) -> Bool {
            lhs.id == rhs.id && lhs.start == rhs.start && lhs.threshold == rhs.threshold
                && lhs.decisive == rhs.decisive && lhs.last?.value == rhs.last?.value
                && lhs.last?.model == rhs.last?.model && lhs.alarm == rhs.alarm
        }
    }

    /// What a checkpoint produced.
    public struct CheckpointResult: Sendable {
        public var eventID: Int64
        public var seconds: Int
        public var features: [String: Double]
        public var predictions: [StoredPrediction]
        public var decisive: ServingPlan.Decisive?
        public var threshold: Double
        /// A raised or escalated alarm.
        public var alarm: AlarmLifecycle.Transition?
    }

    /// What a label produced.
    public struct LabelResult: Sendable {
        public var event: RunningEvent
        public var end: Int64
        public var minimum: Double
        public var source: MinimumSource
        public var failed: Bool
        /// The event's alarm, confirmed or cleared.
        public var resolvedAlarm: AlarmRecord?
        public var outcome: OutcomeMessage
    }

    /// - Precondition: the device has an `event` section.
    public init(device: DeviceFile, policy: AlarmPolicy, alarmFromSeconds: Int) {
        self.device = device
        pipeline = EventPipeline(device: device)
        lifecycle = AlarmLifecycle(policy: policy)
        self.alarmFromSeconds = alarmFromSeconds
    }

    /// Takes a new version of the device file; an event under way keeps being followed with the old pipeline only
    /// when the event definition is unchanged.
    public mutating func reload(_ device: DeviceFile) {
        if device.event != self.device.event || device.pollIntervalSeconds != self.device.pollIntervalSeconds {
            pipeline = EventPipeline(device: device)
            event = nil
        }
        self.device = device
    }

    /// Runs a batch of stored readings through the pipeline.
    public mutating func steps(for readings: [Reading]) -> [EventPipeline.Step] { pipeline.ingest(readings) }

    /// An event started and the store gave it an id.
    public mutating func begin(eventID: Int64, start: Int64, threshold: Double) {
        event = RunningEvent(id: eventID, start: start, threshold: threshold)
    }

    /// The features at a checkpoint of the running event: predicts with the plan and decides on the alarm.
    /// - Returns: nil when the checkpoint belongs to no followed event.
    public mutating func checkpoint(
        start: Int64, seconds: Int, features: [String: Double], time: Int64, plan: ServingPlan
    ) -> CheckpointResult? {
        guard var running = event, running.start == start else { return nil }
        let (decisive, records) = plan.predict(
            features, checkpoint: seconds, threshold: running.threshold, eventID: running.id, at: time)
        var transition: AlarmLifecycle.Transition?
        if let decisive {
            running.last = (decisive.value, decisive.model)
            if seconds >= alarmFromSeconds {
                running.decisive.append(
                    AlarmPolicy.Observation(
                        predicted: decisive.value, failureProbability: decisive.uncertainty?.failureProbability))
                transition = lifecycle.observe(
                    decisive: running.decisive, model: decisive.model, seconds: seconds,
                    event: .init(
                        device: device.id, eventID: running.id, start: running.start, threshold: running.threshold),
                    current: running.alarm, at: time)
                if let changed = transition {
                    // The alarm says why: the champion's decomposition of the prediction that raised or escalated
                    // it; and how sure it is: the deciding model's own past errors on this furnace here.
                    let reasons =
                        plan.champion.map { $0.version == decisive.model ? $0.reasons(features) : [] } ?? []
                    let annotated = changed.updating { alarm in
                        alarm.reasons = reasons
                        alarm.uncertainty = decisive.uncertainty
                    }
                    transition = annotated
                    running.alarm = annotated.alarm
                }
            }
        }
        event = running
        return CheckpointResult(
            eventID: running.id, seconds: seconds, features: features, predictions: records, decisive: decisive,
            threshold: running.threshold, alarm: transition)
    }

    /// The running event ended; returns its id (its label follows).
    public mutating func end(start: Int64) -> Int64? {
        guard let running = event, running.start == start else { return nil }
        event = nil
        awaitingLabel[start] = running
        return running.id
    }

    /// An ended event's true minimum arrived: resolves its alarm and makes its outcome.
    public mutating func label(
        start: Int64, end: Int64, minimum: Double, source: MinimumSource, failed: Bool, at time: Int64
    ) -> LabelResult? {
        guard let ended = awaitingLabel.removeValue(forKey: start) else { return nil }
        let resolved = ended.alarm.map { lifecycle.resolve($0, failed: failed, at: time) }
        let outcome = OutcomeMessage(
            device: device.id, eventID: ended.id, eventStart: ended.start, eventEnd: end, minimum: minimum,
            source: source, threshold: ended.threshold, failed: failed, alarm: resolved, lastPrediction: ended.last)
        return LabelResult(
            event: ended, end: end, minimum: minimum, source: source, failed: failed, resolvedAlarm: resolved,
            outcome: outcome)
    }
}
