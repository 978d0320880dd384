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
        if request.weighting != .none, request.target.count >= 10, !request.source.isEmpty {
            let (source, target) = try Self.matrices(request.source.map(\.features), request.target)
            let method: ImportanceWeighting.Method =
                switch request.weighting {
                case .kmm: .kmm
                case .ulsif: .ulsif
                case .classifier, .none: .classifier
                }
            do {
                let bound = request.policy.weightBound
                let estimate = try ImportanceWeighting(
                    method: method, bound: bound, clippingMaximum: method == .kmm ? nil : bound,
                    seed: request.policy.seed
                ).weights(source: source, target: target)
                let (flattened, exponent) = try WeightDiagnostics.flattened(
                    estimate.weights, minimumShare: request.policy.minimumEffectiveShare)
                let mean = flattened.reduce(0, +) / Double(max(1, flattened.count))
                weights = flattened.map { mean > 0 ? $0 / mean : 1 }
                let used = try WeightDiagnostics(weights)
                diagnostics = [
                    "effective_sample_size": used.effectiveSampleSize,
                    "max_weight_over_mean": used.maximumOverMean,
                    "top_1_percent_share": used.topOnePercentShare,
                    "estimated_effective_sample_size": estimate.diagnostics.effectiveSampleSize,
                    "flattening_exponent": exponent,
                ]
            } catch {
                throw TrainingFailure(reason: "\(request.weighting.rawValue) weights: \(error)")
            }
        }
        // Rows without a pressure at their checkpoint cannot express the target (the minimum relative to it).
        let usable: [(LabeledRow, Double)] =
            (zip(request.source, weights).map { ($0.0, $0.1) }
            + request.own.map { ($0, -1) }).filter { row, _ in
                (row.features["pressure_mbar"] ?? .nan) > 0 && row.minimum > 0
            }
        let rows = usable.map(\.0)
        // The furnace's own rows together weigh `own_event_share` of the total (own rows carry -1 until here).
        let sourceTotal = usable.filter { $0.1 >= 0 }.reduce(0) { $0 + $1.1 }
        let ownCount = usable.filter { $0.1 < 0 }.count
        let share = request.policy.ownEventShare
        let ownWeight = ownCount == 0 || sourceTotal == 0 ? 1 : share / (1 - share) * sourceTotal / Double(ownCount)
        let rowWeights = usable.map { $0.1 < 0 ? ownWeight : $0.1 }
        let dataset: Dataset
        do {
            dataset = try Dataset(
                featureNames: request.featureNames,
                rows: rows.map { row in request.featureNames.map { Float(row.features[$0] ?? .nan) } },
                targets: rows.map { Float(log($0.minimum / $0.features["pressure_mbar"]!)) },
                targetName: MinimumPressurePredictor.ratioTargetName, weights: rowWeights.map { Float($0) })
        } catch {
            throw TrainingFailure(reason: "training data: \(error)")
        }
        let model: TreeModel
        do {
            if case .gradientBoosted(let base)? = request.continuing, base.featureNames == request.featureNames,
                base.metadata?.targetName == dataset.targetName
            {
                var parameters = GradientBoostingParameters()
                parameters.treeCount = Self.continuationTrees
                parameters.maxDepth = Self.continuationDepth
                parameters.learningRate = Float(request.policy.learningRate)
                parameters.seed = request.policy.seed
                model = .gradientBoosted(
                    try base.continued(on: dataset, parameters: parameters, createdAt: request.createdAt))
            } else {
                model = try Self.fit(dataset, policy: request.policy, createdAt: request.createdAt)
            }
        } catch {
            throw TrainingFailure(reason: "\(error)")
        }
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
            ownRows: request.own.count)
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

    /// Source and target matrices on the weighting features: missing values imputed with the pooled median,
    /// features constant across both samples dropped (they carry no information and cannot be standardised).
    static func matrices(
        _ source: [[String: Double]], _ target: [[String: Double]]
    ) throws(TrainingFailure)
        -> (FeatureMatrix, FeatureMatrix)
    {
        var names: [String] = []
        var columns: [([Double], [Double])] = []
        for name in weightingFeatures {
            let first = source.map { $0[name] ?? .nan }
            let second = target.map { $0[name] ?? .nan }
            let present = (first + second).filter(\.isFinite).sorted()
            guard !present.isEmpty, present.first! != present.last! else { continue }
            let median = present[present.count / 2]
            names.append(name)
            columns.append((first.map { $0.isFinite ? $0 : median }, second.map { $0.isFinite ? $0 : median }))
        }
        guard !names.isEmpty else { throw TrainingFailure(reason: "no weighting feature varies") }
        do {
            let sourceRows = source.indices.map { row in columns.map { $0.0[row] } }
            let targetRows = target.indices.map { row in columns.map { $0.1[row] } }
            return (
                try FeatureMatrix(rows: sourceRows, featureNames: names, sample: "source"),
                try FeatureMatrix(rows: targetRows, featureNames: names, sample: "target")
            )
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
