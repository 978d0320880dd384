import ArgumentParser
import Drift
import Glibc
import Support
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
    /// stopping the command; `firstRows` are the first file's rows kept, by their index among its data rows.
    static func load(
        _ firstPath: String, _ secondPath: String, ignoring: [String], names: (String, String),
        dropIncomplete: Bool = false
    ) throws -> (FeatureMatrix, FeatureMatrix, firstRows: [Int]) {
        let firstTable = try CSVTable(contentsOfFile: firstPath)
        let secondTable = try CSVTable(contentsOfFile: secondPath)
        let first = try Dataset(csv: firstTable, ignoring: present(ignoring, in: firstTable))
        let second = try Dataset(csv: secondTable, ignoring: present(ignoring, in: secondTable))
        let firstNames = Set(first.featureNames)
        let secondNames = Set(second.featureNames)
        // Every problem of both files at once: the columns, then each file's missing cells.
        var problems: [String] = []
        if firstNames != secondNames {
            let onlyFirst = first.featureNames.filter { !secondNames.contains($0) }
            let onlySecond = second.featureNames.filter { !firstNames.contains($0) }
            var parts: [String] = []
            if !onlyFirst.isEmpty { parts.append("only in \(firstPath): \(onlyFirst.joined(separator: ", "))") }
            if !onlySecond.isEmpty { parts.append("only in \(secondPath): \(onlySecond.joined(separator: ", "))") }
            problems.append(
                "\(firstPath) and \(secondPath) have different feature columns (\(parts.joined(separator: "; "))); "
                    + "--ignore the columns that are not features, such as a target")
        }
        let aligned =
            firstNames == secondNames ? try Dataset(csv: secondTable, featureNames: first.featureNames) : second
        let firstMatrix = matrix(first, table: firstTable, sample: names.0, dropIncomplete: dropIncomplete)
        let secondMatrix = matrix(aligned, table: secondTable, sample: names.1, dropIncomplete: dropIncomplete)
        problems += firstMatrix.problems + secondMatrix.problems
        guard problems.isEmpty, let firstValues = firstMatrix.matrix, let secondValues = secondMatrix.matrix else {
            throw DriftInputError(problems.joined(separator: "\n"))
        }
        let (reducedFirst, reducedSecond) = try withoutConstantFeatures(firstValues, secondValues)
        return (reducedFirst, reducedSecond, firstMatrix.rows)
    }

    /// Both matrices without the features that hold one value in every row of both samples (a valve always
    /// open, an attribute two furnaces share): they carry no information and the tests refuse them. Left out
    /// with a note on standard error, all at once.
    static func withoutConstantFeatures(
        _ first: FeatureMatrix, _ second: FeatureMatrix
    ) throws -> (FeatureMatrix, FeatureMatrix) {
        let constant = first.featureNames.indices.filter { feature in
            guard first.rowCount > 0, second.rowCount > 0 else { return false }
            let value = first[0, feature]
            return first.column(feature).allSatisfy { $0 == value } && second.column(feature).allSatisfy { $0 == value }
        }
        guard !constant.isEmpty, constant.count < first.featureCount else { return (first, second) }
        StandardError.emit(
            "left out "
                + constant.map { "\(first.featureNames[$0]) (\(NumberFormat.exact(first[0, $0])) in every row)" }
                .joined(separator: ", ") + ": the same value throughout both samples carries no information\n")
        let kept = first.featureNames.indices.filter { !constant.contains($0) }
        func reduced(_ matrix: FeatureMatrix, _ sample: String) throws -> FeatureMatrix {
            var values: [Double] = []
            values.reserveCapacity(matrix.rowCount * kept.count)
            for row in 0..<matrix.rowCount { for feature in kept { values.append(matrix[row, feature]) } }
            return try FeatureMatrix(featureNames: kept.map { matrix.featureNames[$0] }, values: values, sample: sample)
        }
        return (try reduced(first, "reference"), try reduced(second, "current"))
    }

    private static func present(_ columns: [String], in table: CSVTable) -> Set<String> {
        Set(columns.filter { table.columnIndex(named: $0) != nil })
    }

    /// The dataset's features as a row-major matrix, or every missing cell as a problem naming its file, line and
    /// column (the first 10, then how many more); with `dropIncomplete` such rows are left out instead.
    private static func matrix(
        _ dataset: Dataset, table: CSVTable, sample: String, dropIncomplete: Bool
    ) -> (matrix: FeatureMatrix?, problems: [String], rows: [Int]) {
        var values: [Double] = []
        var kept: [Int] = []
        values.reserveCapacity(dataset.rowCount * dataset.featureCount)
        var dropped = 0
        var problems: [String] = []
        var missingCells = 0
        for row in 0..<dataset.rowCount {
            let cells = dataset.row(row)
            let missing = cells.indices.filter { cells[$0].isNaN }
            guard missing.isEmpty else {
                if dropIncomplete {
                    dropped += 1
                    continue
                }
                for feature in missing {
                    missingCells += 1
                    guard problems.count < 10 else { continue }
                    let name = dataset.featureNames[feature]
                    let column = (table.columnIndex(named: name) ?? feature) + 1
                    problems.append(
                        "\(table.source):\(table.line(ofRow: row)):\(column): feature '\(name)' is missing in the "
                            + "\(sample) sample")
                }
                continue
            }
            values.append(contentsOf: cells.map(Double.init))
            kept.append(row)
        }
        if missingCells > 0 {
            if missingCells > problems.count {
                problems.append("\(table.source): \(missingCells - problems.count) more missing cells")
            }
            problems.append(
                "drift tests need a number in every feature cell: fill or drop those rows, give --drop-incomplete, "
                    + "or --ignore the column")
            return (nil, problems, [])
        }
        if dropped > 0 {
            StandardError.emit(
                "left out \(dropped) of \(dataset.rowCount) \(sample) rows with a missing feature value\n")
        }
        do {
            return (try FeatureMatrix(featureNames: dataset.featureNames, values: values, sample: sample), [], kept)
        } catch {
            return (nil, ["\(error)"], [])
        }
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
        guard value.isFinite else { return NumberFormat.exact(value) }
        // Below the normal range the mantissa's division overflows (`infe-323`).
        guard abs(value) >= 1e-300 || value == 0 else { return "0" }
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
