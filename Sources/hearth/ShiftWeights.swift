import Drift
import Glibc
import Trees

/// Density-ratio weights toward unlabeled rows, for weighted conformal intervals: the ratio is fitted with the
/// calibration rows as the source and the unlabeled rows as the target, then evaluated at the calibration rows and
/// at the rows to predict.
///
/// The features are the model's, less the ignored ones and those that take one value in both samples; a missing
/// value takes the feature's median over both samples, at fitting and at evaluation alike. With a minimum effective
/// share the ratio is flattened to w^λ, with the largest λ ≤ 1 that keeps that share of the calibration rows
/// effective (``WeightDiagnostics/flattened(_:minimumShare:)``).
struct ShiftWeights {
    /// The features the ratio reads.
    let features: [String]
    /// w at each calibration row.
    let calibration: [Double]
    /// w at each row to predict.
    let data: [Double]
    /// The power λ the ratio was raised to (1 unless flattened to a minimum effective share).
    let exponent: Double

    /// - Throws: ``CommandFailure`` when an ignored column is not a model feature or no feature is left; the
    ///   CSV's ``DatasetError`` when the unlabeled file lacks a feature; ``DriftError`` from the estimator.
    init(
        model: TreeModel, calibration: Dataset, data: Dataset, shiftToward path: String, ignoring: [String],
        method: ImportanceWeighting.Method, minimumEffectiveShare: Double?, seed: UInt64
    ) throws {
        for name in ignoring where !model.featureNames.contains(name) {
            throw CommandFailure(
                "--shift-ignore \(name): the model has no feature of that name (its features: "
                    + "\(model.featureNames.joined(separator: ", ")))")
        }
        let candidates = model.featureNames.filter { !ignoring.contains($0) }
        let table = try CSVTable(contentsOfFile: path)
        let unlabeled = try Dataset(csv: table, featureNames: candidates)
        var names: [String] = []
        var medians: [Double] = []
        for name in candidates {
            let values = (Self.values(calibration, name) + Self.values(unlabeled, name)).filter(\.isFinite).sorted()
            guard let first = values.first, let last = values.last, first != last else { continue }
            names.append(name)
            medians.append(values[values.count / 2])
        }
        guard !names.isEmpty else {
            throw CommandFailure(
                "no model feature varies across \(path) and the calibration rows, so there is nothing to weight by")
        }
        func matrix(_ rows: Dataset, sample: String) throws(DriftError) -> FeatureMatrix {
            var values: [Double] = []
            values.reserveCapacity(rows.rowCount * names.count)
            let columns = names.map { rows.featureIndex(named: $0)! }
            for row in 0..<rows.rowCount {
                for (feature, column) in columns.enumerated() {
                    let value = Double(rows.value(row: row, feature: column))
                    values.append(value.isFinite ? value : medians[feature])
                }
            }
            return try FeatureMatrix(featureNames: names, values: values, sample: sample)
        }
        let source = try matrix(calibration, sample: "calibration")
        let target = try matrix(unlabeled, sample: "shift-toward")
        let ratio: DensityRatio
        switch method {
        case .ulsif:
            ratio = try UnconstrainedLeastSquaresImportanceFitting(seed: seed).fit(source: source, target: target).ratio
        case .classifier, .kmm:
            ratio = try ClassifierDensityRatio().fit(source: source, target: target)
        }
        features = names
        var calibrationWeights = try ratio.ratio(at: source)
        var dataWeights = try ratio.ratio(at: try matrix(data, sample: "data"))
        var power = 1.0
        if let minimumEffectiveShare {
            // w^λ is a function of x too, so the same λ applies at the rows to predict.
            let flattened = try WeightDiagnostics.flattened(calibrationWeights, minimumShare: minimumEffectiveShare)
            power = flattened.exponent
            calibrationWeights = flattened.weights
            dataWeights = dataWeights.map { $0 > 0 ? pow($0, flattened.exponent) : 0 }
        }
        exponent = power
        self.calibration = calibrationWeights
        self.data = dataWeights
    }

    private static func values(_ rows: Dataset, _ name: String) -> [Double] {
        guard let feature = rows.featureIndex(named: name) else { return [] }
        return rows.column(feature).map(Double.init)
    }
}
