import Plant

/// The payload of an outcome message, on `<prefix>/outcomes/<device>` when an event's true minimum is known
/// (docs/alarms.md, "Outcome message").
public struct OutcomeMessage: Codable, Sendable, Equatable {
    public var device: String
    public var eventID: Int64
    /// ISO 8601, plant time.
    public var eventStart: String
    public var eventEnd: String
    /// The event's true minimum pressure.
    public var minimumMbar: Double
    public var minimumSource: MinimumSource
    public var thresholdMbar: Double
    /// The minimum stayed above the threshold.
    public var failed: Bool
    /// `null` when no alarm was raised: with `failed: true` that is a missed failure.
    public var alarmID: String?
    public var alarmState: AlarmState?
    /// The deciding model's last prediction for the event, when there was one.
    public var predictedMinimumMbar: Double?
    public var modelVersion: Int?

    enum CodingKeys: String, CodingKey {
        case device
        case eventID = "event_id"
        case eventStart = "event_start"
        case eventEnd = "event_end"
        case minimumMbar = "minimum_mbar"
        case minimumSource = "minimum_source"
        case thresholdMbar = "threshold_mbar"
        case failed
        case alarmID = "alarm_id"
        case alarmState = "alarm_state"
        case predictedMinimumMbar = "predicted_minimum_mbar"
        case modelVersion = "model_version"
    }

    public init(
        device: String, eventID: Int64, eventStart: Int64, eventEnd: Int64, minimum: Double, source: MinimumSource,
        threshold: Double, failed: Bool, alarm: AlarmRecord?, lastPrediction: (value: Double, model: Int)?
    ) {
        self.device = device
        self.eventID = eventID
        self.eventStart = PlantTime.iso8601(eventStart)
        self.eventEnd = PlantTime.iso8601(eventEnd)
        minimumMbar = minimum
        minimumSource = source
        thresholdMbar = threshold
        self.failed = failed
        alarmID = alarm?.id
        alarmState = alarm?.state
        predictedMinimumMbar = lastPrediction?.value
        modelVersion = lastPrediction?.model
    }

    /// `alarm_id` and `alarm_state` are written as `null` when absent (subscribers test for them); the last
    /// prediction is left out when there was none.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(device, forKey: .device)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(eventStart, forKey: .eventStart)
        try container.encode(eventEnd, forKey: .eventEnd)
        try container.encode(minimumMbar, forKey: .minimumMbar)
        try container.encode(minimumSource, forKey: .minimumSource)
        try container.encode(thresholdMbar, forKey: .thresholdMbar)
        try container.encode(failed, forKey: .failed)
        try container.encode(alarmID, forKey: .alarmID)
        try container.encode(alarmState, forKey: .alarmState)
        try container.encodeIfPresent(predictedMinimumMbar, forKey: .predictedMinimumMbar)
        try container.encodeIfPresent(modelVersion, forKey: .modelVersion)
    }
}
