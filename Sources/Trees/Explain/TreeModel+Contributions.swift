extension TreeModel {
    /// Why this model's predictions cannot be explained (its trees lack node covers), or `nil` when they can.
    public var explanationProblem: ExplanationError? {
        switch self {
        case .gradientBoosted(let model): model.explanationProblem
        case .randomForest(let model): model.explanationProblem
        }
    }

    /// The exact TreeSHAP contributions of one row, adding up to ``predict(row:)`` (see ``FeatureContributions``).
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    /// - Throws: ``ExplanationError`` when the trees have no node covers.
    public func contributions(row features: [Float]) throws(ExplanationError) -> FeatureContributions {
        switch self {
        case .gradientBoosted(let model): try model.contributions(row: features)
        case .randomForest(let model): try model.contributions(row: features)
        }
    }

    /// ``contributions(row:)`` for values held as `Double` (rounded to `Float`, as prediction does).
    public func contributions(for features: [Double]) throws(ExplanationError) -> FeatureContributions {
        try contributions(row: features.map { Float($0) })
    }

    /// The contributions of every row of a dataset, whose features are matched to the model's by name.
    /// - Throws: ``ExplanationError`` when the trees have no node covers or the dataset lacks a feature.
    public func contributions(
        _ dataset: Dataset, parallel: Bool = false
    ) throws(ExplanationError)
        -> [FeatureContributions]
    {
        switch self {
        case .gradientBoosted(let model): try model.contributions(dataset, parallel: parallel)
        case .randomForest(let model): try model.contributions(dataset, parallel: parallel)
        }
    }

    /// The same model with node covers recomputed from the rows it was trained on (see
    /// ``GradientBoostedTrees/recomputingCovers(from:)``).
    /// - Throws: ``ExplanationError`` when the dataset lacks one of the model's features.
    public func recomputingCovers(from dataset: Dataset) throws(ExplanationError) -> TreeModel {
        switch self {
        case .gradientBoosted(let model): .gradientBoosted(try model.recomputingCovers(from: dataset))
        case .randomForest(let model): .randomForest(try model.recomputingCovers(from: dataset))
        }
    }
}
