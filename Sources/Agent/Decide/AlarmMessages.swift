public import Plant

/// The payloads of alarm, outcome and decision messages (documented in docs/alarms.md).
public enum AlarmMessages {
    /// The alarm message and the retained state update for an alarm's current state.
    public static func messages(
        for alarm: AlarmRecord, topics: MessageTopics, at time: Int64, source: String
    )
        -> [OutboxMessage]
    {
        let payload = JSONValue.object([
            "alarm_id": .string(alarm.id),
            "device": .string(alarm.device),
            "event_id": .number(Double(alarm.eventID)),
            "event_start": .string(PlantTime.iso8601(alarm.eventStart)),
            "sequence": .number(Double(alarm.sequence)),
            "state": .string(alarm.state),
            "severity": .string(alarm.severity),
            "predicted_minimum_mbar": .number(alarm.predicted),
            "threshold_mbar": .number(alarm.threshold),
            "seconds_into_event": .number(Double(alarm.raisedAtSeconds)),
            "model_version": .number(Double(alarm.modelVersion)),
            "prediction_source": .string(source),
            "raised_at": .string(PlantTime.iso8601(alarm.raisedTime)),
            "time": .string(PlantTime.iso8601(time)),
        ])
        let stateTopic = topics.alarmState(device: alarm.device, eventStart: alarm.eventStart)
        return [
            OutboxMessage(topic: topics.alarms(device: alarm.device), json: payload),
            // While active the state topic holds the alarm (retained); afterwards an empty retained message
            // removes it, so a subscriber that joins late sees exactly the active alarms.
            alarm.state == "active"
                ? OutboxMessage(topic: stateTopic, json: payload, retain: true)
                : OutboxMessage(topic: stateTopic, payload: [], retain: true),
        ]
    }

    /// The outcome of a finished event.
    public static func outcome(
        device: String, eventID: Int64, start: Int64, end: Int64, minimum: Double, source: String, threshold: Double,
        failed: Bool, alarm: AlarmRecord?, lastPrediction: (value: Double, model: Int)?, topics: MessageTopics
    ) -> OutboxMessage {
        var members: [String: JSONValue] = [
            "device": .string(device),
            "event_id": .number(Double(eventID)),
            "event_start": .string(PlantTime.iso8601(start)),
            "event_end": .string(PlantTime.iso8601(end)),
            "minimum_mbar": .number(minimum),
            "minimum_source": .string(source),
            "threshold_mbar": .number(threshold),
            "failed": .bool(failed),
            "alarm_id": alarm.map { .string($0.id) } ?? .null,
            "alarm_state": alarm.map { .string($0.state) } ?? .null,
        ]
        if let lastPrediction {
            members["predicted_minimum_mbar"] = .number(lastPrediction.value)
            members["model_version"] = .number(Double(lastPrediction.model))
        }
        return OutboxMessage(topic: topics.outcomes(device: device), json: .object(members))
    }

    /// A decision of the audit log.
    public static func decision(
        kind: String, device: String?, modelVersion: Int?, summary: String, details: JSONValue, time: Int64,
        topics: MessageTopics
    ) -> OutboxMessage {
        OutboxMessage(
            topic: topics.decisions,
            json: .object([
                "kind": .string(kind), "device": device.map { .string($0) } ?? .null,
                "model_version": modelVersion.map { .number(Double($0)) } ?? .null, "summary": .string(summary),
                "details": details, "time": .string(PlantTime.iso8601(time)),
            ]))
    }
}
