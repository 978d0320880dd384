import Support

/// The classifier two-sample test: how well a logistic regression tells current rows from reference rows, measured
/// by its cross-validated area under the ROC curve (Lopez-Paz & Oquab 2017).
///
/// An AUC near ½ means the samples look alike; the distance from ½ is the effect size. Rows are split into
/// stratified folds (seeded); each fold is scored by a model fitted on the others, and the AUC is computed over all
/// out-of-fold scores. The p-value is the Mann–Whitney normal approximation for AUC > ½.
///
/// The model sees features standardised on the pooled rows plus their centred squares (see `DomainDesign`),
/// with an L2 penalty λ on the coefficients.
public struct DomainClassifier: Sendable, Equatable {
    /// The cross-validated AUC of "current" against "reference".
    public let areaUnderCurve: Double
    /// The one-sided p-value for AUC > ½.
    public let pValue: Double
    /// The number of folds used.
    public let folds: Int

    /// Runs the test.
    /// - Parameters:
    ///   - reference: The reference sample.
    ///   - current: The current sample, with the same features.
    ///   - folds: Cross-validation folds (≥ 2); fewer are used if a sample has fewer rows.
    ///   - penalty: The L2 penalty λ.
    ///   - quadratic: Whether the model also sees squared features.
    ///   - seed: Seeds the fold assignment.
    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature, or an
    ///   invalid number of folds or penalty.
    public init(
        reference: FeatureMatrix, current: FeatureMatrix, folds: Int = 5, penalty: Double = 1, quadratic: Bool = true,
        seed: UInt64 = 0
    ) throws(DriftError) {
        guard folds >= 2 else {
            throw .invalidParameter(name: "folds", value: Double(folds), requirement: "at least 2")
        }
        let design = try DomainDesign(
            reference, current, names: ("reference", "current"), quadratic: quadratic, penalty: penalty)
        let labels = design.labels
        let usedFolds = min(folds, reference.rowCount, current.rowCount)
        // Stratified: shuffle each class and deal its rows round-robin into the folds.
        var generator = SeededGenerator(seed: seed)
        var fold = [Int](repeating: 0, count: design.rows)
        for (offset, count) in [(0, reference.rowCount), (reference.rowCount, current.rowCount)] {
            for (position, index) in generator.sample(count, from: count).enumerated() {
                fold[offset + index] = position % usedFolds
            }
        }
        var scores = [Double](repeating: 0, count: design.rows)
        for held in 0..<usedFolds {
            let training = (0..<design.rows).filter { fold[$0] != held }
            var values: [Double] = []
            values.reserveCapacity(training.count * design.columns)
            for row in training {
                values.append(contentsOf: design.values[(row * design.columns)..<((row + 1) * design.columns)])
            }
            let model = LogisticRegression.fit(
                features: values, rows: training.count, columns: design.columns, labels: training.map { labels[$0] },
                penalty: penalty)
            for row in 0..<design.rows where fold[row] == held {
                scores[row] = LogisticRegression.linearPredictor(model.coefficients, design.values, row, design.columns)
            }
        }
        areaUnderCurve = AreaUnderCurve.of(scores: scores, labels: labels)
        pValue = AreaUnderCurve.pValue(areaUnderCurve, positives: current.rowCount, negatives: reference.rowCount)
        self.folds = usedFolds
    }
}
