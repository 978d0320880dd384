import Drift
import Trees

/// Who predicts for a furnace at one checkpoint: its champion (or, without a usable one, the fallback rule), and
/// the models predicting beside it — shadows under evaluation, and the replaced champion during a watch.
public struct ServingPlan: Sendable {
    public var device: String
    /// Nil: the fallback rule decides.
    public var champion: MinimumPressurePredictor?
    public var beside: [(role: DeploymentRole, predictor: MinimumPressurePredictor)]
    public var fallback: FallbackRule
    /// Per model version (0: the fallback rule), the conformal calibration of that model's past errors by checkpoint
    /// seconds — on this furnace, and on the fleet's weighted toward it (``CheckpointCalibration``): what the
    /// uncertainty of its predictions is computed from. A model missing here, or at a checkpoint, has too few
    /// labeled predictions there and its predictions carry no interval.
    public var calibrations: [Int: [Int: CheckpointCalibration]] = [:]

    /// A deciding prediction: its value, the model that made it (0: the fallback rule), and how sure it is.
    public typealias Decisive = (value: Double, model: Int, uncertainty: PredictionUncertainty?)

    /// The predictions at a checkpoint: every model's, for the store, each with its interval where its calibration
    /// allows one, and the deciding one (champion or fallback).
    /// - Parameter threshold: the event's threshold, for the failure probability.
    public func predict(
        _ features: [String: Double], checkpoint: Int, threshold: Double, eventID: Int64, at time: Int64
    ) -> (decisive: Decisive?, records: [StoredPrediction]) {
        var records: [StoredPrediction] = []
        var decisive: Decisive?
        func record(_ value: Double, model: Int, role: PredictionRole) -> StoredPrediction {
            let uncertainty = calibrations[model]?[checkpoint].flatMap {
                PredictionUncertainty(prediction: value, threshold: threshold, calibration: $0, features: features)
            }
            return StoredPrediction(
                eventID: eventID, checkpoint: checkpoint, modelVersion: model, role: role, predicted: value,
                time: time, uncertainty: uncertainty)
        }
        if let champion, let value = champion.predict(features) {
            let made = record(value, model: champion.version, role: .champion)
            decisive = (value, champion.version, made.uncertainty)
            records.append(made)
        } else if let value = fallback.predict(features, checkpoint: checkpoint) {
            let made = record(value, model: 0, role: .fallback)
            decisive = (value, 0, made.uncertainty)
            records.append(made)
        }
        for (role, predictor) in beside {
            guard let value = predictor.predict(features) else { continue }
            records.append(record(value, model: predictor.version, role: PredictionRole(role)))
        }
        return (decisive, records)
    }

    /// The versions that may predict here: 0 (the fallback rule, which decides whenever the champion cannot), the
    /// champion, and the models beside it.
    public var models: [Int] { [0] + (champion.map { [$0.version] } ?? []) + beside.map(\.predictor.version) }
}

/// The deployments the agent serves from, with the models loaded for them: one place that answers "who predicts
/// for this furnace now", and caches each model once.
///
/// A model that cannot be used (a missing or damaged file, another feature schema) is remembered with its reason,
/// and its furnaces fall back to the fallback rule when it is their champion.
public struct ModelRoster: Sendable {
    public private(set) var deployments: [Deployment] = []
    private var predictors: [Int: MinimumPressurePredictor] = [:]
    /// Models that cannot be used, with the reason.
    public private(set) var unusable: [Int: String] = [:]
    public let fallback: FallbackRule

    public init(fallback: FallbackRule) { self.fallback = fallback }

    /// Serves from these deployments from now on.
    public mutating func update(_ deployments: [Deployment]) { self.deployments = deployments }

    /// Deployed versions neither loaded nor known to be unusable.
    public var versionsToLoad: [Int] {
        Set(deployments.map(\.version)).filter { predictors[$0] == nil && unusable[$0] == nil }.sorted()
    }

    /// Keeps a loaded model.
    public mutating func add(_ predictor: MinimumPressurePredictor) { predictors[predictor.version] = predictor }

    /// Remembers that a model cannot be used.
    public mutating func markUnusable(_ version: Int, reason: String) {
        unusable[version] = reason
        predictors[version] = nil
    }

    /// Forgets models no furnace uses any more (their memory goes back to the system).
    public mutating func dropUnused() {
        let used = Set(deployments.map(\.version))
        predictors = predictors.filter { used.contains($0.key) }
    }

    /// A furnace's deployment in a role (the first, for shadows).
    public func deployment(of device: String, _ role: DeploymentRole) -> Deployment? {
        deployments.first { $0.device == device && $0.role == role }
    }

    /// A furnace's deployments in a role.
    public func deployments(of device: String, _ role: DeploymentRole) -> [Deployment] {
        deployments.filter { $0.device == device && $0.role == role }
    }

    /// A loaded model.
    public func predictor(_ version: Int) -> MinimumPressurePredictor? { predictors[version] }

    /// Who predicts for a furnace now.
    public func plan(for device: String) -> ServingPlan {
        let champion = deployment(of: device, .champion).flatMap { predictors[$0.version] }
        let beside = deployments.filter { $0.device == device && $0.role != .champion }.compactMap { deployment in
            predictors[deployment.version].map { (role: deployment.role, predictor: $0) }
        }
        return ServingPlan(device: device, champion: champion, beside: beside, fallback: fallback)
    }

    /// What serves a furnace, in words (`model v3`, or `fallback rule`).
    public func source(for device: String) -> String {
        guard let champion = deployment(of: device, .champion), predictors[champion.version] != nil else {
            return "fallback rule"
        }
        return "model v\(champion.version)"
    }
}
