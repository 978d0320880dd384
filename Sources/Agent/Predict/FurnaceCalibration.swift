public import Drift
import Glibc

/// One labeled prediction a calibration can use: a model's live prediction at a checkpoint of an event whose
/// minimum is now known, with the event's features at that checkpoint.
public struct CalibrationSample: Sendable, Equatable {
    public var checkpoint: Int
    public var predicted: Double
    public var minimum: Double
    /// The features the prediction was made from; empty when not stored (such a row cannot be weighted).
    public var features: [String: Double]

    public init(checkpoint: Int, predicted: Double, minimum: Double, features: [String: Double]) {
        self.checkpoint = checkpoint
        self.predicted = predicted
        self.minimum = minimum
        self.features = features
    }
}

/// The density ratio toward one furnace that weights a calibration: the domain classifier's ratio
/// p_furnace(x) ÷ p_fleet(x) on the weighting features, flattened to w^λ (the largest λ ≤ 1 that keeps
/// ``AgentPolicy/minimumEffectiveShare`` of the fleet's rows effective, the rule training weights follow).
public struct FurnaceShift: Sendable {
    let columns: WeightingColumns
    let ratio: DensityRatio
    /// λ.
    public let exponent: Double

    /// w^λ at a row; nil when it cannot be evaluated.
    public func weight(_ features: [String: Double]) -> Double? {
        guard let value = try? ratio.ratio(at: columns.row(features)), value.isFinite, value >= 0 else { return nil }
        return pow(value, exponent)
    }
}

/// What the uncertainty of a model's predictions at one checkpoint of one furnace is computed from.
///
/// With the model's labeled predictions on other furnaces (the fleet) and features of this furnace's events to
/// point a density ratio at, the calibration is weighted conformal under covariate shift (Tibshirani, Barber,
/// Candès & Ramdas 2019) on the fleet's and the furnace's own errors together. Taken together they are a sample of
/// the mixture π_f·p_fleet + π_o·p_furnace (π by row counts), so each calibration row and the new prediction are
/// weighted by p_furnace ÷ mixture = w ÷ (π_f + π_o·w): a furnace like the fleet is served from its first event
/// on, one unlike it gets wide or unbounded intervals until its own events carry the calibration, and no weight
/// exceeds 1 ÷ π_o once it has some. Without a fleet, or without features to weight by, the calibration is the
/// furnace's own errors, unweighted.
public struct CheckpointCalibration: Sendable {
    public let calibration: ConformalCalibration
    /// Nil: unweighted, the new prediction's weight 1.
    public let shift: FurnaceShift?
    /// π_f and π_o.
    let fleetShare: Double
    let ownShare: Double
    /// The furnace's own labeled events in the calibration, and the fleet's.
    public let ownEvents: Int
    public let fleetEvents: Int

    /// The weight of a new prediction from these features; nil when the ratio cannot be evaluated there.
    public func testWeight(_ features: [String: Double]) -> Double? {
        guard let shift else { return 1 }
        return shift.weight(features).map(mixture)
    }

    func mixture(_ weight: Double) -> Double { weight / (fleetShare + ownShare * weight) }

    /// The own-errors calibration (no fleet): nil without a usable row.
    public init?(own: [CalibrationSample]) {
        let usable = own.filter { $0.predicted > 0 && $0.minimum > 0 }
        guard
            let calibration = try? ConformalCalibration(
                predictions: usable.map(\.predicted), observations: usable.map(\.minimum), space: .logarithmic)
        else { return nil }
        self.calibration = calibration
        self.shift = nil
        (fleetShare, ownShare) = (0, 1)
        (ownEvents, fleetEvents) = (usable.count, 0)
    }

    /// The calibration on the fleet's and the furnace's own errors, weighted toward the furnace; nil without a
    /// usable row, or when a row's weight cannot be evaluated.
    public init?(own: [CalibrationSample], fleet: [CalibrationSample], shift: FurnaceShift) {
        let own = own.filter { $0.predicted > 0 && $0.minimum > 0 }
        let fleet = fleet.filter { $0.predicted > 0 && $0.minimum > 0 }
        let total = Double(own.count + fleet.count)
        guard total > 0 else { return nil }
        (fleetShare, ownShare) = (Double(fleet.count) / total, Double(own.count) / total)
        self.shift = shift
        (ownEvents, fleetEvents) = (own.count, fleet.count)
        let rows = fleet + own
        var weights: [Double] = []
        weights.reserveCapacity(rows.count)
        for row in rows {
            guard let weight = shift.weight(row.features) else { return nil }
            weights.append(weight / (fleetShare + ownShare * weight))
        }
        guard
            let calibration = try? ConformalCalibration(
                predictions: rows.map(\.predicted), observations: rows.map(\.minimum), weights: weights,
                space: .logarithmic)
        else { return nil }
        self.calibration = calibration
    }

    /// A model's calibrations on a furnace by checkpoint: weighted toward the furnace when the fleet has labeled
    /// predictions of the model and the furnace has events with features, else its own errors alone.
    /// - Parameters:
    ///   - own: the model's labeled predictions on this furnace (the newest ``PredictionUncertainty/calibrationLimit`` per
    ///     checkpoint are kept).
    ///   - fleet: the same on the other furnaces.
    ///   - furnaceRows: features of the furnace's recent events at every checkpoint, labeled or not: what the ratio
    ///     points toward.
    public static func byCheckpoint(
        own: [CalibrationSample], fleet: [CalibrationSample], furnaceRows: [[String: Double]],
        policy: AgentPolicy = AgentPolicy()
    ) -> [Int: CheckpointCalibration] {
        let limit = PredictionUncertainty.calibrationLimit
        let ownGroups = Dictionary(grouping: own, by: \.checkpoint).mapValues { Array($0.suffix(limit)) }
        let fleetGroups = Dictionary(grouping: fleet.filter { !$0.features.isEmpty }, by: \.checkpoint)
        // In checkpoint order: the fit must not depend on a dictionary's order.
        let shift = FurnaceShift.fit(
            fleet: fleetGroups.keys.sorted().flatMap { fleetGroups[$0] ?? [] }.map(\.features), furnace: furnaceRows,
            policy: policy)
        var result: [Int: CheckpointCalibration] = [:]
        for checkpoint in Set(ownGroups.keys).union(fleetGroups.keys) {
            let mine = ownGroups[checkpoint] ?? []
            if let shift, let fleetRows = fleetGroups[checkpoint], !fleetRows.isEmpty,
                mine.allSatisfy({ !$0.features.isEmpty }),
                let weighted = CheckpointCalibration(own: mine, fleet: fleetRows, shift: shift)
            {
                result[checkpoint] = weighted
            } else if let alone = CheckpointCalibration(own: mine) {
                result[checkpoint] = alone
            }
        }
        return result
    }
}

extension FurnaceShift {
    /// The fleet rows kept to fit the ratio on, at most.
    static let fittingRows = 2000

    /// Fits the ratio toward a furnace; nil with no rows on either side or when the fit fails.
    static func fit(fleet: [[String: Double]], furnace: [[String: Double]], policy: AgentPolicy) -> FurnaceShift? {
        guard !fleet.isEmpty, !furnace.isEmpty else { return nil }
        // An even spread of the fleet's rows when there are more than the fit needs.
        let step = max(1, (fleet.count + fittingRows - 1) / fittingRows)
        let source = stride(from: 0, to: fleet.count, by: step).map { fleet[$0] }
        guard let columns = WeightingColumns(source: source, target: furnace),
            let sourceMatrix = try? columns.matrix(source, sample: "fleet"),
            let targetMatrix = try? columns.matrix(furnace, sample: "furnace"),
            let ratio = try? ClassifierDensityRatio().fit(source: sourceMatrix, target: targetMatrix),
            let atFleet = try? ratio.ratio(at: sourceMatrix),
            let (_, exponent) = try? WeightDiagnostics.flattened(atFleet, minimumShare: policy.minimumEffectiveShare)
        else { return nil }
        return FurnaceShift(columns: columns, ratio: ratio, exponent: exponent)
    }
}

/// The weighting features (``CandidateTrainer/weightingFeatures``) as columns: missing values imputed with the pooled
/// median of source and target, features constant across both left out (they carry no information and cannot be
/// standardised).
public struct WeightingColumns: Sendable {
    public let names: [String]
    public let medians: [Double]

    /// Nil when no weighting feature varies.
    public init?(source: [[String: Double]], target: [[String: Double]]) {
        var names: [String] = []
        var medians: [Double] = []
        for name in CandidateTrainer.weightingFeatures {
            let present = (source + target).compactMap { $0[name] }.filter(\.isFinite).sorted()
            guard let first = present.first, let last = present.last, first != last else { continue }
            names.append(name)
            medians.append(present[present.count / 2])
        }
        guard !names.isEmpty else { return nil }
        self.names = names
        self.medians = medians
    }

    /// A row's values in ``names`` order.
    public func row(_ features: [String: Double]) -> [Double] {
        zip(names, medians).map { name, median in
            let value = features[name] ?? .nan
            return value.isFinite ? value : median
        }
    }

    /// Rows as a matrix on ``names``.
    public func matrix(_ rows: [[String: Double]], sample: String) throws(DriftError) -> FeatureMatrix {
        try FeatureMatrix(rows: rows.map(row), featureNames: names, sample: sample)
    }
}
