import Agent
import ArgumentParser
import Glibc
import Plant
import Support
import Trees

/// `hearth evaluate`: compares a model's predictions with a CSV file's target column.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Scores a model on a CSV file: MAPE, MAE, RMSE, R² and the row count, overall and per checkpoint.",
        discussion: """
            Rows whose target is 0 have no percentage error: MAPE leaves them out and reports how many. With a \
            seconds_into_event column (hearth-sim history), the scores are also given per checkpoint. \
            --holdout-fraction scores only the rows `hearth train --holdout-fraction` with the same value left \
            out: each furnace's last events. A model of the agent's (target log(min_pressure_mbar/pressure_mbar) \
            or log(min_pressure_mbar)) is scored in millibar against min_pressure_mbar, as the agent uses it.
            """)

    @Option(help: "The model file: a Hearth model or an XGBoost JSON model.")
    var model: String

    @Option(help: "The rows to score: a CSV file with a header row.")
    var data: String

    @Option(help: "The column holding the true values.")
    var target: String

    @Option(help: "Score only the time-ordered holdout: each furnace's last fraction of events (0 < F < 1).")
    var holdoutFraction: Double?

    @Flag(help: "Print the metrics as one JSON object.")
    var json = false

    func validate() throws {
        if let problem = TimeOrderedHoldout.validate(holdoutFraction) { throw ValidationError(problem) }
    }

    func run() async throws {
        let model = try TreeModel.load(from: self.model)
        let table = try CSVTable(contentsOfFile: data)
        var dataset = try Dataset(csv: table, featureNames: model.featureNames, target: target)
        var rows = Array(0..<dataset.rowCount)
        if let holdoutFraction {
            rows = TimeOrderedHoldout(table, fraction: holdoutFraction).holdout
            dataset = dataset.selectingRows(rows)
        }
        guard dataset.rowCount > 0 else { throw CommandFailure("\(data): no rows to score") }
        let predictions = try Self.inTargetUnits(
            model.predict(dataset, parallel: true), model: model, dataset: dataset, target: target)
        let targets = dataset.targets!
        let overall = RegressionMetrics(predictions: predictions, targets: targets)
        var checkpoints: [(seconds: Float, metrics: RegressionMetrics)] = []
        if let column = table.columnIndex(named: "seconds_into_event") {
            let seconds = try rows.map { row throws(DatasetError) in try table.number(row: row, column: column) }
            for value in Set(seconds).sorted() {
                let members = seconds.indices.filter { seconds[$0] == value }
                checkpoints.append(
                    (
                        value,
                        RegressionMetrics(
                            predictions: members.map { predictions[$0] }, targets: members.map { targets[$0] })
                    ))
            }
        }
        if json {
            guard !checkpoints.isEmpty else {
                print(overall.jsonText)
                return
            }
            let perCheckpoint = checkpoints.map { entry in
                "{\"seconds_into_event\":\(NumberFormat.exact(Double(entry.seconds))),"
                    + "\"metrics\":\(entry.metrics.jsonText)}"
            }
            print(
                String(overall.jsonText.dropLast()) + ",\"checkpoints\":[" + perCheckpoint.joined(separator: ",")
                    + "]}")
        } else {
            MetricsReport.print(overall)
            guard !checkpoints.isEmpty else { return }
            print("  per checkpoint (seconds_into_event):")
            print("    seconds  rows   MAPE %    MAE        RMSE       R²")
            for (seconds, metrics) in checkpoints {
                let cells = [
                    NumberFormat.exact(Double(seconds)).padded(8), String(metrics.rowCount).padded(6),
                    (metrics.meanAbsolutePercentageError.map { NumberFormat.fixed($0, decimals: 1) } ?? "-").padded(9),
                    NumberFormat.reading(metrics.meanAbsoluteError).padded(10),
                    NumberFormat.reading(metrics.rootMeanSquaredError).padded(10),
                    metrics.coefficientOfDetermination.map { NumberFormat.fixed($0, decimals: 3) } ?? "-",
                ]
                print("    " + cells.joined(separator: " "))
            }
        }
    }

    /// Predictions in the target column's units: an agent's model predicts a logarithm (of the minimum, or of the
    /// minimum relative to the pressure at the checkpoint) that the agent turns into millibar the same way.
    static func inTargetUnits(
        _ raw: [Float], model: TreeModel, dataset: Dataset, target: String
    ) throws -> [Float] {
        guard target == PumpingEventFeatures.target else { return raw }
        switch model.metadata?.targetName {
        case MinimumPressurePredictor.logarithmicTargetName:
            return raw.map { exp($0) }
        case MinimumPressurePredictor.ratioTargetName:
            guard let pressure = dataset.featureIndex(named: "pressure_mbar") else {
                throw CommandFailure("the model predicts relative to pressure_mbar, which it does not use as a feature")
            }
            return raw.indices.map { exp(raw[$0]) * dataset.value(row: $0, feature: pressure) }
        default:
            return raw
        }
    }
}
