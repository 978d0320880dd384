import ArgumentParser
import Drift
import FoundationEssentials
import Support
import Trees

/// `hearth predict`: applies a model file to a CSV file, one prediction per row, optionally with split-conformal
/// intervals calibrated on labeled rows the model did not train on.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predicts every row of a CSV file with a model (Hearth or XGBoost JSON).",
        discussion: """
            The model's features are matched to the CSV's columns by name; other columns are ignored and a \
            missing feature column is an error. The output is a CSV with one column, prediction, one row per \
            input row, in order. With --calibration and --target it adds lower and upper, the ends of a \
            split-conformal interval holding the true value with probability --coverage (inf when the \
            calibration is too small or too far from the row); with --shift-toward the calibration rows are \
            weighted by the density ratio toward those unlabeled rows (weighted conformal prediction under \
            covariate shift); with --threshold a column p_exceeds, the conformal probability that the true value \
            lies above the threshold. See docs/drift.md.
            """)

    enum ScoreSpace: String, ExpressibleByArgument, CaseIterable {
        case absolute, logarithmic
    }

    enum WeightMethod: String, ExpressibleByArgument, CaseIterable {
        case ulsif, classifier
    }

    @Option(help: "The model file: a Hearth model or an XGBoost JSON model (save_model(\"m.json\")).")
    var model: String

    @Option(help: "The rows to predict: a CSV file with a header row.")
    var data: String

    @Option(help: "Where to write the predictions CSV. (default: standard output)")
    var out: String?

    @Option(help: "Labeled rows the model did not train on (a CSV with its features and --target), for intervals.")
    var calibration: String?

    @Option(help: "The column of --calibration holding the true value, in the unit of the model's output.")
    var target: String?

    @Option(help: "The probability that an interval holds the true value, strictly between 0 and 1. (default: 0.9)")
    var coverage: Double?

    @Option(
        help: """
            absolute (|y − prediction|, intervals prediction ± q) or logarithmic (|log y − log prediction|, \
            intervals prediction·e^(±q); positive values only).
            """)
    var scoreSpace: ScoreSpace = .absolute

    @Option(help: "Unlabeled rows of the distribution to serve (a CSV): weights the calibration toward them.")
    var shiftToward: String?

    @Option(help: "The density-ratio estimator for --shift-toward: ulsif or classifier.")
    var weightMethod: WeightMethod = .classifier

    @Option(
        name: .customLong("shift-ignore"),
        help: "A model feature the density ratio leaves out, such as a furnace's constant attribute (repeatable).")
    var shiftIgnored: [String] = []

    @Option(
        help: """
            Flattens the density ratio to w^λ, with the largest λ ≤ 1 keeping this share of the calibration rows \
            effective (0...1). (default: not flattened)
            """)
    var minimumEffectiveShare: Double?

    @Option(
        help: """
            A column of --calibration and --data, such as seconds_into_event: each row is calibrated only with the \
            calibration rows of its own value. (default: one calibration for all rows)
            """)
    var calibrateBy: String?

    @Option(help: "Adds p_exceeds, the probability that the true value lies above this threshold.")
    var threshold: Double?

    @Option(help: "Seed of the density ratio's random choices (ulsif). (default: 0)")
    var seed: UInt64 = 0

    func validate() throws {
        if (calibration == nil) != (target == nil) {
            throw ValidationError("--calibration and --target go together: the labeled rows and their target column")
        }
        if calibration == nil {
            let needing = [
                coverage.map { _ in "--coverage" }, shiftToward.map { _ in "--shift-toward" },
                threshold.map { _ in "--threshold" }, shiftIgnored.isEmpty ? nil : "--shift-ignore",
                calibrateBy.map { _ in "--calibrate-by" },
            ].compactMap { $0 }
            if let first = needing.first { throw ValidationError("\(first) needs --calibration and --target") }
        }
        if shiftToward == nil, minimumEffectiveShare != nil || !shiftIgnored.isEmpty {
            throw ValidationError("--minimum-effective-share and --shift-ignore apply with --shift-toward only")
        }
        if let minimumEffectiveShare, !(0...1).contains(minimumEffectiveShare) {
            throw ValidationError("--minimum-effective-share must lie within 0...1; got \(minimumEffectiveShare)")
        }
        if let coverage, !(coverage > 0 && coverage < 1) {
            throw ValidationError("--coverage must be strictly between 0 and 1, such as 0.9; got \(coverage)")
        }
        if let threshold, !threshold.isFinite {
            throw ValidationError("--threshold must be a finite number; got \(threshold)")
        }
    }

    func run() async throws {
        let model = try TreeModel.load(from: self.model)
        let table = try CSVTable(contentsOfFile: data)
        let rows = try Dataset(csv: table, featureNames: model.featureNames)
        let predictions = try model.predict(rows, parallel: true).map(Double.init)
        var bands: [(interval: ConformalInterval, exceeds: Double?)]?
        if let calibration, let target {
            bands = try intervals(
                model: model, predictions: predictions, table: table, rows: rows, calibrationPath: calibration,
                target: target)
        }
        var header = "prediction"
        if bands != nil { header += ",lower,upper" }
        if threshold != nil { header += ",p_exceeds" }
        var text = header + "\n"
        text.reserveCapacity(predictions.count * (bands == nil ? 12 : 40))
        for (index, value) in predictions.enumerated() {
            text += Float(value).description
            if let band = bands?[index] {
                text += ",\(band.interval.lower),\(band.interval.upper)"
                if let exceeds = band.exceeds { text += ",\(exceeds)" }
            }
            text += "\n"
        }
        if let out {
            try TextFile.writeDurably(text, to: out)
        } else {
            try StandardOutput.write(text)
        }
    }

    /// Calibrates on the labeled rows (weighted toward --shift-toward if given) and gives each data row its
    /// interval and exceedance probability.
    private func intervals(
        model: TreeModel, predictions: [Double], table: CSVTable, rows: Dataset, calibrationPath: String,
        target: String
    ) throws -> [(interval: ConformalInterval, exceeds: Double?)] {
        let calibrationTable = try CSVTable(contentsOfFile: calibrationPath)
        let labeled = try Dataset(csv: calibrationTable, featureNames: model.featureNames, target: target)
        let calibrationPredictions = try model.predict(labeled, parallel: true).map(Double.init)
        let observations = (labeled.targets ?? []).map(Double.init)
        let space: ConformalScoreSpace = scoreSpace == .absolute ? .absolute : .logarithmic
        var calibrationWeights: [Double]?
        var testWeights = [Double](repeating: 1, count: predictions.count)
        if let shiftToward {
            let shift = try ShiftWeights(
                model: model, calibration: labeled, data: rows, shiftToward: shiftToward, ignoring: shiftIgnored,
                method: weightMethod == .ulsif ? .ulsif : .classifier, minimumEffectiveShare: minimumEffectiveShare,
                seed: seed)
            calibrationWeights = shift.calibration
            testWeights = shift.data
            let diagnostics = try WeightDiagnostics(shift.calibration)
            StandardError.emit(
                "\(weightMethod.rawValue) density ratio on \(shift.features.count) features toward \(shiftToward)"
                    + (shift.exponent < 1 ? ", flattened to w^\(Float(shift.exponent))" : "")
                    + ": effective sample size of the calibration \(Float(diagnostics.effectiveSampleSize)) of "
                    + "\(labeled.rowCount) rows\n")
        }
        // One calibration per value of --calibrate-by (such as each checkpoint), or one for all rows.
        let calibrationGroups = try calibrateBy.map { try Self.groups(calibrationTable, column: $0) }
        let dataGroups = try calibrateBy.map { try Self.groups(table, column: $0) }
        var members: [Float: [Int]] = [:]
        for row in 0..<labeled.rowCount { members[calibrationGroups?[row] ?? 0, default: []].append(row) }
        var calibrations: [Float: ConformalCalibration] = [:]
        for (group, rowsOfGroup) in members {
            do {
                calibrations[group] = try ConformalCalibration(
                    predictions: rowsOfGroup.map { calibrationPredictions[$0] },
                    observations: rowsOfGroup.map { observations[$0] },
                    weights: calibrationWeights.map { weights in rowsOfGroup.map { weights[$0] } }, space: space)
            } catch {
                guard case .invalidCalibration(let row, let field, let value, _) = error else { throw error }
                let what = field == "observation" ? "the target \(target)" : "the model's prediction"
                let needed = space == .logarithmic ? "a finite number > 0" : "a finite number"
                throw CommandFailure(
                    "\(calibrationTable.source):\(calibrationTable.line(ofRow: rowsOfGroup[row])): \(what) is "
                        + "\(value), but \(scoreSpace.rawValue) scores need \(needed) (--score-space)")
            }
        }
        let level = coverage ?? 0.9
        var result: [(interval: ConformalInterval, exceeds: Double?)] = []
        result.reserveCapacity(predictions.count)
        var unbounded = 0
        for (row, prediction) in predictions.enumerated() {
            guard let conformal = calibrations[dataGroups?[row] ?? 0] else {
                throw CommandFailure(
                    "\(table.source):\(table.line(ofRow: row)): \(calibrateBy ?? "") is \(dataGroups?[row] ?? 0), "
                        + "which no row of \(calibrationTable.source) has (--calibrate-by)")
            }
            do {
                let interval = try conformal.interval(
                    prediction: prediction, coverage: level, testWeight: testWeights[row])
                if !interval.scoreQuantile.isFinite { unbounded += 1 }
                var exceeds: Double?
                if let threshold {
                    exceeds = try conformal.failureProbability(
                        prediction: prediction, threshold: threshold, testWeight: testWeights[row])
                }
                result.append((interval, exceeds))
            } catch {
                throw CommandFailure(
                    "\(table.source):\(table.line(ofRow: row)): cannot give an interval for prediction \(prediction): "
                        + "\(error)")
            }
        }
        if unbounded > 0 {
            StandardError.emit(
                "\(unbounded) of \(predictions.count) intervals are unbounded: too little calibration weight lies "
                    + "near those rows for \(level) coverage\n")
        }
        return result
    }

    /// The value of the --calibrate-by column in each row.
    /// - Throws: The CSV's ``DatasetError`` for a missing column, a cell that is not a number, or an empty cell.
    private static func groups(_ table: CSVTable, column name: String) throws -> [Float] {
        guard let column = table.columnIndex(named: name) else { throw table.unknownColumnError(name) }
        let values = try table.numbers(column: column)
        if let row = values.firstIndex(where: \.isNaN) {
            throw CommandFailure(
                "\(table.source):\(table.line(ofRow: row)):\(column + 1): \(name) is empty; every row needs a "
                    + "value to be calibrated with its own group (--calibrate-by)")
        }
        return values
    }
}
