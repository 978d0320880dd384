import ArgumentParser
import FoundationEssentials
import Support
import Trees

/// `hearth predict`: applies a model file to a CSV file, one prediction per row.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predicts every row of a CSV file with a model (Hearth or XGBoost JSON).",
        discussion: """
            The model's features are matched to the CSV's columns by name; other columns are ignored and a \
            missing feature column is an error. The output is a CSV with one column, prediction, one row per \
            input row, in order.
            """)

    @Option(help: "The model file: a Hearth model or an XGBoost JSON model (save_model(\"m.json\")).")
    var model: String

    @Option(help: "The rows to predict: a CSV file with a header row.")
    var data: String

    @Option(help: "Where to write the predictions CSV. (default: standard output)")
    var out: String?

    func run() async throws {
        let model = try TreeModel.load(from: self.model)
        let table = try CSVTable(contentsOfFile: data)
        let predictions = try model.predict(Dataset(csv: table, featureNames: model.featureNames), parallel: true)
        var text = "prediction\n"
        text.reserveCapacity(predictions.count * 12)
        for value in predictions {
            text += value.description
            text += "\n"
        }
        if let out {
            try TextFile.writeDurably(text, to: out)
        } else {
            try StandardOutput.write(text)
        }
    }
}
