import Support

/// A gradient-boosted tree ensemble for regression: the prediction is `base_score` plus the sum of every tree's
/// leaf output, added in tree order in 32-bit floats, exactly as XGBoost predicts.
///
/// Train one with ``train(on:parameters:createdAt:progress:)``, read an XGBoost JSON model with
/// ``init(xgboostJSON:source:expectingFeatures:)`` (or ``TreeModel/load(from:expectingFeatures:)``), and write one
/// with ``save(to:)`` in XGBoost's JSON format, which `xgboost.Booster().load_model()` reads.
public struct GradientBoostedTrees: Sendable {
    /// The objective functions whose predictions are the raw sum of the trees (identity link).
    public static let supportedObjectives: Set<String> = [
        "reg:squarederror", "reg:linear", "reg:absoluteerror", "reg:pseudohubererror",
    ]

    /// Feature names, in the order predictions expect their values.
    public let featureNames: [String]
    /// The starting prediction every tree adds to (XGBoost's `base_score`).
    public let baseScore: Float
    /// The trees, in boosting order.
    public let trees: [RegressionTree]
    /// The XGBoost objective name, `reg:squarederror` for models trained here.
    public let objective: String
    /// How the model was trained, when it was trained by Hearth.
    public let metadata: TrainingMetadata?
    let compiled: CompiledEnsemble
    /// The expected values and cover check TreeSHAP explanations use.
    let shapley: TreeSHAP

    /// The number of features.
    public var featureCount: Int { featureNames.count }

    /// Creates a model from its parts, checking that every tree is sound for the features.
    /// - Throws: ``ModelError`` when there are no features, names repeat, the objective is not supported or a
    ///   tree is malformed.
    public init(
        featureNames: [String], baseScore: Float, trees: [RegressionTree], objective: String = "reg:squarederror",
        metadata: TrainingMetadata? = nil
    ) throws(ModelError) {
        try Self.validate(featureNames: featureNames, trees: trees, path: "trees")
        guard baseScore.isFinite else {
            throw ModelError(.invalidStructure(path: "base_score", message: "must be finite"))
        }
        guard Self.supportedObjectives.contains(objective) else {
            throw ModelError(
                .unsupported(
                    "objective \(objective); supported: \(Self.supportedObjectives.sorted().joined(separator: ", "))"))
        }
        self.featureNames = featureNames
        self.baseScore = baseScore
        self.trees = trees
        self.objective = objective
        self.metadata = metadata
        self.compiled = CompiledEnsemble(trees: trees, featureCount: featureNames.count)
        self.shapley = TreeSHAP(trees: trees)
    }

    static func validate(featureNames: [String], trees: [RegressionTree], path: String) throws(ModelError) {
        guard !featureNames.isEmpty else {
            throw ModelError(.invalidStructure(path: "feature_names", message: "is empty; a model needs a feature"))
        }
        guard Set(featureNames).count == featureNames.count else {
            throw ModelError(.invalidStructure(path: "feature_names", message: "repeats a name"))
        }
        for (index, tree) in trees.enumerated() {
            if let problem = tree.validate(featureCount: featureNames.count) {
                throw ModelError(.invalidStructure(path: "\(path)[\(index)]", message: problem))
            }
        }
    }

    /// Trains a model on a dataset's targets, honouring its row weights.
    /// - Parameters:
    ///   - dataset: Training rows with targets (and optional weights).
    ///   - parameters: Boosting settings; XGBoost's defaults when omitted.
    ///   - createdAt: The creation time to record (ISO 8601 UTC); the library has no clock.
    ///   - progress: Called after each tree with the number built and the total; may be called from any thread.
    /// - Returns: The model, with metadata (data hash, parameters and training metrics).
    /// - Throws: ``TrainingError`` when the data have no targets or rows, or a parameter is out of range.
    public static func train(
        on dataset: Dataset, parameters: GradientBoostingParameters = GradientBoostingParameters(),
        createdAt: String, progress: (@Sendable (_ treesBuilt: Int, _ treeCount: Int) -> Void)? = nil
    ) throws(TrainingError) -> GradientBoostedTrees {
        let result = try GradientBoostingTrainer.train(dataset: dataset, parameters: parameters, progress: progress)
        let metadata = TrainingMetadata(
            algorithm: "gbdt", rowCount: dataset.rowCount,
            weightSum: dataset.weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(dataset.rowCount),
            dataHash: dataset.contentHash, targetName: dataset.targetName, parameters: parameters.namedValues,
            trainingMetrics: RegressionMetrics(
                predictions: result.trainingPredictions, targets: dataset.targets!, weights: dataset.weights),
            createdAt: createdAt)
        // The trainer makes trees of valid shape; only values overflowed by a huge learning rate or target fail.
        do {
            return try GradientBoostedTrees(
                featureNames: dataset.featureNames, baseScore: result.baseScore, trees: result.trees,
                metadata: metadata)
        } catch {
            throw TrainingError(.diverged("\(error)"))
        }
    }

    /// This model with `parameters.treeCount` more trees, boosted on a dataset from where this model's predictions
    /// stand (XGBoost's training continued from `xgb_model`): the new trees fit what this model still gets wrong on
    /// those rows, and its own trees and base score are kept as they are.
    /// - Parameters:
    ///   - dataset: Rows with this model's features, in its order, and targets in its output space.
    ///   - parameters: The new trees' settings (`base_score` is ignored: the model's own stays).
    ///   - createdAt: The creation time to record.
    /// - Throws: ``TrainingError`` when the dataset's features differ from the model's, or as ``train(on:parameters:createdAt:progress:)``.
    public func continued(
        on dataset: Dataset, parameters: GradientBoostingParameters, createdAt: String
    ) throws(TrainingError) -> GradientBoostedTrees {
        try TrainingError.check(
            dataset.featureNames == featureNames, "features", dataset.featureNames.joined(separator: ","),
            "must be the model's features in its order (\(featureNames.joined(separator: ",")))")
        let start = (0..<dataset.rowCount).map { row in predict(row: dataset.row(row)) }
        var continuing = parameters
        continuing.baseScore = baseScore
        let result = try GradientBoostingTrainer.train(
            dataset: dataset, parameters: continuing, startingFrom: start, progress: nil)
        var named = parameters.namedValues
        named["continued_from_trees"] = "\(trees.count)"
        let metadata = TrainingMetadata(
            algorithm: "gbdt", rowCount: dataset.rowCount,
            weightSum: dataset.weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(dataset.rowCount),
            dataHash: dataset.contentHash, targetName: dataset.targetName ?? self.metadata?.targetName,
            parameters: (self.metadata?.parameters ?? [:]).merging(named) { _, new in new },
            trainingMetrics: RegressionMetrics(
                predictions: result.trainingPredictions, targets: dataset.targets!, weights: dataset.weights),
            createdAt: createdAt)
        do {
            return try GradientBoostedTrees(
                featureNames: featureNames, baseScore: baseScore, trees: trees + result.trees, objective: objective,
                metadata: metadata)
        } catch {
            throw TrainingError(.diverged("\(error)"))
        }
    }

    /// The prediction for one row.
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    public func predict(row features: [Float]) -> Float {
        precondition(features.count == featureCount, "expected \(featureCount) feature values, got \(features.count)")
        return features.withUnsafeBufferPointer { compiled.sum(features: $0.baseAddress!, initial: baseScore) }
    }

    /// The prediction for one row held in a buffer: no allocation, for the agent's hot path.
    /// - Parameter features: One value per feature, in ``featureNames`` order; `Float.nan` is missing.
    public func predict(features: UnsafeBufferPointer<Float>) -> Float {
        precondition(features.count == featureCount, "expected \(featureCount) feature values, got \(features.count)")
        return compiled.sum(features: features.baseAddress!, initial: baseScore)
    }

    /// Predictions for every row of a dataset, whose features are matched to the model's by name.
    /// - Parameters:
    ///   - dataset: Rows to predict; extra columns are ignored.
    ///   - parallel: Whether to spread rows over the cores.
    /// - Throws: ``DatasetError`` when the dataset lacks one of the model's features.
    public func predict(_ dataset: Dataset, parallel: Bool = false) throws(DatasetError) -> [Float] {
        let data = try dataset.selectingFeatures(featureNames)
        return compiled.predict(data, initial: baseScore, divisor: 1, parallel: parallel)
    }
}

extension CompiledEnsemble {
    /// `(initial + Σ trees) / divisor` for every row of a dataset already in the ensemble's feature order.
    func predict(_ data: Dataset, initial: Float, divisor: Float, parallel: Bool) -> [Float] {
        let rowCount = data.rowCount
        var output = [Float](repeating: 0, count: rowCount)
        data.values.withUnsafeBufferPointer { values in
            output.withUnsafeMutableBufferPointer { output in
                guard let columns = values.baseAddress, let out = output.baseAddress else { return }
                let chunk = 4096
                let chunks = parallel ? (rowCount + chunk - 1) / chunk : 1
                let size = parallel ? chunk : rowCount
                Parallel.forEach(chunks) { index in
                    let rows = (index * size)..<min(rowCount, (index + 1) * size)
                    sum(columns: columns, rowCount: rowCount, rows: rows, initial: initial, into: out + rows.lowerBound)
                    if divisor != 1 {
                        for row in rows { out[row] /= divisor }
                    }
                }
            }
        }
        return output
    }
}
