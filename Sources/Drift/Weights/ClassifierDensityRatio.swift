import Glibc

/// Importance weights from a probabilistic classifier (the domain classifier read as a density-ratio estimator):
/// by Bayes' rule p_target(x)/p_source(x) = (nₛ/n_t) · P(target | x)/P(source | x), and the odds are exp of the
/// logistic regression's log-odds.
///
/// The model is the one of ``DomainClassifier``: features standardised on the pooled rows plus their centred squares,
/// with an L2 penalty λ, fitted on all rows of both samples.
public struct ClassifierDensityRatio: Sendable {
    /// The L2 penalty λ.
    public var penalty: Double
    /// Whether the model also sees squared features.
    public var quadratic: Bool

    /// Configures the method.
    public init(penalty: Double = 1, quadratic: Bool = true) {
        self.penalty = penalty
        self.quadratic = quadratic
    }

    /// Estimates w at the source rows.
    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature, or an
    ///   invalid penalty.
    public func weights(source: FeatureMatrix, target: FeatureMatrix) throws(DriftError) -> [Double] {
        try fit(source: source, target: target).ratio(at: source)
    }

    /// Fits the ratio as a function that can be evaluated at any row, such as new points.
    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature, or an
    ///   invalid penalty.
    public func fit(source: FeatureMatrix, target: FeatureMatrix) throws(DriftError) -> DensityRatio {
        let design = try DomainDesign(
            source, target, names: ("source", "target"), quadratic: quadratic, penalty: penalty)
        let model = LogisticRegression.fit(
            features: design.values, rows: design.rows, columns: design.columns, labels: design.labels,
            penalty: penalty)
        return DensityRatio(
            featureNames: source.featureNames, scale: design.scale,
            form: .logistic(
                coefficients: model.coefficients, quadratic: quadratic,
                prior: Double(source.rowCount) / Double(target.rowCount)))
    }
}
