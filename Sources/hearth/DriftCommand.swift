import ArgumentParser
import Drift
import Glibc
import Trees

/// `hearth drift`: covariate-shift detection between two samples, and importance weights that correct for it.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Detects covariate shift between two CSV files and computes importance weights.",
        discussion: """
            Columns follow the rules of hearth train: every column but the --ignore'd ones is a feature, and \
            both files must have the same features (in any order). Drift tests need a number in every feature \
            cell. See docs/drift.md for the tests, the verdict rule and the weighting methods.
            """,
        subcommands: [DriftDetectCommand.self, DriftWeightsCommand.self])
}

/// Two CSV files read as feature matrices with the same features, in the first file's column order.
enum DriftSamples {
    /// Reads both files; a column listed in `ignoring` is left out of whichever file has it. With
    /// `dropIncomplete`, rows with a missing feature value are left out (and counted on standard error) instead of
    /// stopping the command.
    static func load(
        _ firstPath: String, _ secondPath: String, ignoring: [String], names: (String, String),
        dropIncomplete: Bool = false
    ) throws -> (FeatureMatrix, FeatureMatrix) {
        let firstTable = try CSVTable(contentsOfFile: firstPath)
        let secondTable = try CSVTable(contentsOfFile: secondPath)
        let first = try Dataset(csv: firstTable, ignoring: present(ignoring, in: firstTable))
        let second = try Dataset(csv: secondTable, ignoring: present(ignoring, in: secondTable))
        let firstNames = Set(first.featureNames)
        let secondNames = Set(second.featureNames)
        guard firstNames == secondNames else {
            let onlyFirst = first.featureNames.filter { !secondNames.contains($0) }
            let onlySecond = second.featureNames.filter { !firstNames.contains($0) }
            var parts: [String] = []
            if !onlyFirst.isEmpty { parts.append("only in \(firstPath): \(onlyFirst.joined(separator: ", "))") }
            if !onlySecond.isEmpty { parts.append("only in \(secondPath): \(onlySecond.joined(separator: ", "))") }
            throw DriftInputError(
                "\(firstPath) and \(secondPath) have different feature columns (\(parts.joined(separator: "; "))); "
                    + "--ignore the columns that are not features, such as a target")
        }
        let aligned = try Dataset(csv: secondTable, featureNames: first.featureNames)
        return (
            try matrix(first, table: firstTable, sample: names.0, dropIncomplete: dropIncomplete),
            try matrix(aligned, table: secondTable, sample: names.1, dropIncomplete: dropIncomplete)
        )
    }

    private static func present(_ columns: [String], in table: CSVTable) -> Set<String> {
        Set(columns.filter { table.columnIndex(named: $0) != nil })
    }

    /// The dataset's features as a row-major matrix; a missing cell is an error naming its file, line and column,
    /// or, with `dropIncomplete`, leaves its row out.
    private static func matrix(
        _ dataset: Dataset, table: CSVTable, sample: String, dropIncomplete: Bool
    ) throws
        -> FeatureMatrix
    {
        var values: [Double] = []
        values.reserveCapacity(dataset.rowCount * dataset.featureCount)
        var dropped = 0
        rows: for row in 0..<dataset.rowCount {
            let cells = dataset.row(row)
            if let feature = cells.firstIndex(where: \.isNaN) {
                if dropIncomplete {
                    dropped += 1
                    continue rows
                }
                let name = dataset.featureNames[feature]
                let column = (table.columnIndex(named: name) ?? feature) + 1
                throw DriftInputError(
                    "\(table.source):\(table.line(ofRow: row)):\(column): feature '\(name)' is missing in the \(sample) "
                        + "sample; drift tests need a number in every feature cell (fill or drop the row, "
                        + "--drop-incomplete, or --ignore \(name))")
            }
            values.append(contentsOf: cells.map(Double.init))
        }
        if dropped > 0 {
            StandardError.emit(
                "left out \(dropped) of \(dataset.rowCount) \(sample) rows with a missing feature value\n")
        }
        return try FeatureMatrix(featureNames: dataset.featureNames, values: values, sample: sample)
    }
}

/// A problem with the input files that the drift module cannot see, such as a missing cell.
struct DriftInputError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Numbers for people: four decimals, or three significant digits in scientific notation when smaller.
enum DriftNumberFormat {
    static func short(_ value: Double) -> String {
        guard value.isFinite else { return value.description }
        if value == 0 || abs(value) >= 1e-3 {
            let rounded = (value * 10_000).rounded() / 10_000
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : rounded.description
        }
        var exponent = Int(log10(abs(value)).rounded(.down))
        var mantissa = (value / pow(10, Double(exponent)) * 100).rounded() / 100
        if abs(mantissa) >= 10 {
            mantissa /= 10
            exponent += 1
        }
        return "\(mantissa)e\(exponent)"
    }
}
