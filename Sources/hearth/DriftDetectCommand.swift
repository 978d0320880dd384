import ArgumentParser
import Drift
import FoundationEssentials
import Support

/// `hearth drift detect`: per-feature KS and PSI, MMD and a domain classifier, and one verdict.
struct DriftDetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Tests whether the current CSV has drifted from the reference CSV.",
        discussion: """
            Reports, per feature, the two-sample Kolmogorov–Smirnov statistic and p-value (corrected for the \
            number of features), the Population Stability Index and a verdict; then the kernel MMD² with its \
            permutation p-value, the domain classifier's cross-validated AUC, and the overall drift verdict. \
            A verdict needs a small p-value and a large enough effect (docs/drift.md).
            """)

    enum Correction: String, ExpressibleByArgument, CaseIterable {
        case bonferroni
        case benjaminiHochberg = "benjamini-hochberg"
    }

    @Option(help: "The reference sample: a CSV file with a header row.")
    var reference: String

    @Option(help: "The current sample, with the same feature columns.")
    var current: String

    @Option(name: .customLong("ignore"), help: "A column that is not a feature, such as a target (repeatable).")
    var ignored: [String] = []

    @Option(help: "Familywise false-alarm rate of the overall verdict.")
    var alpha: Double = 0.05

    @Option(help: "Per-feature correction: bonferroni or benjamini-hochberg.")
    var correction: Correction = .bonferroni

    @Option(help: "Permutations for the MMD p-value, at least 100.")
    var permutations: Int = 200

    @Option(help: "Seed of subsamples, permutations and folds.")
    var seed: UInt64 = 0

    @Flag(help: "Leave out rows with a missing feature value instead of stopping at the first one.")
    var dropIncomplete = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    /// The most permutations taken: enough for p-values down to 1e-5, and a bound on the run time.
    static let maximumPermutations = 100_000

    func validate() throws {
        guard alpha > 0 && alpha < 1 else {
            throw ValidationError("--alpha must lie strictly between 0 and 1, such as 0.05; got \(alpha)")
        }
        guard (100...Self.maximumPermutations).contains(permutations) else {
            throw ValidationError(
                "--permutations must be 100 to \(Self.maximumPermutations); got \(permutations)")
        }
    }

    func run() async throws {
        let (referenceRows, currentRows, _) = try DriftSamples.load(
            reference, current, ignoring: ignored, names: ("reference", "current"), dropIncomplete: dropIncomplete)
        var configuration = DriftDetector.Configuration()
        configuration.significanceLevel = alpha
        configuration.correction = correction == .bonferroni ? .bonferroni : .benjaminiHochberg
        configuration.permutations = permutations
        configuration.seed = seed
        let report = try DriftDetector(configuration: configuration).detect(
            reference: referenceRows, current: currentRows)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // snake_case, as every other JSON Hearth writes.
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(DriftReportDocument(report)), as: UTF8.self))
        } else {
            printTable(report)
        }
    }

    private func printTable(_ report: DriftReport) {
        func cell(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        let number = DriftNumberFormat.short
        let probability = NumberFormat.probability
        print("reference \(report.referenceRows) rows, current \(report.currentRows) rows")
        let nameWidth = max(8, (report.features.map(\.feature.count).max() ?? 0) + 2)
        print(cell("feature", nameWidth) + cell("KS", 9) + cell("p", 12) + cell("p adj", 12) + cell("PSI", 9) + "drift")
        for feature in report.features {
            print(
                cell(feature.feature, nameWidth) + cell(number(feature.kolmogorovSmirnov), 9)
                    + cell(probability(feature.pValue), 12) + cell(probability(feature.adjustedPValue), 12)
                    + cell(number(feature.populationStability), 9) + (feature.drifted ? "yes" : "no"))
        }
        let discrepancy = report.maximumMeanDiscrepancy
        print(
            "MMD²  \(number(discrepancy.statistic))  p \(probability(discrepancy.pValue))  "
                + "(\(discrepancy.permutations) permutations, γ \(number(discrepancy.gamma)))  "
                + "drift \(report.multivariateDrifted ? "yes" : "no")")
        let classifier = report.domainClassifier
        print(
            "classifier AUC  \(number(classifier.areaUnderCurve))  p \(probability(classifier.pValue))  "
                + "(\(classifier.folds)-fold)  drift \(report.classifierDrifted ? "yes" : "no")")
        print("drift: \(report.drift)")
    }
}

/// The JSON form of a drift report.
struct DriftReportDocument: Encodable {
    struct Feature: Encodable {
        let feature: String
        let ks: Double
        let pValue: Double
        let adjustedPValue: Double
        let psi: Double
        let drift: Bool
    }

    struct MeanDiscrepancy: Encodable {
        let mmd2: Double
        let pValue: Double
        let permutations: Int
        let gamma: Double
        let referenceRows: Int
        let currentRows: Int
        let drift: Bool
    }

    struct Classifier: Encodable {
        let auc: Double
        let pValue: Double
        let folds: Int
        let drift: Bool
    }

    let referenceRows: Int
    let currentRows: Int
    let features: [Feature]
    let mmd: MeanDiscrepancy
    let classifier: Classifier
    let drift: Bool

    init(_ report: DriftReport) {
        referenceRows = report.referenceRows
        currentRows = report.currentRows
        features = report.features.map {
            Feature(
                feature: $0.feature, ks: $0.kolmogorovSmirnov, pValue: $0.pValue, adjustedPValue: $0.adjustedPValue,
                psi: $0.populationStability, drift: $0.drifted)
        }
        let discrepancy = report.maximumMeanDiscrepancy
        mmd = MeanDiscrepancy(
            mmd2: discrepancy.statistic, pValue: discrepancy.pValue, permutations: discrepancy.permutations,
            gamma: discrepancy.gamma, referenceRows: discrepancy.referenceRows, currentRows: discrepancy.currentRows,
            drift: report.multivariateDrifted)
        classifier = Classifier(
            auc: report.domainClassifier.areaUnderCurve, pValue: report.domainClassifier.pValue,
            folds: report.domainClassifier.folds, drift: report.classifierDrifted)
        drift = report.drift
    }
}
