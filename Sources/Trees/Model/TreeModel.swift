/// Any model this library predicts with: gradient-boosted trees (XGBoost JSON, ours or XGBoost's) or a random
/// forest (Hearth's forest JSON). Loading tells the two apart by their content.
public enum TreeModel: Sendable {
    /// Gradient-boosted trees.
    case gradientBoosted(GradientBoostedTrees)
    /// A random forest.
    case randomForest(RandomForest)

    /// Reads a model file, verifying its checksum when it carries one (every file Hearth writes does).
    /// - Parameters:
    ///   - path: The model file.
    ///   - expectingFeatures: When given, the model's feature names must equal these, in this order.
    /// - Throws: ``ModelError`` when the file cannot be read, is not a supported model, is corrupted or was trained
    ///   on other features.
    public static func load(from path: String, expectingFeatures: [String]? = nil) throws(ModelError) -> TreeModel {
        let bytes: [UInt8]
        do {
            bytes = try ModelError.readFile(path: path)
        } catch {
            throw ModelError(.unreadableFile(error.reason), file: path)
        }
        return try TreeModel(json: bytes, source: path, expectingFeatures: expectingFeatures)
    }

    /// Reads a model from JSON bytes; see ``load(from:expectingFeatures:)``.
    public init(json bytes: [UInt8], source: String? = nil, expectingFeatures: [String]? = nil) throws(ModelError) {
        let cursor = try JSONReader.parseModel(bytes, source: source)
        guard case .object(let members) = cursor.value else { throw ModelError(.unknownFormat, file: source) }
        if members["learner"] != nil {
            self = .gradientBoosted(
                try GradientBoostedTrees(xgboostJSON: cursor, source: source, expectingFeatures: expectingFeatures))
        } else if members["format"] != nil {
            self = .randomForest(try RandomForest(json: cursor, source: source, expectingFeatures: expectingFeatures))
        } else {
            throw ModelError(.unknownFormat, file: source)
        }
    }

    /// Feature names, in the order predictions expect their values.
    public var featureNames: [String] {
        switch self {
        case .gradientBoosted(let model): model.featureNames
        case .randomForest(let model): model.featureNames
        }
    }

    /// How the model was trained, when it was trained by Hearth.
    public var metadata: TrainingMetadata? {
        switch self {
        case .gradientBoosted(let model): model.metadata
        case .randomForest(let model): model.metadata
        }
    }

    /// The model's checksum.
    public var checksum: String {
        switch self {
        case .gradientBoosted(let model): model.checksum
        case .randomForest(let model): model.checksum
        }
    }

    /// The prediction for one row, whose values are in ``featureNames`` order (`Float.nan` is missing).
    public func predict(row features: [Float]) -> Float {
        switch self {
        case .gradientBoosted(let model): model.predict(row: features)
        case .randomForest(let model): model.predict(row: features)
        }
    }

    /// The prediction for one row held in a buffer, in ``featureNames`` order: no allocation, for the hot path.
    public func predict(features: UnsafeBufferPointer<Float>) -> Float {
        switch self {
        case .gradientBoosted(let model): model.predict(features: features)
        case .randomForest(let model): model.predict(features: features)
        }
    }

    /// Predictions for every row of a dataset, whose features are matched to the model's by name.
    /// - Throws: ``DatasetError`` when the dataset lacks one of the model's features.
    public func predict(_ dataset: Dataset, parallel: Bool = false) throws(DatasetError) -> [Float] {
        switch self {
        case .gradientBoosted(let model): try model.predict(dataset, parallel: parallel)
        case .randomForest(let model): try model.predict(dataset, parallel: parallel)
        }
    }

    /// The model file's bytes: XGBoost JSON for boosted trees, Hearth's forest JSON for forests.
    public func json() -> [UInt8] {
        switch self {
        case .gradientBoosted(let model): model.xgboostJSON()
        case .randomForest(let model): model.json()
        }
    }

    /// Writes the model to a file, atomically.
    /// - Throws: ``ModelError`` with reason ``ModelError/Reason/unwritableFile(_:)``.
    public func save(to path: String) throws(ModelError) {
        switch self {
        case .gradientBoosted(let model): try model.save(to: path)
        case .randomForest(let model): try model.save(to: path)
        }
    }
}
