/// What went wrong with the input to a drift test or a weighting method, with enough context to fix it.
///
/// Every case reads as one sentence through ``description``: which sample, which row, which feature, and what the
/// method needs instead.
public enum DriftError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sample has no rows, or its rows have no columns.
    case emptySample(sample: String)
    /// A sample has fewer rows than the method needs.
    case tooFewRows(sample: String, rows: Int, minimum: Int)
    /// A row's length differs from the number of feature names.
    case raggedRow(sample: String, row: Int, length: Int, expected: Int)
    /// Two samples do not have the same features in the same order.
    case mismatchedColumns(reference: [String], current: [String])
    /// A value is NaN or infinite.
    case nonFiniteValue(sample: String, row: Int, feature: String, value: Double)
    /// A feature takes a single value across both samples, so it cannot be standardised and carries no signal.
    case constantFeature(feature: String, value: Double)
    /// A parameter is outside its valid range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// A calibration row's score, weight, prediction or observation cannot be used (row numbers start at 0).
    case invalidCalibration(row: Int, field: String, value: Double, requirement: String)

    public var description: String {
        switch self {
        case .emptySample(let sample):
            return "The \(sample) sample is empty: it needs at least one row and one feature column."
        case .tooFewRows(let sample, let rows, let minimum):
            return "The \(sample) sample has \(rows) row\(rows == 1 ? "" : "s"); this method needs at least \(minimum)."
        case .raggedRow(let sample, let row, let length, let expected):
            return "Row \(row) of the \(sample) sample has \(length) values, but there are \(expected) features."
        case .mismatchedColumns(let reference, let current):
            let referenceNames = Set(reference)
            let currentNames = Set(current)
            let onlyReference = reference.filter { !currentNames.contains($0) }
            let onlyCurrent = current.filter { !referenceNames.contains($0) }
            var parts: [String] = []
            if !onlyReference.isEmpty { parts.append("only in the first: \(onlyReference.joined(separator: ", "))") }
            if !onlyCurrent.isEmpty { parts.append("only in the second: \(onlyCurrent.joined(separator: ", "))") }
            if parts.isEmpty { parts.append("same names in a different order") }
            return "The two samples have different feature columns (\(parts.joined(separator: "; ")))."
        case .nonFiniteValue(let sample, let row, let feature, let value):
            return "Row \(row) of the \(sample) sample has \(value) in feature '\(feature)'; every value must be a "
                + "finite number (drop or impute missing values first)."
        case .constantFeature(let feature, let value):
            return "Feature '\(feature)' is \(value) in every row of both samples; it carries no information, "
                + "so leave it out (for example with --ignore \(feature))."
        case .invalidParameter(let name, let value, let requirement):
            return "\(name) is \(value), but it must be \(requirement)."
        case .invalidCalibration(let row, let field, let value, let requirement):
            return "Calibration row \(row) has \(field) \(value), but it must be \(requirement)."
        }
    }
}
