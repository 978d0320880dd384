/// How often the agent's prediction intervals held on a furnace, measured the way they are used: each labeled
/// event's prediction at a checkpoint gets the interval calibrated on the events before it only (as the alarm
/// would have had it), and counts as covered when the true minimum fell inside.
public struct IntervalCoverage: Codable, Sendable, Equatable {
    /// The nominal coverage.
    public var coverage: Double
    /// The checkpoint measured, seconds into the event.
    public var checkpoint: Int
    /// Events scored (those with at least ``PredictionUncertainty/minimumEvents`` before them).
    public var events: Int
    /// The share of them whose minimum lay inside its interval.
    public var coveredShare: Double?
    /// The median interval's upper ÷ lower end (the width of a multiplicative interval).
    public var medianWidthFactor: Double?

    enum CodingKeys: String, CodingKey {
        case coverage, checkpoint, events
        case coveredShare = "covered_share"
        case medianWidthFactor = "median_width_factor"
    }

    /// Replays a model's labeled predictions at one checkpoint in event order.
    /// - Parameter window: the most recent events each calibration uses, as the agent's own.
    public static func replay(
        _ rows: [LabeledPrediction], checkpoint: Int, window: Int = 200
    ) -> IntervalCoverage {
        let ordered = rows.filter { $0.checkpoint == checkpoint && $0.predicted > 0 && $0.minimum > 0 }
            .sorted { $0.eventStart < $1.eventStart }
        var covered = 0
        var scored = 0
        var widths: [Double] = []
        for index in ordered.indices where index >= PredictionUncertainty.minimumEvents {
            let past = Array(ordered[max(0, index - window)..<index])
            guard let calibration = PredictionUncertainty.calibration(from: past, limit: window),
                let interval = try? calibration.interval(
                    prediction: ordered[index].predicted, coverage: PredictionUncertainty.coverage)
            else { continue }
            scored += 1
            if interval.contains(ordered[index].minimum) { covered += 1 }
            if interval.upper.isFinite, interval.lower > 0 { widths.append(interval.upper / interval.lower) }
        }
        widths.sort()
        return IntervalCoverage(
            coverage: PredictionUncertainty.coverage, checkpoint: checkpoint, events: scored,
            coveredShare: scored > 0 ? Double(covered) / Double(scored) : nil,
            medianWidthFactor: widths.isEmpty ? nil : widths[widths.count / 2])
    }
}
