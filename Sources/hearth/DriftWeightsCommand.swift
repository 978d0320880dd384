import Agent
import ArgumentParser
import Drift
import FoundationEssentials
import Glibc
import Support
import Synchronization
import Trees

/// `hearth drift weights`: importance weights for the source rows towards the target rows.
struct DriftWeightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Computes importance weights that make the source CSV's rows resemble the target CSV's.",
        discussion: """
            Writes a CSV with one column, weight, one row per source row (0 for a row --drop-incomplete left \
            out), for hearth train --weights; the \
            diagnostics (effective sample size, largest weight, top-1% share) go to standard error, with a warning \
            when the weights are degenerate (effective sample size under 5 % of the rows, or the top 1 % of rows \
            holding over half the weight). With \
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

    @Option(help: "KMM upper bound B on each weight. (default: 10, as the agent's policy.weight_bound)")
    var bound: Double?

    @Option(help: "KMM slack epsilon of the sum constraint. (default: (√n − 1)/√n)")
    var epsilon: Double?

    @Option(help: "Clip weights above this value after estimating them.")
    var clip: Double?

    @Flag(help: "Leave out rows with a missing feature value instead of stopping.")
    var dropIncomplete = false

    @Option(help: "Seed of subsamples and basis centres.")
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
        if let bound, !(bound.isFinite && bound > 0) {
            throw ValidationError("--bound must be a finite number above 0, such as 10; got \(bound)")
        }
    }

    func run() async throws {
        let (sourceRows, targetRows, keptRows) = try DriftSamples.load(
            source, target, ignoring: ignored, names: ("source", "target"), dropIncomplete: dropIncomplete)
        var weighting = ImportanceWeighting(
            method: ImportanceWeighting.Method(rawValue: method.rawValue)!, gamma: gamma,
            bound: bound ?? AgentPolicy().weightBound, epsilon: epsilon, clippingMaximum: clip, seed: seed)
        // KMM on thousands of rows runs for minutes: say what is under way, and how long it took.
        StandardError.emit(
            "\(method.rawValue): weighting \(sourceRows.rowCount) source rows toward \(targetRows.rowCount) target rows "
                + "on \(sourceRows.featureNames.count) features...\n")
        let started = ContinuousClock.now
        // On a terminal, a progress line rewritten in place every few seconds; in a file, one line every 30 s.
        let lastShown = Mutex((time: ContinuousClock.now, any: false))
        let interactive = isatty(STDERR_FILENO) == 1
        weighting.progress = { products, budget, gap in
            let now = ContinuousClock.now
            let due = lastShown.withLock { shown -> Bool in
                guard now - shown.time >= .seconds(interactive ? 2 : 30) else { return false }
                shown = (now, true)
                return true
            }
            guard due else { return }
            let elapsed = now - started
            StandardError.emit(
                (interactive ? "\r" : "") + "kmm: \(products) of at most \(budget) kernel products, gap "
                    + "\(DriftNumberFormat.short(gap)), \(elapsed.components.seconds) s" + (interactive ? "" : "\n"))
        }
        let result = try weighting.weights(source: sourceRows, target: targetRows)
        if interactive && lastShown.withLock({ $0.any }) { StandardError.emit("\n") }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var text = "weight\n"
        text.reserveCapacity(result.weights.count * 20)
        // One row per row of the source file, for hearth train --weights: a row --drop-incomplete left out weighs 0.
        var weights = [Double](repeating: 0, count: (keptRows.last ?? -1) + 1)
        for (index, row) in keptRows.enumerated() { weights[row] = result.weights[index] }
        let sourceFileRows = try CSVTable(contentsOfFile: source).rowCount
        weights += [Double](repeating: 0, count: max(0, sourceFileRows - weights.count))
        for weight in weights {
            text += weight.description
            text += "\n"
        }
        try TextFile.writeDurably(text, to: out)
        let diagnostics = result.diagnostics
        var lines = [
            "\(method.rawValue) weights for \(sourceRows.rowCount) source rows towards \(targetRows.rowCount) "
                + "target rows, written to \(out) (\(NumberFormat.fixed(seconds, decimals: 1)) s)",
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
        if diagnostics.effectiveSampleShare < 0.05 || diagnostics.topOnePercentShare > 0.5 {
            lines.append(
                "warning: the weights are degenerate (effective sample size "
                    + "\(NumberFormat.fixed(diagnostics.effectiveSampleShare * 100, decimals: 1)) % of the rows, top 1 % "
                    + "of rows \(NumberFormat.fixed(diagnostics.topOnePercentShare * 100, decimals: 1)) % of the weight): "
                    + "a model trained with them learns from a handful of rows; lower --bound, or check that the "
                    + "target's features overlap the source's")
        }
        StandardError.emit(lines.joined(separator: "\n") + "\n")
    }
}
