/// Settings of gradient boosting in XGBoost's "hist" style, with XGBoost's defaults.
///
/// Each property names the XGBoost parameter it matches; models trained with the same values are comparable.
public struct GradientBoostingParameters: Sendable, Equatable {
    /// The number of boosting rounds, one tree each (`num_boost_round`, `n_estimators`). Default 100.
    public var treeCount = 100
    /// The deepest a tree may grow (`max_depth`); 0 is not allowed. Default 6.
    public var maxDepth = 6
    /// The factor applied to every leaf value (`eta`, `learning_rate`). Default 0.3.
    public var learningRate: Float = 0.3
    /// L2 regularization of leaf values (`lambda`, `reg_lambda`). Default 1.
    public var l2Regularization: Double = 1
    /// The loss reduction a split must achieve to be made (`gamma`, `min_split_loss`). Default 0.
    public var minSplitLoss: Double = 0
    /// The least hessian sum (for squared error: weight sum) each child must keep (`min_child_weight`). Default 1.
    public var minChildWeight: Double = 1
    /// The probability that a row takes part in a given tree (`subsample`), in (0, 1]. Default 1.
    public var subsample: Double = 1
    /// The fraction of features each tree may split on (`colsample_bytree`), in (0, 1]. Default 1.
    public var columnSampleByTree: Double = 1
    /// The most histogram bins per feature (`max_bin`), 2...256. Default 256.
    public var maxBins = 256
    /// The starting prediction (`base_score`); `nil` uses the weighted mean of the targets, as XGBoost 2 and
    /// later do for squared error.
    public var baseScore: Float?
    /// The seed of row and feature sampling. Default 0.
    public var seed: UInt64 = 0

    /// Bytes of histograms kept per tree level for the subtraction trick; wider levels sum every histogram.
    var histogramMemoryBudget = 32 << 20

    /// The most trees one model may have: far beyond any useful model, and a bound on the memory reserved for them.
    public static let maximumTreeCount = 100_000

    /// XGBoost's defaults.
    public init() {}

    /// Checks every parameter's range.
    /// - Throws: ``TrainingError`` naming the first parameter out of range.
    public func validate() throws(TrainingError) {
        try TrainingError.check(
            (1...Self.maximumTreeCount).contains(treeCount), "num_boost_round", treeCount,
            "must be in 1...\(Self.maximumTreeCount)")
        try TrainingError.check((1...63).contains(maxDepth), "max_depth", maxDepth, "must be in 1...63")
        try TrainingError.check(
            learningRate.isFinite && learningRate > 0, "eta", learningRate, "must be a finite number > 0")
        try TrainingError.check(
            l2Regularization.isFinite && l2Regularization >= 0, "lambda", l2Regularization, "must be ≥ 0")
        try TrainingError.check(minSplitLoss.isFinite && minSplitLoss >= 0, "gamma", minSplitLoss, "must be ≥ 0")
        try TrainingError.check(
            minChildWeight.isFinite && minChildWeight >= 0, "min_child_weight", minChildWeight, "must be ≥ 0")
        try TrainingError.check(subsample > 0 && subsample <= 1, "subsample", subsample, "must be in (0, 1]")
        try TrainingError.check(
            columnSampleByTree > 0 && columnSampleByTree <= 1, "colsample_bytree", columnSampleByTree,
            "must be in (0, 1]")
        try TrainingError.check((2...256).contains(maxBins), "max_bin", maxBins, "must be in 2...256")
        if let baseScore {
            try TrainingError.check(baseScore.isFinite, "base_score", baseScore, "must be finite")
        }
    }

    /// The parameters by XGBoost's names, for model metadata.
    public var namedValues: [String: String] {
        var values = [
            "num_boost_round": "\(treeCount)", "max_depth": "\(maxDepth)", "eta": "\(learningRate)",
            "lambda": "\(l2Regularization)", "gamma": "\(minSplitLoss)", "min_child_weight": "\(minChildWeight)",
            "subsample": "\(subsample)", "colsample_bytree": "\(columnSampleByTree)", "max_bin": "\(maxBins)",
            "seed": "\(seed)", "tree_method": "hist", "objective": "reg:squarederror",
        ]
        if let baseScore { values["base_score"] = "\(baseScore)" }
        return values
    }
}
