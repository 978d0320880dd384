// The interval experiment: a model trained on furnaces A–C history is calibrated on held-out history events and
// serves a new furnace drawn from one of the adaptation benchmark's shift families. On the new furnace's events
// 100–199 it measures how often 90 % split-conformal intervals (logarithmic scores, one calibration per checkpoint)
// hold the true minimum: unweighted, and weighted toward the new furnace's unlabeled rows (events 0–99) with a
// density ratio fitted on the training history and evaluated out of sample at the calibration and test rows.
//
// Run: swift run -c release --package-path Benchmarks ConformalBenchmark [--seeds N] [--families a,b] [--coverage C]
//      [--pooled]
import Agent
import Drift
import Foundation
import Plant
import ShiftFamilies
import Simulator
import Trees

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let seedCount = Int(option("--seeds") ?? "") ?? 5
let coverage = Double(option("--coverage") ?? "") ?? 0.9
// --pooled: one calibration over all checkpoints (more rows, so a test point's own weight counts for less),
// instead of one per checkpoint.
let pooled = arguments.contains("--pooled")
let onlyFamilies = option("--families").map { Set($0.split(separator: ",").map(String.init)) }
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
// The same shift families as Benchmarks/adaptation.
let families = try ShiftFamily.all(repository: root).filter { onlyFamilies?.contains($0.name) ?? true }
let names = ShiftFamily.featureNames
let rows = ShiftFamily.rows

/// One test row's outcome under one method.
struct Outcome {
    var seconds: Int
    var covered: Bool
    /// (upper − lower) ÷ prediction; +∞ for an unbounded interval.
    var relativeWidth: Double
    /// The new furnace's event (onboarding only).
    var event: Int = 0
}

let methods = [
    "unweighted", "classifier", "classifier^λ", "ulsif", "lofo", "lofo·classifier^λ", "lofo·ulsif", "own", "agent",
]
var outcomes: [String: [String: [Outcome]]] = [:]
var effectiveShares: [String: [String: [Double]]] = [:]
var onboarding: [String: [String: [Outcome]]] = [:]
/// Rows of the new furnaces' events 0–99 the model predicted, per family.
var onboardingRows: [String: Int] = [:]
let trainer = CandidateTrainer()
let started = Date()
/// A labeled row with a model's prediction for it.
struct Scored {
    var row: LabeledRow
    var prediction: Double
}
for family in families {
    for seed in 0..<seedCount {
        let historySeed = UInt64(100 + seed)
        let historyFurnaces = family.historyFurnaces(seed: historySeed)
        let generator = HistoryGenerator(furnaces: historyFurnaces)
        let historyEvents = historyFurnaces.map { generator.events(of: $0, count: 150) }
        // Per furnace: events 0–109 train, 110–149 calibrate.
        let training = historyEvents.flatMap { rows(Array($0[0..<110])) }
        let calibration = historyEvents.flatMap { rows(Array($0[110...])) }
        let newFurnace = family.newFurnace(seed: UInt64(900 + seed))
        let newEvents = HistoryGenerator(furnaces: [newFurnace]).events(of: newFurnace, count: 200)
        let unlabeled = rows(Array(newEvents[0..<100])).map(\.features)

        var policy = AgentPolicy()
        policy.seed = UInt64(seed + 1)
        let (source, model) = try await ShiftFamily.originalModel(
            trainedOn: training, policy: policy, trainer: trainer)
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Set(names))
        func scored(_ rows: [LabeledRow], by predictor: MinimumPressurePredictor) -> [Scored] {
            // Rows the model cannot predict (no pressure at the checkpoint) take no part.
            rows.compactMap { row in predictor.predict(row.features).map { Scored(row: row, prediction: $0) } }
        }

        let calibrationRows = scored(calibration, by: predictor)
        // The new furnace's events with the original model's predictions, in event order, and the test rows.
        let newRows = newEvents.map { scored(rows([$0]), by: predictor) }
        let testRows = newRows[100...].flatMap { $0 }

        // Leave one furnace out: each history furnace scored by a model trained like the original on the other
        // furnaces' training events only, on all of its 150 events — errors the way a furnace the model has not
        // seen gets them.
        var lofoRows: [Scored] = []
        for (held, furnace) in historyFurnaces.enumerated() {
            let others = historyEvents.indices.filter { $0 != held }.flatMap { rows(Array(historyEvents[$0][0..<110])) }
            let (_, foldModel) = try await ShiftFamily.originalModel(
                trainedOn: others, policy: policy, trainer: trainer)
            let foldPredictor = try MinimumPressurePredictor(version: 1, model: foldModel, attributes: Set(names))
            lofoRows += scored(rows(historyEvents[held]), by: foldPredictor)
            _ = furnace
        }

        // The density ratio toward the new furnace, fitted on training rows the calibration never saw.
        let ratioSource = CandidateBuilder.sample(source, count: 1500, seed: policy.seed).map(\.features)
        // The agent's weighting features, imputed and filtered as its candidate trainer prepares them.
        guard let features = WeightingColumns(source: ratioSource, target: unlabeled) else { continue }
        let sourceMatrix = try features.matrix(ratioSource, sample: "source")
        let targetMatrix = try features.matrix(unlabeled, sample: "target")
        let calibrationMatrix = try features.matrix(calibrationRows.map(\.row.features), sample: "calibration")
        let lofoMatrix = try features.matrix(lofoRows.map(\.row.features), sample: "leave-one-furnace-out")
        let testMatrix = try features.matrix(testRows.map(\.row.features), sample: "test")
        let classifier = try ClassifierDensityRatio().fit(source: sourceMatrix, target: targetMatrix)
        let ulsif = try UnconstrainedLeastSquaresImportanceFitting(seed: policy.seed)
            .fit(source: sourceMatrix, target: targetMatrix).ratio
        let testClassifier = try classifier.ratio(at: testMatrix)
        let testULSIF = try ulsif.ratio(at: testMatrix)
        let ones = [Double](repeating: 1, count: testRows.count)

        /// A method's calibration: its rows, their weights and the test rows' weights.
        struct Method {
            var rows: [Scored]
            var weights: [Double]
            var testWeights: [Double]
        }
        // Flattened to w^λ with the largest λ keeping 30 % of the calibration rows effective (the agent's rule for
        // training weights), the same λ at the test rows.
        func flattened(_ weights: [Double], _ test: [Double]) throws -> ([Double], [Double]) {
            let (flat, exponent) = try WeightDiagnostics.flattened(
                weights, minimumShare: AgentPolicy().minimumEffectiveShare)
            return (flat, test.map { pow($0, exponent) })
        }
        var plans: [String: Method] = [:]
        plans["unweighted"] = Method(
            rows: calibrationRows, weights: [Double](repeating: 1, count: calibrationRows.count), testWeights: ones)
        let heldClassifier = try classifier.ratio(at: calibrationMatrix)
        plans["classifier"] = Method(rows: calibrationRows, weights: heldClassifier, testWeights: testClassifier)
        let (heldFlat, heldFlatTest) = try flattened(heldClassifier, testClassifier)
        plans["classifier^λ"] = Method(rows: calibrationRows, weights: heldFlat, testWeights: heldFlatTest)
        plans["ulsif"] = Method(
            rows: calibrationRows, weights: try ulsif.ratio(at: calibrationMatrix), testWeights: testULSIF)
        plans["lofo"] = Method(
            rows: lofoRows, weights: [Double](repeating: 1, count: lofoRows.count), testWeights: ones)
        let (lofoFlat, lofoFlatTest) = try flattened(try classifier.ratio(at: lofoMatrix), testClassifier)
        plans["lofo·classifier^λ"] = Method(rows: lofoRows, weights: lofoFlat, testWeights: lofoFlatTest)
        plans["lofo·ulsif"] = Method(rows: lofoRows, weights: try ulsif.ratio(at: lofoMatrix), testWeights: testULSIF)

        func checkpoint(_ features: [String: Double]) -> Int {
            pooled ? 0 : Int(features["seconds_into_event"] ?? -1)
        }
        for method in methods {
            guard let plan = plans[method] else { continue }
            if method != "unweighted", method != "lofo" {
                let diagnostics = try WeightDiagnostics(plan.weights)
                effectiveShares[family.name, default: [:]][method, default: []].append(
                    diagnostics.effectiveSampleShare)
            }
            // One calibration per checkpoint: errors at 30 s are far wider than at 180 s.
            var calibrations: [Int: ConformalCalibration] = [:]
            for group in Set(plan.rows.map { checkpoint($0.row.features) }) {
                let members = plan.rows.indices.filter { checkpoint(plan.rows[$0].row.features) == group }
                calibrations[group] = try ConformalCalibration(
                    predictions: members.map { plan.rows[$0].prediction },
                    observations: members.map { plan.rows[$0].row.minimum },
                    weights: members.map { plan.weights[$0] }, space: .logarithmic)
            }
            for (index, entry) in testRows.enumerated() {
                let seconds = Int(entry.row.features["seconds_into_event"] ?? -1)
                guard let calibration = calibrations[checkpoint(entry.row.features)] else { continue }
                let interval = try calibration.interval(
                    prediction: entry.prediction, coverage: coverage, testWeight: plan.testWeights[index])
                outcomes[family.name, default: [:]][method, default: []].append(
                    Outcome(
                        seconds: seconds, covered: interval.contains(entry.row.minimum),
                        relativeWidth: interval.width / entry.prediction))
            }
        }
        // The agent, event by event over all 200: each event's intervals from the calibrations the agent would
        // have built when it started (`CheckpointCalibration.byCheckpoint`) — the model's errors on the furnace's
        // labeled events before it (at most 200) and on the held-out history events (the fleet's live errors),
        // weighted toward the furnace's events before it — and, for comparison, from its own errors alone (the
        // agent before the fleet was used: nothing with fewer than nine).
        func sample(_ entry: Scored) -> CalibrationSample {
            CalibrationSample(
                checkpoint: Int(entry.row.features["seconds_into_event"] ?? -1), predicted: entry.prediction,
                minimum: entry.row.minimum, features: entry.row.features)
        }
        let fleet = calibrationRows.map(sample)
        for event in 0..<200 {
            let window = max(0, event - PredictionUncertainty.calibrationLimit)..<event
            let own = newRows[window].flatMap { $0 }.map(sample)
            let seen = newEvents[window].flatMap { rows([$0]) }.map(\.features)
            let agent = CheckpointCalibration.byCheckpoint(own: own, fleet: fleet, furnaceRows: seen)
            let alone = CheckpointCalibration.byCheckpoint(own: own, fleet: [], furnaceRows: [])
            for entry in newRows[event] {
                let seconds = Int(entry.row.features["seconds_into_event"] ?? -1)
                for (method, calibrations) in [("agent", agent), ("own", alone)] {
                    guard let calibration = calibrations[seconds],
                        let interval = PredictionUncertainty(
                            prediction: entry.prediction, threshold: 1, calibration: calibration,
                            features: entry.row.features)
                    else { continue }
                    let upper = interval.highMbar ?? .infinity
                    let outcome = Outcome(
                        seconds: seconds, covered: interval.contains(entry.row.minimum),
                        relativeWidth: (upper - interval.lowMbar) / entry.prediction, event: event)
                    if event >= 100 {
                        outcomes[family.name, default: [:]][method, default: []].append(outcome)
                    } else {
                        onboarding[family.name, default: [:]][method, default: []].append(outcome)
                    }
                }
                onboardingRows[family.name, default: 0] += event < 100 ? 1 : 0
            }
        }
        FileHandle.standardError.write(
            "\(family.name) seed \(seed) done after \(Int(Date().timeIntervalSince(started))) s\n".data(using: .utf8)!)
    }
}

func format(_ value: Double, _ digits: Int = 3) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "∞"
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func summary(_ list: [Outcome]) -> (coverage: Double, width: Double, infinite: Double) {
    let covered = Double(list.filter(\.covered).count) / Double(max(1, list.count))
    let infinite = Double(list.filter { !$0.relativeWidth.isFinite }.count) / Double(max(1, list.count))
    return (covered, median(list.map(\.relativeWidth)), infinite)
}

let percent = Int((coverage * 100).rounded())
print(
    "# Conformal benchmark: \(percent) % intervals, \(seedCount) seeds, new furnace's events 100–199, "
        + (pooled ? "one calibration over all checkpoints\n" : "one calibration per checkpoint\n"))
for family in families { print("- `\(family.name)`: \(family.summary)") }
print("\n## Empirical coverage over all checkpoints (30–180 s), pooled over seeds\n")
print("| shift | test rows | " + methods.joined(separator: " | ") + " |")
print("|---|---:|" + String(repeating: "---:|", count: methods.count))
for family in families {
    var line = "| \(family.name) | \(outcomes[family.name]?["unweighted"]?.count ?? 0) |"
    for method in methods { line += " \(format(summary(outcomes[family.name]?[method] ?? []).coverage)) |" }
    print(line)
}
print("\n## Empirical coverage at 150 s\n")
print("| shift | " + methods.joined(separator: " | ") + " |")
print("|---|" + String(repeating: "---:|", count: methods.count))
for family in families {
    var line = "| \(family.name) |"
    for method in methods {
        line += " \(format(summary((outcomes[family.name]?[method] ?? []).filter { $0.seconds == 150 }).coverage)) |"
    }
    print(line)
}
print("\n## Median interval width ÷ prediction (all checkpoints; share of unbounded intervals in brackets)\n")
print("| shift | " + methods.joined(separator: " | ") + " |")
print("|---|" + String(repeating: "---:|", count: methods.count))
for family in families {
    var line = "| \(family.name) |"
    for method in methods {
        let result = summary(outcomes[family.name]?[method] ?? [])
        line += " \(format(result.width, 2)) (\(format(100 * result.infinite, 0)) %) |"
    }
    print(line)
}
print("\n## Effective sample size of the weighted calibration rows (share of the rows), mean over seeds\n")
let weighted = methods.filter { !["unweighted", "lofo", "own", "agent"].contains($0) }
print("| shift | " + weighted.joined(separator: " | ") + " |")
print("|---|" + String(repeating: "---:|", count: weighted.count))
for family in families {
    var line = "| \(family.name) |"
    for method in weighted {
        let shares = effectiveShares[family.name]?[method] ?? []
        line += " \(format(100 * shares.reduce(0, +) / Double(max(1, shares.count)), 0)) % |"
    }
    print(line)
}
print("\n## Onboarding: the new furnace's events 0–99, each with the labels before it\n")
print("Per range of events: coverage, share of the rows given an interval, share given a bounded one, median width\n")
print("| shift | method | events 0–9 | events 10–29 | events 30–99 |")
print("|---|---|---|---|---|")
for family in families {
    for method in ["own", "agent"] {
        var line = "| \(family.name) | \(method) |"
        for range in [0...9, 10...29, 30...99] {
            let list = (onboarding[family.name]?[method] ?? []).filter { range.contains($0.event) }
            let all = (onboardingRows[family.name] ?? 0) * range.count / 100
            let result = summary(list)
            let bounded = list.filter { $0.relativeWidth.isFinite }.count
            line +=
                list.isEmpty
                ? " – |"
                : " \(format(result.coverage)) · \(format(100 * Double(list.count) / Double(max(1, all)), 0)) % · "
                    + "\(format(100 * Double(bounded) / Double(max(1, all)), 0)) % · \(format(result.width, 2)) |"
        }
        print(line)
    }
}
print("\nRan in \(Int(Date().timeIntervalSince(started))) s")
