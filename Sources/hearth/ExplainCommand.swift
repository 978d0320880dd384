import ArgumentParser
import Support
import Trees

/// `hearth explain`: takes every prediction of a CSV file apart into per-feature contributions (exact TreeSHAP).
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explains every row's prediction: one contribution per feature plus a bias (exact TreeSHAP).",
        discussion: """
            The model's features are matched to the CSV's columns by name, as in hearth predict; other columns \
            are ignored and a missing feature column is an error. The output is a CSV with one column per \
            feature, in the model's order, and a last column bias, one row per input row, in order: each row adds \
            up to the model's prediction for it, in the space the trees add up in (log space for the agent's own \
            models; see docs/model-formats.md). The values equal XGBoost's pred_contribs.
            """)

    @Option(help: "The model file: a Hearth model or an XGBoost JSON model (save_model(\"m.json\")).")
    var model: String

    @Option(help: "The rows to explain: a CSV file with a header row.")
    var data: String

    @Option(help: "Where to write the contributions CSV. (default: standard output)")
    var out: String?

    @Option(
        help: """
            For a model file without node covers (sum_hessian): the rows it was trained on (a CSV), from which \
            the covers are recomputed.
            """)
    var coverData: String?

    @Option(help: "The weight column of --cover-data, when the model was trained with row weights.")
    var coverWeightColumn: String?

    func run() async throws {
        var model = try TreeModel.load(from: self.model)
        if let coverData {
            let table = try CSVTable(contentsOfFile: coverData)
            let rows = try Dataset(
                csv: table, featureNames: model.featureNames, target: nil, weightColumn: coverWeightColumn)
            model = try model.recomputingCovers(from: rows)
        } else if coverWeightColumn != nil {
            throw ValidationError("--cover-weight-column applies with --cover-data only")
        }
        if let problem = model.explanationProblem {
            printError("Error: \(self.model): \(problem) (--cover-data TRAINING.csv)")
            throw ExitCode(1)
        }
        let table = try CSVTable(contentsOfFile: data)
        let rows = try Dataset(csv: table, featureNames: model.featureNames)
        let contributions = try model.contributions(rows, parallel: true)
        var text = (model.featureNames + ["bias"]).map(ReadingsCommand.csvField).joined(separator: ",") + "\n"
        text.reserveCapacity(contributions.count * (model.featureNames.count + 1) * 12)
        for row in contributions {
            for value in row.values {
                text += value.description
                text += ","
            }
            text += row.bias.description
            text += "\n"
        }
        if let out {
            try TextFile.writeDurably(text, to: out)
        } else {
            print(text, terminator: "")
        }
    }
}
