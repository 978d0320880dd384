import Drift
import Fieldbus
import Glibc
import Plant
import Support
public import Trees

/// One training row: the features at one checkpoint of one event, and that event's true minimum.
public struct LabeledRow: Sendable, Equatable {
    public var features: [String: Double]
    public var minimum: Double
    /// Where it comes from: a device id, or `history` for the training data file.
    public var origin: String

    public init(features: [String: Double], minimum: Double, origin: String) {
        self.features = features
        self.minimum = minimum
        self.origin = origin
    }
}

/// What a candidate is trained from.
public struct CandidateRequest: Sendable {
    /// Labeled rows from the furnaces the current model knows (history and their labeled events).
    public var source: [LabeledRow]
    /// Unlabeled rows of the furnace to adapt to: the distribution to reweight the source toward.
    public var target: [[String: Double]]
    /// That furnace's own labeled rows, as they came in.
    public var own: [LabeledRow]
    /// The model's features, in order.
    public var featureNames: [String]
    public var weighting: AgentPolicy.Weighting
    public var policy: AgentPolicy
    /// ISO 8601 creation time to record.
    public var createdAt: String
    /// A boosted model to continue from instead of training anew: the candidate is that model plus
    /// ``CandidateTrainer/continuationTrees`` small trees fitted to what it still gets wrong on these rows. Used
    /// only when it is a gbdt of the same features and target.
    public var continuing: TreeModel?

    public init(
        source: [LabeledRow], target: [[String: Double]], own: [LabeledRow], featureNames: [String],
        weighting: AgentPolicy.Weighting, policy: AgentPolicy, createdAt: String
    ) {
        self.source = source
        self.target = target
        self.own = own
        self.featureNames = featureNames
        self.weighting = weighting
        self.policy = policy
        self.createdAt = createdAt
        continuing = nil
    }
}

/// A trained candidate with the numbers behind it.
public struct CandidateResult: Sendable {
    public var model: TreeModel
    /// Weight diagnostics of the reweighted source rows (empty without weighting).
    public var weighting: [String: Double]
    /// Metrics: training fit, and the fit on the target's own labeled rows when it has some.
    public var metrics: [String: Double]
    public var sourceRows: Int
    public var ownRows: Int
    /// The weighting the source rows got (`auto` resolves to the one it chose).
    public var weightingUsed: AgentPolicy.Weighting
}

/// Trains candidates on a thread of its own, so training (seconds of full CPU) never delays polling.
public actor CandidateTrainer {
    private let executor = DedicatedThreadExecutor(name: "trainer")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init() {}

    deinit { executor.shutdown() }

    /// The features importance weights are estimated on: how the pump-down unfolds and the conditions that drive
    /// it. Static attributes are left out: they are constant per furnace, so a new furnace's values lie outside
    /// the old ones and would leave no overlap to weight.
    public static let weightingFeatures = [
        "seconds_into_event", "log_pressure", "log_pressure_slope", "log_pressure_rate", "pressure_start_mbar",
        "chamber_temperature_c", "chamber_temperature_start_c", "pump_current_a", "pump_current_mean_a",
        "cooling_water_temperature_c", "valve_position_mean_pct",
    ]

    /// Trees added when a candidate continues from a model, and their depth: a small correction.
    public static let continuationTrees = 30
    public static let continuationDepth = 3

    /// Estimates weights and trains.
    /// - Throws: `TrainingFailure` with the reason (too few rows, a weighting or training error).
    public func train(_ request: CandidateRequest) throws(TrainingFailure) -> CandidateResult {
        guard request.source.count + request.own.count >= 20 else {
            throw TrainingFailure(reason: "only \(request.source.count + request.own.count) labeled rows")
        }
        var weights = [Double](repeating: 1, count: request.source.count)
        var diagnostics: [String: Double] = [:]
        var used = AgentPolicy.Weighting.none
        if request.weighting != .none, request.target.count >= 10, !request.source.isEmpty {
            let (source, target) = try Self.matrices(request.source.map(\.features), request.target)
            do {
                if request.weighting == .auto {
                    let choice = try Self.choose(request, source: source, target: target)
                    (used, weights, diagnostics) = (choice.weighting, choice.weights, choice.diagnostics)
                } else {
                    let method: ImportanceWeighting.Method =
                        switch request.weighting {
                        case .kmm: .kmm
                        case .ulsif: .ulsif
                        case .classifier, .none, .auto: .classifier
                        }
                    (weights, diagnostics, _) = try Self.estimate(
                        method, request: request, source: source, target: target)
                    used = request.weighting
                }
            } catch let failure as TrainingFailure {
                throw failure
            } catch {
                throw TrainingFailure(reason: "\(request.weighting.rawValue) weights: \(error)")
            }
        }
        let dataset = try Self.dataset(request, sourceWeights: weights)
        let model = try Self.model(on: dataset, request: request)
        var metrics: [String: Double] = [:]
        if let fit = model.metadata?.trainingMetrics {
            metrics["training_rmse_log"] = fit.rootMeanSquaredError
        }
        let own = request.own.filter { ($0.features["pressure_mbar"] ?? .nan) > 0 }
        if !own.isEmpty {
            let errors = own.map { row -> Double in
                let ratio = exp(
                    Double(model.predict(row: request.featureNames.map { Float(row.features[$0] ?? .nan) })))
                return abs(ratio * row.features["pressure_mbar"]! - row.minimum) / max(row.minimum, 1e-9)
            }
            metrics["own_rows_mape_percent_in_sample"] = 100 * errors.reduce(0, +) / Double(errors.count)
        }
        return CandidateResult(
            model: model, weighting: diagnostics, metrics: metrics, sourceRows: request.source.count,
            ownRows: request.own.count, weightingUsed: used)
    }

    /// One method's weights for the source rows, normalised to mean 1 and flattened to `min_effective_share`, with
    /// their diagnostics.
    static func estimate(
        _ method: ImportanceWeighting.Method, request: CandidateRequest, source: FeatureMatrix, target: FeatureMatrix
    ) throws -> (weights: [Double], diagnostics: [String: Double], estimated: [Double]) {
        let bound = request.policy.weightBound
        let estimate = try ImportanceWeighting(
            method: method, bound: bound, clippingMaximum: method == .kmm ? nil : bound, seed: request.policy.seed
        ).weights(source: source, target: target)
        let (flattened, exponent) = try WeightDiagnostics.flattened(
            estimate.weights, minimumShare: request.policy.minimumEffectiveShare)
        let mean = flattened.reduce(0, +) / Double(max(1, flattened.count))
        let weights = flattened.map { mean > 0 ? $0 / mean : 1 }
        let used = try WeightDiagnostics(weights)
        return (
            weights,
            [
                "effective_sample_size": used.effectiveSampleSize,
                "max_weight_over_mean": used.maximumOverMean,
                "top_1_percent_share": used.topOnePercentShare,
                "estimated_effective_sample_size": estimate.diagnostics.effectiveSampleSize,
                "flattening_exponent": exponent,
            ],
            estimate.weights
        )
    }

    /// The weightings `auto` chooses among, in order: "none" first, the one kept unless another is clearly better.
    public static let automaticChoices: [AgentPolicy.Weighting] = [.none, .ulsif, .classifier]

    /// `weighting: auto`: the weighting of the source rows chosen without target labels by importance-weighted
    /// cross-validation (``ImportanceWeightedCrossValidation``). Each of ``automaticChoices`` trains a smaller model
    /// of the same kind on two thirds of the source events (plus the furnace's own rows) and is scored on the
    /// held-out third by its absolute log error. A weighting is judged against "none" with the held-out rows weighted
    /// by the *other* estimator's importance (uLSIF's by the classifier's, the classifier's by uLSIF's), as estimated,
    /// so that a weighting is not judged by its own noise (with its own weights as importance, a weighting fitted to
    /// noise looks better than none even without a shift). It replaces "none" only when its estimated risk is lower
    /// by more than one standard error (over events); every risk is in the diagnostics.
    static func choose(
        _ request: CandidateRequest, source: FeatureMatrix, target: FeatureMatrix
    ) throws -> (weighting: AgentPolicy.Weighting, weights: [Double], diagnostics: [String: Double]) {
        let unweighted = [Double](repeating: 1, count: request.source.count)
        let groups = request.source.map(Self.eventKey)
        // Three folds need three events to hold out; with fewer there is no evidence for a weighting (and no
        // weights are estimated).
        let events = Set(groups).count
        guard events >= 3 else { return (.none, unweighted, ["iwcv_source_events": Double(events)]) }
        let ulsif = try estimate(.ulsif, request: request, source: source, target: target)
        let classifier = try estimate(.classifier, request: request, source: source, target: target)
        let options: [[Double]] = [unweighted, ulsif.weights, classifier.weights]
        // Which importance judges which weighting (index into `options`): the other estimator's, as estimated.
        let judges: [Int: [Double]] = [1: classifier.estimated, 2: ulsif.estimated]
        var small = request
        small.policy.trees = min(request.policy.trees, 40)
        small.policy.maxDepth = min(request.policy.maxDepth, 4)
        let losses = try ImportanceWeightedCrossValidation(folds: 3, seed: request.policy.seed).heldOutLosses(
            groups: groups, procedures: options.count
        ) { procedure, training, heldOut in
            var fold = small
            fold.source = training.map { request.source[$0] }
            let dataset = try Self.dataset(fold, sourceWeights: training.map { options[procedure][$0] })
            let model = try Self.model(on: dataset, request: fold)
            return heldOut.map { row in
                let features = request.source[row].features
                guard let pressure = features["pressure_mbar"], pressure > 0, request.source[row].minimum > 0 else {
                    return 0
                }
                let predicted = Double(model.predict(row: request.featureNames.map { Float(features[$0] ?? .nan) }))
                let error = abs(predicted - log(request.source[row].minimum / pressure))
                return error.isFinite ? error : 0
            }
        }
        var diagnostics: [String: Double] = [:]
        var chosen = 0
        var bestGain = 0.0
        for candidate in 1..<options.count {
            let weights = judges[candidate]!
            let mine = try ImportanceWeightedCrossValidation.estimate(
                losses: losses[candidate], groups: groups, importance: weights)
            let none = try ImportanceWeightedCrossValidation.estimate(
                losses: losses[0], groups: groups, importance: weights)
            let (difference, standardError) = ImportanceWeightedCrossValidation.difference(mine, none)
            let name = automaticChoices[candidate].rawValue
            diagnostics["iwcv_risk_\(name)"] = mine.risk
            diagnostics["iwcv_risk_none_judged_as_\(name)"] = none.risk
            diagnostics["iwcv_standard_error_\(name)"] = standardError
            // The relative gain over none, when it is beyond one standard error.
            let gain = none.risk > 0 ? -difference / none.risk : 0
            if difference < -standardError, gain > bestGain { (chosen, bestGain) = (candidate, gain) }
        }
        diagnostics["iwcv_risk_none"] = try ImportanceWeightedCrossValidation.estimate(
            losses: losses[0], groups: groups, importance: [Double](repeating: 1, count: groups.count)
        ).risk
        if chosen == 1 { diagnostics.merge(ulsif.diagnostics) { a, _ in a } }
        if chosen == 2 { diagnostics.merge(classifier.diagnostics) { a, _ in a } }
        return (automaticChoices[chosen], options[chosen], diagnostics)
    }

    /// Rows of one event share its start values: the group a source row is held out with.
    static func eventKey(_ row: LabeledRow) -> String {
        "\(row.origin)|\(row.features["pressure_start_mbar"] ?? .nan)|\(row.features["chamber_temperature_start_c"] ?? .nan)"
    }

    /// The dataset on the log ratio of minimum to current pressure: the source rows with their weights, then the
    /// furnace's own rows carrying `own_event_share` of the total weight.
    static func dataset(
        _ request: CandidateRequest, sourceWeights weights: [Double]
    ) throws(TrainingFailure) -> Dataset {
        // Rows without a pressure at their checkpoint cannot express the target (the minimum relative to it).
        let usable: [(LabeledRow, Double)] =
            (zip(request.source, weights).map { ($0.0, $0.1) }
            + request.own.map { ($0, -1) }).filter { row, _ in
                (row.features["pressure_mbar"] ?? .nan) > 0 && row.minimum > 0
            }
        let rows = usable.map(\.0)
        let sourceTotal = usable.filter { $0.1 >= 0 }.reduce(0) { $0 + $1.1 }
        let ownCount = usable.filter { $0.1 < 0 }.count
        let share = request.policy.ownEventShare
        let ownWeight = ownCount == 0 || sourceTotal == 0 ? 1 : share / (1 - share) * sourceTotal / Double(ownCount)
        let rowWeights = usable.map { $0.1 < 0 ? ownWeight : $0.1 }
        do {
            return try Dataset(
                featureNames: request.featureNames,
                rows: rows.map { row in request.featureNames.map { Float(row.features[$0] ?? .nan) } },
                targets: rows.map { Float(log($0.minimum / $0.features["pressure_mbar"]!)) },
                targetName: MinimumPressurePredictor.ratioTargetName, weights: rowWeights.map { Float($0) })
        } catch {
            throw TrainingFailure(reason: "training data: \(error)")
        }
    }

    /// The candidate on a dataset: continued from `request.continuing` when that is a gbdt of the same features
    /// and target, trained anew otherwise.
    static func model(on dataset: Dataset, request: CandidateRequest) throws(TrainingFailure) -> TreeModel {
        do {
            if case .gradientBoosted(let base)? = request.continuing, base.featureNames == request.featureNames,
                base.metadata?.targetName == dataset.targetName
            {
                var parameters = GradientBoostingParameters()
                parameters.treeCount = Self.continuationTrees
                parameters.maxDepth = Self.continuationDepth
                parameters.learningRate = Float(request.policy.learningRate)
                parameters.seed = request.policy.seed
                return .gradientBoosted(
                    try base.continued(on: dataset, parameters: parameters, createdAt: request.createdAt))
            }
            return try Self.fit(dataset, policy: request.policy, createdAt: request.createdAt)
        } catch {
            throw TrainingFailure(reason: "\(error)")
        }
    }

    /// Trains a model of the policy's algorithm, recording the feature schema in its metadata.
    static func fit(_ dataset: Dataset, policy: AgentPolicy, createdAt: String) throws -> TreeModel {
        switch policy.algorithm {
        case .gbdt:
            var parameters = GradientBoostingParameters()
            parameters.treeCount = policy.trees
            parameters.maxDepth = policy.maxDepth
            parameters.learningRate = Float(policy.learningRate)
            parameters.seed = policy.seed
            let trained = try GradientBoostedTrees.train(on: dataset, parameters: parameters, createdAt: createdAt)
            var metadata = trained.metadata
            metadata?.parameters["feature_schema"] = PumpingEventFeatures.schema
            return .gradientBoosted(
                try GradientBoostedTrees(
                    featureNames: trained.featureNames, baseScore: trained.baseScore, trees: trained.trees,
                    objective: trained.objective, metadata: metadata))
        case .rf:
            var parameters = RandomForestParameters()
            parameters.treeCount = policy.trees
            parameters.maxDepth = policy.maxDepth
            parameters.seed = policy.seed
            let trained = try RandomForest.train(on: dataset, parameters: parameters, createdAt: createdAt)
            var metadata = trained.metadata
            metadata?.parameters["feature_schema"] = PumpingEventFeatures.schema
            return .randomForest(
                try RandomForest(featureNames: trained.featureNames, trees: trained.trees, metadata: metadata))
        }
    }

    /// Source and target matrices on the weighting features (``WeightingColumns``).
    static func matrices(
        _ source: [[String: Double]], _ target: [[String: Double]]
    ) throws(TrainingFailure)
        -> (FeatureMatrix, FeatureMatrix)
    {
        guard let columns = WeightingColumns(source: source, target: target) else {
            throw TrainingFailure(reason: "no weighting feature varies")
        }
        do {
            return (try columns.matrix(source, sample: "source"), try columns.matrix(target, sample: "target"))
        } catch {
            throw TrainingFailure(reason: "\(error)")
        }
    }
}

/// A candidate that could not be trained.
public struct TrainingFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
