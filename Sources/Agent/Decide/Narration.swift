import Plant
import Support

/// The lines the agent tells a person watching it (the demo, `hearth run`'s output): one formatter for predictions,
/// alarms, outcomes and decisions, each line stamped with its plant time.
public enum Narration {
    /// A deciding prediction from `alarm_from` on, with the shadows' beside it.
    static func prediction(device: String, checkpoint: FurnaceSession.CheckpointResult, time: Int64) -> String? {
        guard let decisive = checkpoint.decisive else { return nil }
        let beside = checkpoint.predictions.filter { $0.role == .shadow || $0.role == .watch }.map {
            ", \($0.role.rawValue) v\($0.modelVersion): \(mbar($0.predicted))"
        }.joined()
        return
            "\(PlantTime.readable(time))  \(device)  prediction at \(checkpoint.seconds) s: minimum \(mbar(decisive.value)) mbar "
            + "(threshold \(mbar(checkpoint.threshold)), \(source(decisive.model)))\(beside)"
    }

    /// A raised or escalated alarm.
    static func alarm(_ alarm: AlarmRecord, escalated: Bool) -> String {
        "\(PlantTime.readable(alarm.updatedTime))  \(alarm.device)  ALARM \(alarm.severity.rawValue)\(escalated ? " (escalated)" : ""): "
            + "predicted minimum \(mbar(alarm.predicted)) mbar > \(mbar(alarm.threshold)) at \(alarm.raisedAtSeconds) s "
            + "(\(source(alarm.modelVersion)))"
    }

    /// An event's outcome.
    static func outcome(_ label: FurnaceSession.LabelResult, device: String) -> String {
        let alarmed = label.resolvedAlarm != nil
        let verdict =
            label.failed
            ? (alarmed ? "failed, alarm confirmed" : "failed, NOT alarmed")
            : (alarmed ? "reached vacuum, alarm cleared" : "reached vacuum")
        return
            "\(PlantTime.readable(label.end))  \(device)  event ended: minimum \(mbar(label.minimum)) mbar, \(verdict)"
            + (label.event.last.map { " (last prediction \(mbar($0.value)))" } ?? "")
    }

    /// A decision of the audit log.
    static func decision(_ decision: Decision) -> String {
        let loud: Set<DecisionKind> = [.promotion, .rollback, .drift, .conceptDrift, .onboarded]
        let label = loud.contains(decision.kind) ? decision.kind.rawValue.uppercased() + ": " : ""
        return
            "\(PlantTime.readable(decision.time))  \(decision.device.map { "\($0)  " } ?? "")\(label)\(decision.summary)"
    }

    /// What predicted: `model v3` or `fallback rule`.
    static func source(_ model: Int) -> String { model == 0 ? "fallback rule" : "model v\(model)" }

    /// A pressure, 3 decimals.
    static func mbar(_ value: Double) -> String { NumberFormat.fixed(value, decimals: 3, trimmingZeros: true) }
}
