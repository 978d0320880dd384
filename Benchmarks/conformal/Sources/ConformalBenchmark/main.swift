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

/// Rows on the agent's weighting features, missing values imputed with the pooled median of source and target,
/// features constant in both left out (as the agent's candidate trainer prepares them).
struct WeightingFeatures {
    var names: [String] = []
    var medians: [Double] = []

    init(source: [[String: Double]], target: [[String: Double]]) {
        for name in CandidateTrainer.weightingFeatures {
            let present = (source + target).compactMap { $0[name] }.filter(\.isFinite).sorted()
            guard let first = present.first, let last = present.last, first != last else { continue }
            names.append(name)
            medians.append(present[present.count / 2])
        }
    }

    func matrix(_ rows: [[String: Double]], sample: String) throws -> FeatureMatrix {
        try FeatureMatrix(
            rows: rows.map { row in
                zip(names, medians).map { name, median in
                    let value = row[name] ?? .nan
                    return value.isFinite ? value : median
                }
            }, featureNames: names, sample: sample)
    }
}

/// One test row's outcome under one method.
struct Outcome {
    var seconds: Int
    var covered: Bool
    /// (upper − lower) ÷ prediction; +∞ for an unbounded interval.
    var relativeWidth: Double
}

let methods = ["unweighted", "classifier", "classifier≤10", "classifier^λ", "ulsif"]
var outcomes: [String: [String: [Outcome]]] = [:]
var effectiveShares: [String: [String: [Double]]] = [:]
let trainer = CandidateTrainer()
let started = Date()
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
        let test = rows(Array(newEvents[100...]))

        var policy = AgentPolicy()
        policy.seed = UInt64(seed + 1)
        let (source, model) = try await ShiftFamily.originalModel(
            trainedOn: training, policy: policy, trainer: trainer)
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Set(names))

        // Predictions; rows the model cannot predict (no pressure at the checkpoint) take no part.
        let calibrationRows = calibration.compactMap { row in
            predictor.predict(row.features).map { (row: row, prediction: $0) }
        }
        let testRows = test.compactMap { row in predictor.predict(row.features).map { (row: row, prediction: $0) } }

        // The density ratio toward the new furnace, fitted on training rows the calibration never saw.
        let ratioSource = CandidateBuilder.sample(source, count: 1500, seed: policy.seed).map(\.features)
        let features = WeightingFeatures(source: ratioSource, target: unlabeled)
        let sourceMatrix = try features.matrix(ratioSource, sample: "source")
        let targetMatrix = try features.matrix(unlabeled, sample: "target")
        let calibrationMatrix = try features.matrix(calibrationRows.map(\.row.features), sample: "calibration")
        let testMatrix = try features.matrix(testRows.map(\.row.features), sample: "test")
        var weights: [String: (calibration: [Double], test: [Double])] = [
            "unweighted": (
                [Double](repeating: 1, count: calibrationRows.count), [Double](repeating: 1, count: testRows.count)
            )
        ]
        let classifier = try ClassifierDensityRatio().fit(source: sourceMatrix, target: targetMatrix)
        let classifierWeights = (try classifier.ratio(at: calibrationMatrix), try classifier.ratio(at: testMatrix))
        weights["classifier"] = classifierWeights
        // Truncated at the agent's weight bound: a bounded test weight keeps most intervals finite.
        let clipped = classifier.clipped(at: AgentPolicy().weightBound)
        weights["classifier≤10"] = (try clipped.ratio(at: calibrationMatrix), try clipped.ratio(at: testMatrix))
        // Flattened to w^λ with the largest λ keeping 30 % of the calibration rows effective (the agent's rule for
        // training weights), the same λ at the test rows.
        let (flattened, exponent) = try WeightDiagnostics.flattened(
            classifierWeights.0, minimumShare: AgentPolicy().minimumEffectiveShare)
        weights["classifier^λ"] = (flattened, classifierWeights.1.map { pow($0, exponent) })
        let ulsif = try UnconstrainedLeastSquaresImportanceFitting(seed: policy.seed)
            .fit(source: sourceMatrix, target: targetMatrix).ratio
        weights["ulsif"] = (try ulsif.ratio(at: calibrationMatrix), try ulsif.ratio(at: testMatrix))

        func checkpoint(_ features: [String: Double]) -> Int {
            pooled ? 0 : Int(features["seconds_into_event"] ?? -1)
        }
        let checkpoints = Set(calibrationRows.map { checkpoint($0.row.features) })
        for method in methods {
            guard let (calibrationWeights, testWeights) = weights[method] else { continue }
            if method != "unweighted" {
                let diagnostics = try WeightDiagnostics(calibrationWeights)
                effectiveShares[family.name, default: [:]][method, default: []].append(
                    diagnostics.effectiveSampleShare)
            }
            // One calibration per checkpoint: errors at 30 s are far wider than at 180 s.
            var calibrations: [Int: ConformalCalibration] = [:]
            for group in checkpoints {
                let members = calibrationRows.indices.filter { checkpoint(calibrationRows[$0].row.features) == group }
                calibrations[group] = try ConformalCalibration(
                    predictions: members.map { calibrationRows[$0].prediction },
                    observations: members.map { calibrationRows[$0].row.minimum },
                    weights: members.map { calibrationWeights[$0] }, space: .logarithmic)
            }
            for (index, entry) in testRows.enumerated() {
                let seconds = Int(entry.row.features["seconds_into_event"] ?? -1)
                guard let calibration = calibrations[checkpoint(entry.row.features)] else { continue }
                let interval = try calibration.interval(
                    prediction: entry.prediction, coverage: coverage, testWeight: testWeights[index])
                outcomes[family.name, default: [:]][method, default: []].append(
                    Outcome(
                        seconds: seconds, covered: interval.contains(entry.row.minimum),
                        relativeWidth: interval.width / entry.prediction))
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
print("| shift | " + methods.dropFirst().joined(separator: " | ") + " |")
print("|---|" + String(repeating: "---:|", count: methods.count - 1))
for family in families {
    var line = "| \(family.name) |"
    for method in methods.dropFirst() {
        let shares = effectiveShares[family.name]?[method] ?? []
        line += " \(format(100 * shares.reduce(0, +) / Double(max(1, shares.count)), 0)) % |"
    }
    print(line)
}
print("\nRan in \(Int(Date().timeIntervalSince(started))) s")
