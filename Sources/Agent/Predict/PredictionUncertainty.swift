public import Drift

/// How sure a prediction is: a split-conformal interval from the model's own past errors on this furnace at this
/// checkpoint, and the probability that the event fails (its minimum stays above the threshold) read from the same
/// distribution.
///
/// The calibration rows are the model's live predictions on the furnace's labeled events — made before their
/// outcome was known, so out of sample — scored as |log(minimum ÷ prediction)|. Intervals are multiplicative and
/// cover the true minimum in ``coverage`` of events when the furnace's events are exchangeable over time. The
/// probability comes from the signed errors log(minimum ÷ prediction), the calibration's conformal predictive
/// distribution (``ConformalCalibration/failureProbability(prediction:threshold:testWeight:)``), the unknown event
/// counted as failing.
public struct PredictionUncertainty: Codable, Sendable, Equatable {
    /// The interval's lower and upper ends, in the pressure's unit.
    public var lowMbar: Double
    /// +∞ is written as null: too few calibration events for this coverage.
    public var highMbar: Double?
    /// The share of the conformal predictive distribution above the event's threshold.
    public var failureProbability: Double
    /// The nominal coverage of the interval.
    public var coverage: Double
    /// The labeled events the model's errors were taken from.
    public var calibrationEvents: Int

    /// The coverage of the intervals the agent publishes.
    public static let coverage = 0.9
    /// The fewest calibration events before the agent says anything: below this, 90 % intervals are unbounded.
    public static let minimumEvents = 9
    /// The most recent labeled predictions a calibration keeps.
    public static let calibrationLimit = 200

    enum CodingKeys: String, CodingKey {
        case lowMbar = "low_mbar"
        case highMbar = "high_mbar"
        case failureProbability = "failure_probability"
        case coverage
        case calibrationEvents = "calibration_events"
    }

    public init(
        lowMbar: Double, highMbar: Double?, failureProbability: Double, coverage: Double, calibrationEvents: Int
    ) {
        self.lowMbar = lowMbar
        self.highMbar = highMbar
        self.failureProbability = failureProbability
        self.coverage = coverage
        self.calibrationEvents = calibrationEvents
    }

    /// The uncertainty of a prediction, from a calibration of the same model at the same checkpoint; nil with fewer
    /// than ``minimumEvents`` calibration events or a prediction the logarithmic space cannot score.
    public init?(prediction: Double, threshold: Double, calibration: ConformalCalibration) {
        guard calibration.count >= Self.minimumEvents, prediction > 0, prediction.isFinite,
            let interval = try? calibration.interval(prediction: prediction, coverage: Self.coverage),
            let probability = try? calibration.failureProbability(prediction: prediction, threshold: threshold)
        else { return nil }
        self.init(
            lowMbar: interval.lower, highMbar: interval.upper.isFinite ? interval.upper : nil,
            failureProbability: probability, coverage: Self.coverage, calibrationEvents: calibration.count)
    }

    /// A calibration from a model's labeled predictions at one checkpoint (the most recent `limit`), nil when none
    /// can be scored.
    public static func calibration(
        from rows: [LabeledPrediction], limit: Int = calibrationLimit
    ) -> ConformalCalibration? {
        let usable = rows.filter { $0.predicted > 0 && $0.minimum > 0 }.suffix(limit)
        guard !usable.isEmpty else { return nil }
        return try? ConformalCalibration(
            predictions: usable.map(\.predicted), observations: usable.map(\.minimum), space: .logarithmic)
    }
}
