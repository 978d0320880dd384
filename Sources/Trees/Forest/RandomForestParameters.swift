/// Settings of a random forest, with scikit-learn's `RandomForestRegressor` defaults.
public struct RandomForestParameters: Sendable, Equatable {
    /// How many features each split may choose from (`max_features`).
    public enum FeaturesPerSplit: Sendable, Equatable {
        /// Every feature (scikit-learn's regressor default, `1.0`).
        case all
        /// The square root of the feature count, rounded down, at least 1 (`"sqrt"`).
        case squareRoot
        /// The base-2 logarithm of the feature count, rounded down, at least 1 (`"log2"`).
        case log2
        /// A fraction of the features, rounded down, at least 1 (a float `max_features`).
        case fraction(Double)
        /// A fixed number of features, at most the feature count (an integer `max_features`).
        case count(Int)

        /// The number of features for a dataset with `featureCount` features.
        public func resolved(featureCount: Int) -> Int {
            let count: Int
            switch self {
            case .all: count = featureCount
            case .squareRoot: count = Int(Double(featureCount).squareRoot())
            case .log2: count = Int(Double(featureCount).log2Floor)
            case .fraction(let share): count = Int(share * Double(featureCount))
            case .count(let fixed): count = fixed
            }
            return min(featureCount, max(1, count))
        }

        var name: String {
            switch self {
            case .all: "1.0"
            case .squareRoot: "sqrt"
            case .log2: "log2"
            case .fraction(let share): "\(share)"
            case .count(let fixed): "\(fixed)"
            }
        }
    }

    /// The number of trees (`n_estimators`). Default 100.
    public var treeCount = 100
    /// The deepest a tree may grow (`max_depth`); `nil` grows until leaves are pure or too small. Default `nil`.
    public var maxDepth: Int?
    /// The fewest rows a node needs to be split (`min_samples_split`). Default 2.
    public var minSamplesSplit = 2
    /// The fewest rows each leaf keeps (`min_samples_leaf`). Default 1.
    public var minSamplesLeaf = 1
    /// How many features each split may choose from (`max_features`). Default all.
    public var featuresPerSplit = FeaturesPerSplit.all
    /// Whether each tree learns from a bootstrap sample (`bootstrap`); the rows drawn keep their weights, multiplied
    /// by how often they were drawn, as in scikit-learn. Default `true`.
    public var bootstrap = true
    /// The most bins per feature, 2...256 (split thresholds fall between neighbouring bins' values). Default 256.
    public var maxBins = 256
    /// The seed of bootstrap and feature draws (`random_state`). Default 0.
    public var seed: UInt64 = 0

    /// scikit-learn's defaults.
    public init() {}

    /// The largest `min_samples_split` and `min_samples_leaf`: more rows than any dataset this library reads.
    public static let maximumSampleCount = 1 << 32

    /// Checks every parameter's range.
    /// - Throws: ``TrainingError`` naming the first parameter out of range.
    public func validate() throws(TrainingError) {
        try TrainingError.check(
            (1...GradientBoostingParameters.maximumTreeCount).contains(treeCount), "n_estimators", treeCount,
            "must be in 1...\(GradientBoostingParameters.maximumTreeCount)")
        if let maxDepth { try TrainingError.check(maxDepth >= 1, "max_depth", maxDepth, "must be at least 1") }
        // Bounded above so that the grower's `2 * min_samples_leaf` cannot overflow.
        try TrainingError.check(
            (2...Self.maximumSampleCount).contains(minSamplesSplit), "min_samples_split", minSamplesSplit,
            "must be in 2...\(Self.maximumSampleCount)")
        try TrainingError.check(
            (1...Self.maximumSampleCount).contains(minSamplesLeaf), "min_samples_leaf", minSamplesLeaf,
            "must be in 1...\(Self.maximumSampleCount)")
        switch featuresPerSplit {
        case .fraction(let share):
            try TrainingError.check(share > 0 && share <= 1, "max_features", share, "must be in (0, 1]")
        case .count(let fixed): try TrainingError.check(fixed >= 1, "max_features", fixed, "must be at least 1")
        default: break
        }
        try TrainingError.check((2...256).contains(maxBins), "max_bins", maxBins, "must be in 2...256")
    }

    /// The parameters by scikit-learn's names, for model metadata.
    public var namedValues: [String: String] {
        [
            "n_estimators": "\(treeCount)", "max_depth": maxDepth.map { "\($0)" } ?? "None",
            "min_samples_split": "\(minSamplesSplit)", "min_samples_leaf": "\(minSamplesLeaf)",
            "max_features": featuresPerSplit.name, "bootstrap": bootstrap ? "True" : "False",
            "max_bins": "\(maxBins)", "random_state": "\(seed)", "criterion": "squared_error",
        ]
    }
}

extension Double {
    /// ⌊log₂(self)⌋ for self ≥ 1, computed exactly from the exponent.
    fileprivate var log2Floor: Int { self >= 1 ? Int(exponent) : 0 }
}
