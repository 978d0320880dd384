public import Drift

/// How sure a prediction is: a split-conformal interval from the model's past errors at this checkpoint, and the
/// probability that the event fails (its minimum stays above the threshold) read from the same distribution.
///
/// The calibration rows are the model's live predictions on labeled events — made before their outcome was known,
/// so out of sample — scored as |log(minimum ÷ prediction)|: on this furnace, and on the other furnaces weighted
/// toward this one by a density ratio (``CheckpointCalibration``), so that a new furnace gets intervals from its
/// first labeled event on and one unlike the fleet gets honest, wide or unbounded ones. Intervals are
/// multiplicative and cover the true minimum in ``coverage`` of events when the furnace's events are exchangeable
/// over time and the ratio is right. The probability comes from the signed errors log(minimum ÷ prediction), the
/// calibration's conformal predictive distribution
/// (``ConformalCalibration/failureProbability(prediction:threshold:testWeight:)``), the unknown event counted as
/// failing.
public struct PredictionUncertainty: Codable, Sendable, Equatable {
    /// The interval's lower and upper ends, in the pressure's unit.
    public var lowMbar: Double
    /// +∞ is written as null: too few calibration events for this coverage.
    public var highMbar: Double?
    /// The share of the conformal predictive distribution above the event's threshold.
    public var failureProbability: Double
    /// The nominal coverage of the interval.
    public var coverage: Double
    /// The labeled events the model's errors were taken from (the fleet's and this furnace's).
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

    /// Whether a true minimum lies inside the interval (an unbounded one has no upper end).
    public func contains(_ minimum: Double) -> Bool { lowMbar <= minimum && minimum <= (highMbar ?? .infinity) }

    /// The uncertainty of a prediction, from a calibration of the same model at the same checkpoint; nil with fewer
    /// than ``minimumEvents`` calibration events or a prediction the logarithmic space cannot score.
    /// - Parameter testWeight: the prediction's own weight in a weighted calibration (1 unweighted).
    public init?(
        prediction: Double, threshold: Double, calibration: ConformalCalibration, testWeight: Double = 1
    ) {
        guard calibration.count >= Self.minimumEvents, prediction > 0, prediction.isFinite,
            let interval = try? calibration.interval(
                prediction: prediction, coverage: Self.coverage, testWeight: testWeight),
            let probability = try? calibration.failureProbability(
                prediction: prediction, threshold: threshold, testWeight: testWeight)
        else { return nil }
        self.init(
            lowMbar: interval.lower, highMbar: interval.upper.isFinite ? interval.upper : nil,
            failureProbability: probability, coverage: Self.coverage, calibrationEvents: calibration.count)
    }

    /// The uncertainty of a prediction made from these features, from a model's calibration on the furnace at the
    /// checkpoint; nil as above, or when the prediction's weight cannot be evaluated.
    public init?(
        prediction: Double, threshold: Double, calibration: CheckpointCalibration, features: [String: Double]
    ) {
        guard let weight = calibration.testWeight(features) else { return nil }
        self.init(
            prediction: prediction, threshold: threshold, calibration: calibration.calibration, testWeight: weight)
    }
}
