import Glibc

/// The space a conformal score measures a residual in, and so the shape of the intervals it gives.
public enum ConformalScoreSpace: String, Sendable, Equatable, CaseIterable {
    /// |y − ŷ|: intervals ŷ ± q, of one width for every prediction.
    case absolute
    /// |log y − log ŷ|: intervals [ŷ·e^(−q), ŷ·e^q], as wide as the prediction is large (a multiplicative
    /// error). Needs positive predictions and observations; the natural space of models that predict a
    /// logarithm, such as the agent's minimum-pressure models.
    case logarithmic

    /// The score of one observation against its prediction.
    /// - Returns: The score, or `nil` when the space cannot measure the pair (a non-positive value in the
    ///   logarithmic space, or a value that is not finite).
    public func score(prediction: Double, observation: Double) -> Double? {
        guard prediction.isFinite, observation.isFinite else { return nil }
        switch self {
        case .absolute:
            return abs(observation - prediction)
        case .logarithmic:
            guard prediction > 0, observation > 0 else { return nil }
            return abs(log(observation) - log(prediction))
        }
    }
}
