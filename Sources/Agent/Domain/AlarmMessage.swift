import Plant

/// The payload of an alarm message, on `<prefix>/alarms/<device>` and, while active, retained on
/// `<prefix>/alarms/<device>/<event start ms>` (docs/alarms.md, "Alarm message").
public struct AlarmMessage: Codable, Sendable, Equatable {
    /// Stable for the event: `<device>/<event start in ms since the Unix epoch>`.
    public var alarmID: String
    public var device: String
    public var eventID: Int64
    /// ISO 8601, plant time (UTC).
    public var eventStart: String
    /// 1 when raised, +1 with every message about this alarm.
    public var sequence: Int
    public var state: AlarmState
    public var severity: AlarmSeverity
    /// The prediction that raised (or last updated) the alarm, in the pressure signal's unit.
    public var predictedMinimumMbar: Double
    /// The device file's `event.threshold`.
    public var thresholdMbar: Double
    /// The checkpoint at which the alarm was raised.
    public var secondsIntoEvent: Int
    /// The registry version of the model that predicted; 0 for the fallback rule.
    public var modelVersion: Int
    /// `model vN`, `fallback rule`, or `agent restart`.
    public var predictionSource: String
    /// ISO 8601: when the alarm was raised.
    public var raisedAt: String
    /// ISO 8601: when this message was made.
    public var time: String
    /// The features that moved the deciding prediction most, largest first (empty for the fallback rule).
    public var reasons: [AlarmReason]
    /// The 90 % conformal interval of the deciding prediction, in the pressure's unit (nil until the model has
    /// enough labeled events on the furnace; the upper end nil when unbounded).
    public var predictedMinimumLowMbar: Double?
    public var predictedMinimumHighMbar: Double?
    /// The probability that the event fails, from the same distribution; nil like the interval.
    public var failureProbability: Double?
    /// What raised the alarm: `predicted_minimum`, `failure_probability`, or `predicted_minimum_no_probability`
    /// (`policy.alarm_on: failure_probability`, but no probability could be computed for the deciding prediction).
    public var raisedOn: AlarmPolicy.Basis?

    enum CodingKeys: String, CodingKey {
        case alarmID = "alarm_id"
        case device
        case eventID = "event_id"
        case eventStart = "event_start"
        case sequence, state, severity
        case predictedMinimumMbar = "predicted_minimum_mbar"
        case thresholdMbar = "threshold_mbar"
        case secondsIntoEvent = "seconds_into_event"
        case modelVersion = "model_version"
        case predictionSource = "prediction_source"
        case raisedAt = "raised_at"
        case time, reasons
        case predictedMinimumLowMbar = "predicted_minimum_low_mbar"
        case predictedMinimumHighMbar = "predicted_minimum_high_mbar"
        case failureProbability = "failure_probability"
        case raisedOn = "raised_on"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(alarmID, forKey: .alarmID)
        try container.encode(device, forKey: .device)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(eventStart, forKey: .eventStart)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(state, forKey: .state)
        try container.encode(severity, forKey: .severity)
        try container.encode(predictedMinimumMbar, forKey: .predictedMinimumMbar)
        try container.encode(predictedMinimumLowMbar, forKey: .predictedMinimumLowMbar)
        try container.encode(predictedMinimumHighMbar, forKey: .predictedMinimumHighMbar)
        try container.encode(failureProbability, forKey: .failureProbability)
        try container.encode(thresholdMbar, forKey: .thresholdMbar)
        try container.encode(secondsIntoEvent, forKey: .secondsIntoEvent)
        try container.encode(modelVersion, forKey: .modelVersion)
        try container.encode(predictionSource, forKey: .predictionSource)
        try container.encode(raisedAt, forKey: .raisedAt)
        try container.encode(time, forKey: .time)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(raisedOn, forKey: .raisedOn)
    }

    /// The message for an alarm's current state.
    /// - Parameters:
    ///   - time: when the message is made, plant time.
    ///   - source: what predicted (`model vN`, `fallback rule`), or why the state changed (`agent restart`).
    public init(_ alarm: AlarmRecord, time: Int64, source: String) {
        alarmID = alarm.id
        device = alarm.device
        eventID = alarm.eventID
        eventStart = PlantTime.iso8601(alarm.eventStart)
        sequence = alarm.sequence
        state = alarm.state
        severity = alarm.severity
        predictedMinimumMbar = alarm.predicted
        thresholdMbar = alarm.threshold
        secondsIntoEvent = alarm.raisedAtSeconds
        modelVersion = alarm.modelVersion
        predictionSource = source
        raisedAt = PlantTime.iso8601(alarm.raisedTime)
        self.time = PlantTime.iso8601(time)
        reasons = alarm.reasons
        predictedMinimumLowMbar = alarm.uncertainty?.lowMbar
        predictedMinimumHighMbar = alarm.uncertainty?.highMbar
        failureProbability = alarm.uncertainty?.failureProbability
        raisedOn = alarm.raisedOn
    }

    /// The outbox messages for it: the alarm topic, and the retained state topic — holding the alarm while it is
    /// active, emptied (a retained empty message deletes it) once it is confirmed or cleared, so a subscriber that
    /// joins late sees exactly the active alarms.
    public func messages(topics: MessageTopics, eventStart: Int64) -> [OutboxMessage] {
        let stateTopic = topics.alarmState(device: device, eventStart: eventStart)
        return [
            OutboxMessage(topic: topics.alarms(device: device), encoding: self),
            state == .active
                ? OutboxMessage(topic: stateTopic, encoding: self, retain: true)
                : OutboxMessage(topic: stateTopic, payload: [], retain: true),
        ]
    }
}
