extension RandomForest {
    /// Why this forest's predictions cannot be explained (its trees lack node covers), or `nil` when they can.
    public var explanationProblem: ExplanationError? { shapley.problem }

    /// The exact TreeSHAP contributions of one row: the mean of the trees' contributions, so that
    /// `bias + Σ values` is ``predict(row:)``.
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    /// - Throws: ``ExplanationError`` when the trees have no node covers.
    public func contributions(row features: [Float]) throws(ExplanationError) -> FeatureContributions {
        precondition(features.count == featureCount, "expected \(featureCount) feature values, got \(features.count)")
        return try features.withUnsafeBufferPointer { (row) throws(ExplanationError) in
            try shapley.contributions(
                trees: trees, row: row.baseAddress!, featureCount: featureCount, initial: 0,
                divisor: Double(trees.count))
        }
    }

    /// ``contributions(row:)`` for values held as `Double` (rounded to `Float`, as prediction does).
    public func contributions(for features: [Double]) throws(ExplanationError) -> FeatureContributions {
        try contributions(row: features.map { Float($0) })
    }

    /// The contributions of every row of a dataset, whose features are matched to the forest's by name.
    /// - Parameters:
    ///   - dataset: Rows to explain; extra columns are ignored.
    ///   - parallel: Whether to spread rows over the cores.
    /// - Throws: ``ExplanationError`` when the trees have no node covers or the dataset lacks a feature.
    public func contributions(
        _ dataset: Dataset, parallel: Bool = false
    ) throws(ExplanationError)
        -> [FeatureContributions]
    {
        let data: Dataset
        do { data = try dataset.selectingFeatures(featureNames) } catch { throw ExplanationError(.data(error)) }
        return try shapley.contributions(
            trees: trees, data: data, initial: 0, divisor: Double(trees.count), parallel: parallel)
    }

    /// The same forest with every node's cover recomputed as the total weight of the dataset's rows that reach it.
    ///
    /// For forest files without covers, so that they can be explained. The result has a new checksum; its metadata
    /// is kept.
    /// - Throws: ``ExplanationError`` when the dataset lacks one of the forest's features.
    public func recomputingCovers(from dataset: Dataset) throws(ExplanationError) -> RandomForest {
        let data: Dataset
        do { data = try dataset.selectingFeatures(featureNames) } catch { throw ExplanationError(.data(error)) }
        // The trees are unchanged but for their covers, so they stay valid.
        return try! RandomForest(
            featureNames: featureNames, trees: trees.map { $0.recomputingCovers(from: data) }, metadata: metadata)
    }
}
