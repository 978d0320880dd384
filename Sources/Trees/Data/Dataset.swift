/// A table of numeric features for regression: one row per example, one named column per feature, an optional
/// target per row and optional per-row weights.
///
/// Values are 32-bit floats stored column by column; `Float.nan` marks a missing value. Weights, when present,
/// are finite and non-negative; a row of weight 2 counts as two identical rows.
public struct Dataset: Sendable {
    /// Feature names, in column order.
    public let featureNames: [String]
    /// The number of rows.
    public let rowCount: Int
    /// The target value of each row, when the dataset has one (training and evaluation data do).
    public let targets: [Float]?
    /// The name of the target column, when the dataset came from a table that had one.
    public let targetName: String?
    /// The weight of each row; `nil` means every row weighs 1.
    public let weights: [Float]?
    /// Feature values, column-major: feature `f` of row `r` is at `f * rowCount + r`.
    let values: [Float]

    /// The number of features.
    public var featureCount: Int { featureNames.count }

    /// Creates a dataset from feature columns.
    /// - Parameters:
    ///   - featureNames: One distinct name per column.
    ///   - columns: One array per feature, all of the same length; `Float.nan` is a missing value.
    ///   - targets: One target per row, or `nil`.
    ///   - targetName: The target's name, kept for model metadata.
    ///   - weights: One finite, non-negative weight per row, or `nil` for equal weights.
    /// - Throws: ``DatasetError`` when sizes disagree, names repeat, a target is missing or a weight is invalid.
    public init(
        featureNames: [String], columns: [[Float]], targets: [Float]? = nil, targetName: String? = nil,
        weights: [Float]? = nil
    ) throws(DatasetError) {
        guard featureNames.count == columns.count else {
            throw DatasetError(
                .shapeMismatch("\(featureNames.count) feature names were given for \(columns.count) columns"))
        }
        let rowCount = columns.first?.count ?? targets?.count ?? 0
        for (name, column) in zip(featureNames, columns) where column.count != rowCount {
            throw DatasetError(
                .shapeMismatch("column \"\(name)\" has \(column.count) values but the first has \(rowCount)"))
        }
        try self.init(
            featureNames: featureNames, rowCount: rowCount, columnMajorValues: Array(columns.joined()),
            targets: targets, targetName: targetName, weights: weights)
    }

    /// Creates a dataset from rows of feature values.
    /// - Parameters:
    ///   - featureNames: One distinct name per feature.
    ///   - rows: One array per row, each with one value per feature; `Float.nan` is a missing value.
    ///   - targets: One target per row, or `nil`.
    ///   - targetName: The target's name, kept for model metadata.
    ///   - weights: One finite, non-negative weight per row, or `nil` for equal weights.
    /// - Throws: ``DatasetError`` when sizes disagree, names repeat, a target is missing or a weight is invalid.
    public init(
        featureNames: [String], rows: [[Float]], targets: [Float]? = nil, targetName: String? = nil,
        weights: [Float]? = nil
    ) throws(DatasetError) {
        let featureCount = featureNames.count
        var values = [Float](repeating: .nan, count: featureCount * rows.count)
        for (rowIndex, row) in rows.enumerated() {
            guard row.count == featureCount else {
                throw DatasetError(
                    .shapeMismatch("row \(rowIndex) has \(row.count) values but there are \(featureCount) features"))
            }
            for (feature, value) in row.enumerated() {
                values[feature * rows.count + rowIndex] = value
            }
        }
        try self.init(
            featureNames: featureNames, rowCount: rows.count, columnMajorValues: values, targets: targets,
            targetName: targetName, weights: weights)
    }

    /// Creates a dataset from column-major values, checking every invariant.
    init(
        featureNames: [String], rowCount: Int, columnMajorValues values: [Float], targets: [Float]?,
        targetName: String?, weights: [Float]?
    ) throws(DatasetError) {
        var seen: Set<String> = []
        seen.reserveCapacity(featureNames.count)
        for name in featureNames where !seen.insert(name).inserted {
            throw DatasetError(.duplicateColumn, columnName: name)
        }
        guard values.count == featureNames.count * rowCount else {
            throw DatasetError(
                .shapeMismatch("\(values.count) values do not fill \(rowCount) rows of \(featureNames.count) features"))
        }
        if let targets {
            guard targets.count == rowCount else {
                throw DatasetError(.shapeMismatch("\(targets.count) targets were given for \(rowCount) rows"))
            }
            if let row = targets.firstIndex(where: { !$0.isFinite }) {
                throw DatasetError(.missingTarget, row: row, columnName: targetName, value: "\(targets[row])")
            }
        }
        if let weights {
            guard weights.count == rowCount else {
                throw DatasetError(.shapeMismatch("\(weights.count) weights were given for \(rowCount) rows"))
            }
            if let row = weights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw DatasetError(.invalidWeight, row: row, value: "\(weights[row])")
            }
        }
        self.featureNames = featureNames
        self.rowCount = rowCount
        self.values = values
        self.targets = targets
        self.targetName = targetName
        self.weights = weights
    }

    /// The value of one feature in one row (`Float.nan` when missing).
    public func value(row: Int, feature: Int) -> Float {
        precondition(row >= 0 && row < rowCount && feature >= 0 && feature < featureCount, "cell out of range")
        return values[feature * rowCount + row]
    }

    /// All values of one feature, in row order.
    public func column(_ feature: Int) -> ArraySlice<Float> {
        values[(feature * rowCount)..<((feature + 1) * rowCount)]
    }

    /// All feature values of one row, in feature order.
    public func row(_ row: Int) -> [Float] {
        (0..<featureCount).map { values[$0 * rowCount + row] }
    }

    /// The position of the feature with this name, if the dataset has it.
    public func featureIndex(named name: String) -> Int? {
        featureNames.firstIndex(of: name)
    }

    /// The weight of a row: its weight, or 1 when the dataset has none.
    public func weight(row: Int) -> Float {
        weights?[row] ?? 1
    }

    /// The same rows with other weights.
    /// - Throws: ``DatasetError`` when the count differs from ``rowCount`` or a weight is invalid.
    public func replacingWeights(_ weights: [Float]?) throws(DatasetError) -> Dataset {
        try Dataset(
            featureNames: featureNames, rowCount: rowCount, columnMajorValues: values, targets: targets,
            targetName: targetName, weights: weights)
    }

    /// The same rows with the features reordered (and narrowed) to `names`, for a model trained on those names.
    /// - Throws: ``DatasetError`` with reason ``DatasetError/Reason/unknownColumn`` when a name is missing.
    public func selectingFeatures(_ names: [String]) throws(DatasetError) -> Dataset {
        if names == featureNames { return self }
        var selected = [Float]()
        selected.reserveCapacity(names.count * rowCount)
        let positions = Dictionary(featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for name in names {
            guard let feature = positions[name] else {
                throw DatasetError(.unknownColumn, columnName: name)
            }
            selected.append(contentsOf: column(feature))
        }
        return try Dataset(
            featureNames: names, rowCount: rowCount, columnMajorValues: selected, targets: targets,
            targetName: targetName, weights: weights)
    }

    /// A dataset of the given rows, in the given order (a row may repeat).
    public func selectingRows(_ rows: [Int]) -> Dataset {
        var selected = [Float]()
        selected.reserveCapacity(rows.count * featureCount)
        for feature in 0..<featureCount {
            let base = feature * rowCount
            for row in rows { selected.append(values[base + row]) }
        }
        // Subsets of valid columns, targets and weights stay valid.
        return try! Dataset(
            featureNames: featureNames, rowCount: rows.count, columnMajorValues: selected,
            targets: targets.map { all in rows.map { all[$0] } }, targetName: targetName,
            weights: weights.map { all in rows.map { all[$0] } })
    }
}
