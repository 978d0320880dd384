import ArgumentParser
import Drift
import FoundationEssentials
import Support

/// `hearth drift weights`: importance weights for the source rows towards the target rows.
struct DriftWeightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Computes importance weights that make the source CSV's rows resemble the target CSV's.",
        discussion: """
            Writes a CSV with one column, weight, one row per source row, for hearth train --weights; the \
            diagnostics (effective sample size, largest weight, top-1% share) go to standard error. With \
            --gamma the kernel is exp(-gamma·‖x − x′‖²) on the features as given; without it features are \
            standardised on the pooled rows and the width is chosen from the data (docs/drift.md).
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case kmm, ulsif, classifier
    }

    @Option(help: "kmm, ulsif or classifier.")
    var method: Method

    @Option(help: "The labeled source rows to weight: a CSV file with a header row.")
    var source: String

    @Option(help: "The target rows, with the same feature columns.")
    var target: String

    @Option(name: .customLong("ignore"), help: "A column that is not a feature, such as the target (repeatable).")
    var ignored: [String] = []

    @Option(help: "Kernel gamma on the raw features (kmm, ulsif). (default: chosen from the data)")
    var gamma: Double?

    @Option(help: "KMM upper bound B on each weight. (default: 1000)")
    var bound: Double?

    @Option(help: "KMM slack epsilon of the sum constraint. (default: (√n − 1)/√n)")
    var epsilon: Double?

    @Option(help: "Clip weights above this value after estimating them.")
    var clip: Double?

    @Option(help: "Seed of subsamples and basis centres. (default: 0)")
    var seed: UInt64 = 0

    @Option(help: "Where to write the weights CSV.")
    var out: String

    func validate() throws {
        if method != .kmm && (bound != nil || epsilon != nil) {
            throw ValidationError("--bound and --epsilon apply to --method kmm only")
        }
        if method == .classifier && gamma != nil {
            throw ValidationError("--gamma applies to --method kmm and ulsif only")
        }
    }

    func run() async throws {
        let (sourceRows, targetRows) = try DriftSamples.load(
            source, target, ignoring: ignored, names: ("source", "target"))
        let weighting = ImportanceWeighting(
            method: ImportanceWeighting.Method(rawValue: method.rawValue)!, gamma: gamma, bound: bound ?? 1000,
            epsilon: epsilon, clippingMaximum: clip, seed: seed)
        let result = try weighting.weights(source: sourceRows, target: targetRows)
        var text = "weight\n"
        text.reserveCapacity(result.weights.count * 20)
        for weight in result.weights {
            text += weight.description
            text += "\n"
        }
        try TextFile.writeDurably(text, to: out)
        let diagnostics = result.diagnostics
        var lines = [
            "\(method.rawValue) weights for \(sourceRows.rowCount) source rows towards \(targetRows.rowCount) "
                + "target rows, written to \(out)",
            "  effective sample size  \(Float(diagnostics.effectiveSampleSize)) "
                + "(\(Float(diagnostics.effectiveSampleShare * 100)) % of the rows)",
            "  largest weight         \(Float(diagnostics.maximum)) (\(Float(diagnostics.maximumOverMean)) × the mean)",
            "  top 1 % of weights     \(Float(diagnostics.topOnePercentShare * 100)) % of the total",
            "  sum of weights         \(Float(diagnostics.sum))",
        ]
        for detail in result.details {
            let padding = String(repeating: " ", count: max(1, 23 - detail.name.count))
            let integral = detail.value == detail.value.rounded() && abs(detail.value) < 1e15
            lines.append("  \(detail.name)\(padding)\(integral ? String(Int(detail.value)) : detail.value.description)")
        }
        StandardError.emit(lines.joined(separator: "\n") + "\n")
    }
}
