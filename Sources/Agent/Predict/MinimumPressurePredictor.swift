import Glibc
import Plant
public import Trees

/// A model that predicts an event's minimum pressure from the features at a checkpoint.
///
/// Features are matched by name: the model file records its feature names and order, and any feature the
/// furnace cannot provide is passed as missing.
///
/// Models trained by the agent predict the logarithm of the minimum *relative to the pressure at the checkpoint*
/// (their target is recorded as `log(min_pressure_mbar/pressure_mbar)`): how much the gas load still has to decay.
/// That ratio does not scale with chamber volume or pump speed, so a model carries over to a furnace whose
/// pressures lie outside anything it was trained on, where a tree predicting the minimum itself could only repeat
/// its largest leaf. Models recording `log(min_pressure_mbar)` predict its logarithm; imported models (XGBoost
/// files, `hearth train`) predict the minimum directly.
public struct MinimumPressurePredictor: Sendable {
    /// The registry version (0 is never a model: it stands for the fallback rule).
    public let version: Int
    public let model: TreeModel
    public let featureNames: [String]
    /// What the model's output means.
    public enum Target: String, Sendable, Equatable {
        /// The minimum itself.
        case minimum
        /// log(minimum).
        case logarithm
        /// log(minimum ÷ pressure at the checkpoint).
        case logarithmicRatio
    }

    public let target: Target

    /// The target name the agent's own models record.
    public static let ratioTargetName = "log(\(PumpingEventFeatures.target)/pressure_mbar)"
    /// The target name of models that predict log(minimum).
    public static let logarithmicTargetName = "log(\(PumpingEventFeatures.target))"

    /// Wraps a model after checking its features against the feature schema.
    /// - Parameter attributes: every static attribute name the furnaces have.
    /// - Throws: ``FeatureSchemaError`` when the model needs a feature the agent does not compute.
    public init(version: Int, model: TreeModel, attributes: Set<String>) throws(FeatureSchemaError) {
        if let schema = model.metadata?.parameters["feature_schema"], schema != PumpingEventFeatures.schema {
            throw FeatureSchemaError(
                message:
                    "the model was trained on feature schema \(schema); this agent computes \(PumpingEventFeatures.schema)"
            )
        }
        let known = Set(PumpingEventFeatures.dynamicNames).union(attributes)
        let unknown = model.featureNames.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw FeatureSchemaError(
                message: "the model needs \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")), which is neither a "
                    + "\(PumpingEventFeatures.schema) feature nor an attribute of any device")
        }
        self.version = version
        self.model = model
        featureNames = model.featureNames
        switch model.metadata?.targetName {
        case Self.ratioTargetName: target = .logarithmicRatio
        case Self.logarithmicTargetName: target = .logarithm
        default: target = .minimum
        }
    }

    /// The `count` features that moved the prediction for these features most, with their contributions in the
    /// pressure's unit: the exact TreeSHAP decomposition of the model's output, carried through its target's
    /// transform (``FeatureContributions/exponentiated(multiplier:)``), so that the baseline and all contributions
    /// add up to ``predict(_:)``. Empty when the model cannot be explained (a file without node covers) or cannot
    /// predict here.
    public func reasons(_ features: [String: Double], count: Int = 3) -> [AlarmReason] {
        let row = featureNames.map { name in Float(features[name] ?? .nan) }
        guard let raw = try? model.contributions(row: row) else { return [] }
        let contributions: FeatureContributions
        switch target {
        case .minimum: contributions = raw
        case .logarithm: contributions = raw.exponentiated()
        case .logarithmicRatio:
            guard let pressure = features["pressure_mbar"], pressure.isFinite, pressure > 0 else { return [] }
            contributions = raw.exponentiated(multiplier: pressure)
        }
        return contributions.strongest(count).map { index in
            let value = features[featureNames[index]]
            return AlarmReason(
                feature: featureNames[index], value: value.flatMap { $0.isFinite ? $0 : nil },
                contributionMbar: contributions.values[index])
        }
    }

    /// The predicted minimum pressure, in the pressure signal's unit; nil when a ratio model has no pressure at the
    /// checkpoint to scale.
    public func predict(_ features: [String: Double]) -> Double? {
        let row = featureNames.map { name in Float(features[name] ?? .nan) }
        let value = Double(model.predict(row: row))
        switch target {
        case .minimum: return value
        case .logarithm: return exp(value)
        case .logarithmicRatio:
            guard let pressure = features["pressure_mbar"], pressure.isFinite, pressure > 0 else { return nil }
            return exp(value) * pressure
        }
    }
}

/// A model that does not fit the agent's features.
public struct FeatureSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The prediction used when no model can be trusted: none registered yet, the model file rejected, or every
/// model degraded.
///
/// From `earliestCheckpoint` on the chamber is held by its gas load (the pump alone no longer sets the pressure),
/// and that load mostly decays by the end of the event: the minimum is predicted as `factor` × the pressure at the
/// checkpoint. Earlier, while the pumps still set the pressure, it predicts nothing. With the defaults (0.5 from
/// 150 s) it caught 76 % of the simulator's failing events with 4 % false alarms and 27 % MAPE, against 93–95 %,
/// 6–9 % and 12 % for a trained model.
public struct FallbackRule: Sendable, Equatable {
    public var factor: Double
    public var earliestCheckpoint: Int

    public init(factor: Double = 0.5, earliestCheckpoint: Int = 150) {
        self.factor = factor
        self.earliestCheckpoint = earliestCheckpoint
    }

    /// The predicted minimum at a checkpoint, or nil before the rule applies or without a pressure.
    public func predict(_ features: [String: Double], checkpoint: Int) -> Double? {
        guard checkpoint >= earliestCheckpoint, let pressure = features["pressure_mbar"], pressure.isFinite,
            pressure > 0
        else { return nil }
        return factor * pressure
    }
}
