import ArgumentParser
import FoundationEssentials
import Glibc
import Support
import Trees

/// `hearth train`: fits a gradient-boosted or random-forest model to a CSV file and writes the model file.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Trains a regression model (gbdt or rf) on a CSV file.",
        discussion: """
            Every column but the target, the weight column and --ignore columns is a feature; an empty cell or \
            NaN is a missing value. gbdt models are written in XGBoost's JSON format; rf models in Hearth's \
            forest format (docs/model-formats.md).
            """)

    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case gbdt, rf
    }

    @Option(help: "The training data: a CSV file with a header row.")
    var data: String

    @Option(help: "The column to predict.")
    var target: String

    @Option(help: "gbdt (XGBoost-style gradient boosting) or rf (random forest).")
    var algorithm: Algorithm

    @Option(help: "A column of row weights (finite, ≥ 0).")
    var weightColumn: String?

    @Option(help: "A CSV file of row weights: its only column, or its column named weight; one row per data row.")
    var weights: String?

    @Option(name: .customLong("ignore"), help: "A column that is neither feature nor target (repeatable).")
    var ignored: [String] = []

    @Option(help: "Number of trees. (default: 100)")
    var trees: Int?

    @Option(help: "Deepest tree level. (default: 6 for gbdt, unlimited for rf)")
    var maxDepth: Int?

    @Option(help: "gbdt learning rate, eta. (default: 0.3)")
    var learningRate: Float?

    @Option(help: "gbdt L2 regularization, lambda. (default: 1)")
    var lambda: Double?

    @Option(help: "gbdt minimum hessian (weight) per child. (default: 1)")
    var minChildWeight: Double?

    @Option(help: "gbdt row sampling ratio per tree. (default: 1)")
    var subsample: Double?

    @Option(help: "gbdt feature sampling ratio per tree. (default: 1)")
    var colsampleBytree: Double?

    @Option(help: "rf minimum rows per leaf. (default: 1)")
    var minSamplesLeaf: Int?

    @Option(help: "rf features tried per split: all, sqrt, log2, a fraction in (0, 1] or a count. (default: all)")
    var maxFeatures: String?

    @Option(help: "Seed of row and feature sampling.")
    var seed: UInt64 = 0

    @Option(
        help: "Leave out each furnace's last fraction of events, for hearth evaluate --holdout-fraction (0 < F < 1).")
    var holdoutFraction: Double?

    @Option(help: "Where to write the model (JSON).")
    var out: String

    func validate() throws {
        if let problem = TimeOrderedHoldout.validate(holdoutFraction) { throw ValidationError(problem) }
        if weightColumn != nil && weights != nil {
            throw ValidationError("use either --weight-column or --weights, not both")
        }
        if let maxFeatures, Self.featuresPerSplit(maxFeatures) == nil {
            throw ValidationError("--max-features must be all, sqrt, log2, a fraction in (0, 1] or a count")
        }
        let boostingOnly: [(String, Bool)] = [
            ("--learning-rate", learningRate != nil), ("--lambda", lambda != nil),
            ("--min-child-weight", minChildWeight != nil), ("--subsample", subsample != nil),
            ("--colsample-bytree", colsampleBytree != nil),
        ]
        let forestOnly: [(String, Bool)] = [
            ("--min-samples-leaf", minSamplesLeaf != nil), ("--max-features", maxFeatures != nil),
        ]
        let misplaced = (algorithm == .rf ? boostingOnly : forestOnly).filter(\.1).map(\.0)
        if !misplaced.isEmpty {
            let other = algorithm == .rf ? "gbdt" : "rf"
            throw ValidationError("\(misplaced.joined(separator: ", ")) applies to --algorithm \(other) only")
        }
        // The libraries' own checks, reported by this command's option names rather than XGBoost's.
        do {
            switch algorithm {
            case .gbdt: try boostingParameters.validate()
            case .rf: try forestParameters.validate()
            }
        } catch {
            guard case .invalidParameter(let name, let value, let rule) = error.reason else { throw error }
            throw ValidationError("\(Self.optionNames[name] ?? name) = \(value) is invalid: \(rule)")
        }
    }

    /// The option that sets each training parameter.
    static let optionNames = [
        "num_boost_round": "--trees", "n_estimators": "--trees", "max_depth": "--max-depth", "eta": "--learning-rate",
        "lambda": "--lambda", "min_child_weight": "--min-child-weight", "subsample": "--subsample",
        "colsample_bytree": "--colsample-bytree", "min_samples_leaf": "--min-samples-leaf",
        "max_features": "--max-features",
    ]

    /// The boosting parameters the options give.
    var boostingParameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        if let trees { parameters.treeCount = trees }
        if let maxDepth { parameters.maxDepth = maxDepth }
        if let learningRate { parameters.learningRate = learningRate }
        if let lambda { parameters.l2Regularization = lambda }
        if let minChildWeight { parameters.minChildWeight = minChildWeight }
        if let subsample { parameters.subsample = subsample }
        if let colsampleBytree { parameters.columnSampleByTree = colsampleBytree }
        parameters.seed = seed
        return parameters
    }

    /// The forest parameters the options give.
    var forestParameters: RandomForestParameters {
        var parameters = RandomForestParameters()
        if let trees { parameters.treeCount = trees }
        parameters.maxDepth = maxDepth
        if let minSamplesLeaf { parameters.minSamplesLeaf = minSamplesLeaf }
        if let maxFeatures, let resolved = Self.featuresPerSplit(maxFeatures) {
            parameters.featuresPerSplit = resolved
        }
        parameters.seed = seed
        return parameters
    }

    static func featuresPerSplit(_ text: String) -> RandomForestParameters.FeaturesPerSplit? {
        switch text {
        case "all": return .all
        case "sqrt": return .squareRoot
        case "log2": return .log2
        default:
            if let count = Int(text) { return .count(count) }
            if let share = Double(text) { return .fraction(share) }
            return nil
        }
    }

    func run() async throws {
        let table = try CSVTable(contentsOfFile: data)
        var dataset = try Dataset(csv: table, target: target, weightColumn: weightColumn, ignoring: Set(ignored))
        if let weights {
            dataset = try dataset.replacingWeights(with: CSVTable(contentsOfFile: weights))
        }
        if let holdoutFraction {
            let split = TimeOrderedHoldout(table, fraction: holdoutFraction)
            dataset = dataset.selectingRows(split.training)
            StandardError.emit(
                "training on \(split.training.count) rows; \(split.holdout.count) rows held out "
                    + "(each furnace's last \(NumberFormat.percent(holdoutFraction * 100)) of events)\n")
        }
        let createdAt = Date.now.formatted(.iso8601)
        let label = algorithm.rawValue
        let progress: @Sendable (Int, Int) -> Void = { built, total in
            StandardError.emit("\rtraining \(label): \(built)/\(total) trees")
        }
        let model: TreeModel
        switch algorithm {
        case .gbdt:
            model = .gradientBoosted(
                try GradientBoostedTrees.train(
                    on: dataset, parameters: boostingParameters, createdAt: createdAt, progress: progress))
        case .rf:
            model = .randomForest(
                try RandomForest.train(
                    on: dataset, parameters: forestParameters, createdAt: createdAt, progress: progress))
        }
        StandardError.emit("\n")
        try model.save(to: out)
        print("trained \(label) on \(dataset.rowCount) rows × \(dataset.featureCount) features; wrote \(out)")
        if let metrics = model.metadata?.trainingMetrics {
            print("training metrics:")
            MetricsReport.print(metrics)
        }
    }
}

/// Lines to standard error, for progress that must not mix with results on standard output.
enum StandardError {
    static func emit(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Human-readable metrics, one per line.
enum MetricsReport {
    static func print(_ metrics: RegressionMetrics) {
        func short(_ value: Double?) -> String { value.map { "\(Float($0))" } ?? "undefined" }
        Swift.print("  rows  \(metrics.rowCount)")
        Swift.print(
            "  MAPE  \(short(metrics.meanAbsolutePercentageError)) %"
                + (metrics.zeroTargetRowCount > 0 ? " (\(metrics.zeroTargetRowCount) rows with target 0 left out)" : "")
        )
        Swift.print("  MAE   \(short(metrics.meanAbsoluteError))")
        Swift.print("  RMSE  \(short(metrics.rootMeanSquaredError))")
        Swift.print("  R²    \(short(metrics.coefficientOfDetermination))")
    }
}
