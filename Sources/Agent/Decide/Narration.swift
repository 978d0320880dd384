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
            + (decisive.uncertainty.map { interval($0) + " " } ?? "")
            + "(threshold \(mbar(checkpoint.threshold)), \(source(decisive.model)))\(beside)"
    }

    /// A raised or escalated alarm, with what raised it.
    static func alarm(_ alarm: AlarmRecord, escalated: Bool) -> String {
        let head =
            "\(PlantTime.readable(alarm.updatedTime))  \(alarm.device)  ALARM \(alarm.severity.rawValue)\(escalated ? " (escalated)" : ""): "
        let minimum =
            "predicted minimum \(mbar(alarm.predicted)) mbar > \(mbar(alarm.threshold)) at \(alarm.raisedAtSeconds) s "
            + "(\(source(alarm.modelVersion)))"
        switch alarm.raisedOn {
        case .failureProbability:
            let probability = alarm.uncertainty.map { NumberFormat.percent(100 * $0.failureProbability) } ?? "?"
            return head
                + "failure probability \(probability) at \(alarm.raisedAtSeconds) s, predicted minimum "
                + "\(mbar(alarm.predicted)) mbar (threshold \(mbar(alarm.threshold)), \(source(alarm.modelVersion)))"
        case .predictedMinimumNoProbability:
            return head + minimum + "; no failure probability yet (fewer than "
                + "\(PredictionUncertainty.minimumEvents) labeled events of this model to calibrate on), judged by the minimum"
        case .predictedMinimum, nil:
            return head + minimum
        }
    }

    /// A 90 % interval: `[0.8–2.1]`, `[0.8–∞]` when unbounded.
    static func interval(_ uncertainty: PredictionUncertainty) -> String {
        "[\(mbar(uncertainty.lowMbar))–\(uncertainty.highMbar.map(mbar) ?? "∞")]"
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
