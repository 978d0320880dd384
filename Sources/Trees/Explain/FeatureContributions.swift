import Glibc

/// One prediction taken apart: a bias (the model's expected output over its training rows, as the node covers
/// record them) plus one contribution per feature, adding up to the model's output for the row.
///
/// The contributions are exact Shapley values of the path-dependent TreeSHAP game (Lundberg, Erion and Lee,
/// "Consistent individualized feature attribution for tree ensembles", Algorithm 2), the values XGBoost's
/// `predict(..., pred_contribs=True)` returns. They are in the space the trees add up in: for a model trained on
/// `log(minimum / pressure)` that is log space; ``exponentiated(multiplier:)`` carries them to the pressure's unit.
public struct FeatureContributions: Sendable, Equatable {
    /// The model's expected output: `base_score` plus each tree's cover-weighted mean leaf (boosting), or the mean of
    /// the trees' cover-weighted mean leaves (forests).
    public var bias: Double
    /// One contribution per feature, in the model's feature order.
    public var values: [Double]

    /// Creates contributions from their parts.
    public init(bias: Double, values: [Double]) {
        self.bias = bias
        self.values = values
    }

    /// The bias plus every contribution: the model's output for the row (to within float rounding).
    public var total: Double { values.reduce(bias, +) }

    /// The positions of the `count` largest contributions by size (absolute value), largest first; equal sizes
    /// keep feature order. For an alarm's reasons: the features that moved this prediction most, either way.
    public func strongest(_ count: Int) -> [Int] {
        let order = values.indices.sorted { a, b in
            abs(values[a]) != abs(values[b]) ? abs(values[a]) > abs(values[b]) : a < b
        }
        return Array(order.prefix(max(0, count)))
    }

    /// The contributions carried through `y = multiplier × exp(output)`, exactly: the new bias is
    /// `multiplier × exp(bias)` and each contribution `φᵢ` becomes `φᵢ × (y − new bias) / Σφ`, so that the new
    /// contributions add up to `y` exactly, keep their signs and their order of size.
    ///
    /// This shares the exact difference between the prediction and the baseline in proportion to the log-space
    /// Shapley values (the logarithmic-mean decomposition); it is not the Shapley decomposition of `y` itself,
    /// which would need the trees' outputs for every subset of features. When `Σφ` is 0 every contribution is
    /// scaled by the baseline (the limit).
    /// - Parameter multiplier: The factor in front of the exponential: the pressure at the checkpoint for a model of
    ///   `log(minimum / pressure)`, 1 for a model of `log(minimum)`.
    /// - Returns: Contributions in the unit of `y` (millibar for the pressure models).
    public func exponentiated(multiplier: Double = 1) -> FeatureContributions {
        let sum = values.reduce(0, +)
        let baseline = multiplier * exp(bias)
        // (e^S − 1) / S, computed without cancellation near S = 0.
        let ratio = abs(sum) < 1e-300 ? 1 : expm1(sum) / sum
        return FeatureContributions(bias: baseline, values: values.map { $0 * baseline * ratio })
    }
}
