import Support
import Synchronization

/// A random forest for regression: the prediction is the mean of its trees' outputs (summed in tree order in
/// 32-bit floats, then divided by the tree count).
///
/// Train one with ``train(on:parameters:createdAt:progress:)``; save and load it in Hearth's forest JSON format
/// (see `docs/model-formats.md`) with ``save(to:)`` and ``TreeModel/load(from:expectingFeatures:)``.
public struct RandomForest: Sendable {
    /// Feature names, in the order predictions expect their values.
    public let featureNames: [String]
    /// The trees.
    public let trees: [RegressionTree]
    /// How the forest was trained, when it was trained by Hearth.
    public let metadata: TrainingMetadata?
    let compiled: CompiledEnsemble
    /// The expected values and cover check TreeSHAP explanations use.
    let shapley: TreeSHAP

    /// The number of features.
    public var featureCount: Int { featureNames.count }

    /// Creates a forest from its trees, checking that every tree is sound for the features.
    /// - Throws: ``ModelError`` when there are no trees or features, names repeat or a tree is malformed.
    public init(featureNames: [String], trees: [RegressionTree], metadata: TrainingMetadata? = nil) throws(ModelError) {
        try GradientBoostedTrees.validate(featureNames: featureNames, trees: trees, path: "trees")
        guard !trees.isEmpty else { throw ModelError(.invalidStructure(path: "trees", message: "is empty")) }
        self.featureNames = featureNames
        self.trees = trees
        self.metadata = metadata
        self.compiled = CompiledEnsemble(trees: trees, featureCount: featureNames.count)
        self.shapley = TreeSHAP(trees: trees)
    }

    /// Trains a forest on a dataset's targets, honouring its row weights; trees grow in parallel on all cores,
    /// each from its own random stream, so the forest depends only on the seed.
    /// - Parameters:
    ///   - dataset: Training rows with targets (and optional weights).
    ///   - parameters: Forest settings; scikit-learn's defaults when omitted.
    ///   - createdAt: The creation time to record (ISO 8601 UTC); the library has no clock.
    ///   - progress: Called as trees finish with the number built and the total; may be called from any thread.
    /// - Returns: The forest, with metadata (data hash, parameters and training metrics).
    /// - Throws: ``TrainingError`` when the data have no targets or rows, or a parameter is out of range.
    public static func train(
        on dataset: Dataset, parameters: RandomForestParameters = RandomForestParameters(), createdAt: String,
        progress: (@Sendable (_ treesBuilt: Int, _ treeCount: Int) -> Void)? = nil
    ) throws(TrainingError) -> RandomForest {
        try parameters.validate()
        guard let targets = dataset.targets else { throw TrainingError(.noTargets) }
        guard dataset.rowCount > 0 else { throw TrainingError(.noRows) }
        let weightSum = dataset.weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(dataset.rowCount)
        guard weightSum > 0 else { throw TrainingError(.zeroTotalWeight) }
        let binned = BinnedFeatures(
            dataset: dataset, maxBins: parameters.maxBins, placement: .midpoint, rowMajorCopy: false)
        let data = ForestTrainingData(binned: binned, targets: targets, weights: dataset.weights)
        let built = Counter()
        let treeCount = parameters.treeCount
        let trees = Parallel.map(treeCount) { index in
            let grower = ForestTreeGrower(data: data, parameters: parameters, seed: parameters.seed, tree: index)
            let tree = grower.grow()
            if let progress { progress(built.increment(), treeCount) }
            return tree
        }
        let unscored = try! RandomForest(featureNames: dataset.featureNames, trees: trees)
        let predictions = unscored.compiled.predict(
            dataset, initial: 0, divisor: Float(treeCount), parallel: true)
        let metadata = TrainingMetadata(
            algorithm: "rf", rowCount: dataset.rowCount, weightSum: weightSum, dataHash: dataset.contentHash,
            targetName: dataset.targetName, parameters: parameters.namedValues,
            trainingMetrics: RegressionMetrics(predictions: predictions, targets: targets, weights: dataset.weights),
            createdAt: createdAt)
        return try! RandomForest(featureNames: dataset.featureNames, trees: trees, metadata: metadata)
    }

    /// The prediction for one row.
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    public func predict(row features: [Float]) -> Float {
        precondition(features.count == featureCount, "expected \(featureCount) feature values, got \(features.count)")
        return features.withUnsafeBufferPointer { compiled.sum(features: $0.baseAddress!, initial: 0) }
            / Float(trees.count)
    }

    /// The prediction for one row held in a buffer: no allocation, for the agent's hot path.
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    public func predict(features: UnsafeBufferPointer<Float>) -> Float {
        precondition(features.count == featureCount, "expected \(featureCount) feature values, got \(features.count)")
        return compiled.sum(features: features.baseAddress!, initial: 0) / Float(trees.count)
    }

    /// Predictions for every row of a dataset, whose features are matched to the model's by name.
    /// - Parameters:
    ///   - dataset: Rows to predict; extra columns are ignored.
    ///   - parallel: Whether to spread rows over the cores.
    /// - Throws: ``DatasetError`` when the dataset lacks one of the model's features.
    public func predict(_ dataset: Dataset, parallel: Bool = false) throws(DatasetError) -> [Float] {
        let data = try dataset.selectingFeatures(featureNames)
        return compiled.predict(data, initial: 0, divisor: Float(trees.count), parallel: parallel)
    }
}

/// Counts finished trees across threads for progress reports.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }
}
