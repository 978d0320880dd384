/// How often the intervals a furnace was served held: each labeled event's deciding prediction at a checkpoint, with
/// the interval stored with it when it was made, counts as covered when the true minimum fell inside.
public struct IntervalCoverage: Codable, Sendable, Equatable {
    /// The nominal coverage.
    public var coverage: Double
    /// The checkpoint measured, seconds into the event.
    public var checkpoint: Int
    /// Events scored: those whose prediction was stored with an interval.
    public var events: Int
    /// The share of them whose minimum lay inside its interval.
    public var coveredShare: Double?
    /// The median interval's upper ÷ lower end (the width of a multiplicative interval), over the bounded ones.
    public var medianWidthFactor: Double?
    /// The share of the scored intervals without an upper end (the calibration could not bound them).
    public var unboundedShare: Double?
    /// Labeled events whose prediction carried no interval (too few calibration events).
    public var withoutInterval: Int

    enum CodingKeys: String, CodingKey {
        case coverage, checkpoint, events
        case coveredShare = "covered_share"
        case medianWidthFactor = "median_width_factor"
        case unboundedShare = "unbounded_share"
        case withoutInterval = "without_interval"
    }

    /// The coverage of the intervals stored with some labeled predictions at one checkpoint.
    public init(served rows: [LabeledPrediction], checkpoint: Int) {
        let at = rows.filter { $0.checkpoint == checkpoint }
        var covered = 0
        var scored = 0
        var unbounded = 0
        var widths: [Double] = []
        for row in at {
            guard let interval = row.uncertainty else { continue }
            scored += 1
            let upper = interval.highMbar ?? .infinity
            if interval.contains(row.minimum) { covered += 1 }
            if upper.isFinite, interval.lowMbar > 0 { widths.append(upper / interval.lowMbar) } else { unbounded += 1 }
        }
        widths.sort()
        self.coverage = at.compactMap(\.uncertainty?.coverage).first ?? PredictionUncertainty.coverage
        self.checkpoint = checkpoint
        self.events = scored
        self.coveredShare = scored > 0 ? Double(covered) / Double(scored) : nil
        self.medianWidthFactor = widths.isEmpty ? nil : widths[widths.count / 2]
        self.unboundedShare = scored > 0 ? Double(unbounded) / Double(scored) : nil
        self.withoutInterval = at.count - scored
    }
}
