// The adaptation experiment: a model trained on furnaces A–C serves a new furnace whose data are shifted in one of
// several ways; each adaptation method gets the new furnace's first k labeled events (and its unlabeled rows) and
// is scored on that furnace's events 100–199, against the original model (doing nothing).
//
// Run: swift run -c release --package-path Benchmarks AdaptationBenchmark [--seeds N] [--json FILE]
import Agent
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
let seedCount = Int(option("--seeds") ?? "") ?? 3
let ks = (option("--k") ?? "3,6,12,24,48").split(separator: ",").compactMap { Int($0) }
let onlyMethods = option("--methods").map { Set($0.split(separator: ",").map(String.init)) }
/// `--replay`: also replay the agent on each family's first 100 events, against these methods served unjudged.
let replayMethods: [String]? =
    arguments.contains("--replay")
    ? (option("--replay-methods") ?? "history+own,ulsif+own,continue+ulsif,agent").split(separator: ",").map(
        String.init)
    : nil
let replayEvents = 100
/// `--backtest N`: the replayed agent judges each candidate also on up to N earlier events (see ``AgentReplay``);
/// default: the policy's `backtest_events`.
let backtestEvents = Int(option("--backtest") ?? "")
let onlyFamilies = option("--families").map { Set($0.split(separator: ",").map(String.init)) }
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let families = try ShiftFamily.all(repository: root).filter { onlyFamilies?.contains($0.name) ?? true }
let names = ShiftFamily.featureNames
/// The features without the furnace's static attributes (constant on the furnace a candidate is trained for).
let dynamicNames = names.filter { PumpingEventFeatures.dynamicNames.contains($0) }
let rows = ShiftFamily.rows

struct Score: Codable {
    var mape150: Double
    var mapeAll: Double
    var recall: Double
    var falseAlarmShare: Double
}

/// MAPE at 150 s and over all checkpoints; an event is alarmed when a prediction at 150 or 180 s exceeds the
/// furnace's threshold.
func score(_ predict: ([String: Double]) -> Double?, on events: [HistoryGenerator.Event], threshold: Double) -> Score {
    var at150: [Double] = []
    var all: [Double] = []
    var hits = 0, misses = 0, falseAlarms = 0
    for event in events {
        var alarmed = false
        for features in event.features {
            guard let predicted = predict(features) else { continue }
            let error = abs(predicted - event.minimumPressure) / event.minimumPressure
            all.append(error)
            let seconds = features["seconds_into_event"] ?? 0
            if seconds == 150 { at150.append(error) }
            if seconds >= 150 { alarmed = alarmed || predicted > threshold }
        }
        let failed = event.minimumPressure > threshold
        if failed { if alarmed { hits += 1 } else { misses += 1 } } else if alarmed { falseAlarms += 1 }
    }
    func mean(_ values: [Double]) -> Double { 100 * values.reduce(0, +) / Double(max(1, values.count)) }
    return Score(
        mape150: mean(at150), mapeAll: mean(all), recall: Double(hits) / Double(max(1, hits + misses)),
        falseAlarmShare: Double(falseAlarms) / Double(max(1, hits + falseAlarms)))
}

struct Result: Codable {
    var family: String
    var seed: Int
    var method: String
    var k: Int
    var score: Score
    var effectiveSampleShare: Double?
}

/// Ways to adapt, each given the original model, the history and the new furnace's first k events.
/// Ways to adapt, each given the history and the new furnace's first k events (labels and rows). `+own`: the
/// history weighted by the method (flattened to the agent's `min_effective_share`), plus the own rows with
/// `own_event_share`; `+raw`: without flattening; `+growing`: an own share growing with k; `+dynamic`: without the
/// static attributes. The default set is the one RESULTS.md reports first.
let recognized = [
    "history+own", "kmm+own", "ulsif+own", "classifier+own", "kmm+raw", "classifier+raw", "ulsif+growing",
    "ulsif+dynamic", "history+dynamic", "continue+own", "continue+ulsif", "agent", "auto+own", "continue+auto",
]
let methods: [String] = {
    guard let onlyMethods else { return Array(recognized.prefix(4)) }
    let unknown = onlyMethods.subtracting(recognized)
    if !unknown.isEmpty {
        FileHandle.standardError.write(
            "unknown methods \(unknown.sorted()); known: \(recognized.joined(separator: ", "))\n".data(using: .utf8)!)
        exit(2)
    }
    return recognized.filter { onlyMethods.contains($0) }
}()

/// `--config FILE`: the policy of an agent configuration file (its `policy:` keys) instead of the defaults.
let basePolicy: AgentPolicy =
    try option("--config").map { try AgentConfiguration.load(path: $0).policy } ?? AgentPolicy()

let trainer = CandidateTrainer()

/// Trains one method's model on the history and the new furnace's first k events; with the effective sample share
/// of its weights. `continuing`: the model the agent's method continues from (its champion; the original here);
/// `targetEvents`: the most recent own events the history is reweighted toward.
func train(
    _ method: String, own: [LabeledRow], source: [LabeledRow], original: TreeModel, policy: AgentPolicy, k: Int,
    continuing: TreeModel? = nil, targetEvents: Int? = nil, weightingOverride: AgentPolicy.Weighting? = nil
) async throws -> (TreeModel, Double?, AgentPolicy.Weighting) {
    let named: AgentPolicy.Weighting =
        switch method {
        case "kmm+own", "kmm+raw": .kmm
        case "ulsif+own", "ulsif+growing", "ulsif+dynamic", "continue+ulsif": .ulsif
        case "agent": policy.weighting
        case "auto+own", "continue+auto": .auto
        case "classifier+own", "classifier+raw": .classifier
        default: .none
        }
    let weighting = weightingOverride ?? named
    var methodPolicy = policy
    if method.hasSuffix("+raw") { methodPolicy.minimumEffectiveShare = 0 }
    if method == "ulsif+growing" { methodPolicy.ownEventShare = min(0.5, Double(k) / Double(k + 12)) }
    var request = CandidateRequest(
        source: source,
        target: targetEvents.map { Array(own.map(\.features).suffix($0 * PumpingEventFeatures.checkpoints.count)) }
            ?? own.map(\.features), own: own,
        featureNames: method.hasSuffix("+dynamic") ? dynamicNames : names, weighting: weighting,
        policy: methodPolicy, createdAt: "benchmark")
    if method.hasPrefix("continue+") {
        request.continuing = continuing ?? original
    } else if method == "agent", CandidateBuilder.continues(ownEvents: k, policy: policy) {
        request.continuing = continuing ?? original
    }
    let result = try await trainer.train(request)
    return (
        result.model, result.weighting["effective_sample_size"].map { $0 / Double(source.count) },
        result.weightingUsed
    )
}
var results: [Result] = []

struct ReplayResult: Codable {
    var family: String
    var seed: Int
    /// `agent` (the agent's decisions), `original`, or `fixed:<method>`.
    var strategy: String
    var record: ServedRecord
}
var replays: [ReplayResult] = []
let started = Date()
for family in families {
    for seed in 0..<seedCount {
        let historySeed = UInt64(100 + seed)
        let historyFurnaces = family.historyFurnaces(seed: historySeed)
        let generator = HistoryGenerator(furnaces: historyFurnaces)
        let history = historyFurnaces.flatMap { rows(generator.events(of: $0, count: 150)) }
        let newFurnace = family.newFurnace(seed: UInt64(900 + seed))
        let newEvents = HistoryGenerator(furnaces: [newFurnace]).events(of: newFurnace, count: 200)
        let test = Array(newEvents[100...])
        let threshold = family.device.event?.threshold ?? 1
        var policy = basePolicy
        policy.seed = UInt64(seed + 1)
        let (source, original) = try await ShiftFamily.originalModel(
            trainedOn: history, policy: policy, trainer: trainer)
        let originalPredictor = try MinimumPressurePredictor(version: 1, model: original, attributes: Set(names))
        results.append(
            Result(
                family: family.name, seed: seed, method: "original", k: 0,
                score: score(originalPredictor.predict, on: test, threshold: threshold)))
        for k in ks {
            let own = rows(Array(newEvents[0..<k]))
            for method in methods {
                let (model, ess, _) = try await train(
                    method, own: own, source: source, original: original, policy: policy, k: k)
                let predictor = try MinimumPressurePredictor(version: 2, model: model, attributes: Set(names)).predict
                results.append(
                    Result(
                        family: family.name, seed: seed, method: method, k: k,
                        score: score(predictor, on: test, threshold: threshold), effectiveSampleShare: ess))
            }
        }
        if let replayMethods {
            let first = Array(newEvents[0..<replayEvents])
            var replay = AgentReplay(policy: policy, featureNames: names, threshold: threshold)
            replay.backtestEvents = backtestEvents ?? policy.backtestEvents
            let agent = try await replay.run(events: first, original: original) { k, continuing, weighting in
                let (model, _, used) = try await train(
                    "agent", own: rows(Array(first[0..<k])), source: source, original: original, policy: policy, k: k,
                    continuing: continuing, targetEvents: CandidateBuilder.targetEvents, weightingOverride: weighting)
                return (model, used)
            }
            replays.append(ReplayResult(family: family.name, seed: seed, strategy: "agent", record: agent))
            for line in agent.decisions {
                FileHandle.standardError.write("  \(family.name) \(seed) \(line)\n".data(using: .utf8)!)
            }
            let unchanged = try await replay.fixed(events: first, original: original) { _ in original }
            replays.append(ReplayResult(family: family.name, seed: seed, strategy: "original", record: unchanged))
            for method in replayMethods {
                let served = try await replay.fixed(events: first, original: original) { k in
                    try await train(
                        method, own: rows(Array(first[0..<k])), source: source, original: original, policy: policy,
                        k: k, targetEvents: CandidateBuilder.targetEvents
                    ).0
                }
                replays.append(
                    ReplayResult(family: family.name, seed: seed, strategy: "fixed:\(method)", record: served))
            }
        }
        FileHandle.standardError.write(
            "\(family.name) seed \(seed) done after \(Int(Date().timeIntervalSince(started))) s\n".data(using: .utf8)!)
    }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
@MainActor func cell(_ family: String, _ method: String, _ k: Int, _ metric: (Score) -> Double) -> Double {
    mean(results.filter { $0.family == family && $0.method == method && $0.k == k }.map { metric($0.score) })
}

print("# Adaptation benchmark: \(seedCount) seeds, new furnace's events 100–199 as test set\n")
for family in families { print("- `\(family.name)`: \(family.summary)") }
for (title, metric) in [("MAPE % at 150 s", { (s: Score) in s.mape150 }), ("MAPE % over 30–180 s", { $0.mapeAll })] {
    print("\n## \(title), mean over seeds\n")
    print("| shift | original | " + ks.flatMap { k in methods.map { "\($0) k=\(k)" } }.joined(separator: " | ") + " |")
    print("|---|---|" + String(repeating: "---|", count: ks.count * methods.count))
    for family in families {
        var line = "| \(family.name) | \(String(format: "%.1f", cell(family.name, "original", 0, metric))) |"
        for k in ks {
            for method in methods { line += " \(String(format: "%.1f", cell(family.name, method, k, metric))) |" }
        }
        print(line)
    }
}
print(
    "\n## Against doing nothing: MAPE at 150 s ÷ the original model's, per method and k (geometric mean over shifts; worst shift)\n"
)
print("| method | " + ks.map { "k=\($0)" }.joined(separator: " | ") + " |")
print("|---|" + String(repeating: "---|", count: ks.count))
for method in methods {
    var line = "| \(method) |"
    for k in ks {
        let ratios = families.map {
            cell($0.name, method, k) { $0.mape150 } / cell($0.name, "original", 0) { $0.mape150 }
        }
        let geometric = exp(mean(ratios.map { log($0) }))
        line += String(format: " %.2f (worst %.2f) |", geometric, ratios.max() ?? .nan)
    }
    print(line)
}
for k in ks {
    print("\n## Alarm recall / false-alarm share at k=\(k), mean over seeds\n")
    print("| shift | original | " + methods.joined(separator: " | ") + " |")
    print("|---|---|" + String(repeating: "---|", count: methods.count))
    for family in families {
        var line = String(
            format: "| \(family.name) | %.2f / %.2f |", cell(family.name, "original", 0) { $0.recall },
            cell(family.name, "original", 0) { $0.falseAlarmShare })
        for method in methods {
            line += String(
                format: " %.2f / %.2f |", cell(family.name, method, k) { $0.recall },
                cell(family.name, method, k) { $0.falseAlarmShare })
        }
        print(line)
    }
}
let shares = results.compactMap { result in result.effectiveSampleShare.map { (result.method, $0) } }
if !shares.isEmpty {
    print("\n## Effective sample size of the weighted history (share of its rows), mean\n")
    for method in methods where shares.contains(where: { $0.0 == method }) {
        print("- \(method): \(String(format: "%.0f %%", 100 * mean(shares.filter { $0.0 == method }.map(\.1))))")
    }
}
if !replays.isEmpty {
    let all = 0..<replayEvents
    let later = 12..<replayEvents
    func replayMean(_ family: String, _ strategy: String, _ metric: (ServedRecord) -> Double) -> Double {
        mean(replays.filter { $0.family == family && $0.strategy == strategy }.map { metric($0.record) })
    }
    let strategies = Array(Set(replays.map(\.strategy)).filter { $0.hasPrefix("fixed:") }).sorted()
    print(
        "\n## The agent replayed: what it served the new furnace over its first \(replayEvents) events, mean over seeds\n"
    )
    print(
        "MAPE % at 150 s of the serving model; best fixed: the best of the original and the fixed methods ("
            + strategies.map { $0.dropFirst(6) }.joined(separator: ", ")
            + ") served unjudged on the agent's schedule, chosen in hindsight per family.\n")
    print(
        "| shift | original 1–100 | agent 1–100 | best fixed 1–100 | agent ÷ original | agent ÷ best | original 13–100 | agent 13–100 | ÷ | first promotion | promoted / rolled back / rejected | recall agent / original | false-alarm share agent / original |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for family in families.map(\.name) {
        let original = replayMean(family, "original") { $0.mape(all) }
        let agent = replayMean(family, "agent") { $0.mape(all) }
        let fixedScores = (strategies + ["original"]).map { ($0, replayMean(family, $0) { $0.mape(all) }) }
        let best = fixedScores.min { $0.1 < $1.1 }!
        let originalLater = replayMean(family, "original") { $0.mape(later) }
        let agentLater = replayMean(family, "agent") { $0.mape(later) }
        let records = replays.filter { $0.family == family && $0.strategy == "agent" }.map(\.record)
        let firsts = records.map { $0.firstPromotion.map(String.init) ?? "–" }.joined(separator: ", ")
        let counts =
            "\(records.map(\.promotions).reduce(0, +)) / \(records.map(\.rollbacks).reduce(0, +)) / \(records.map(\.rejections).reduce(0, +))"
        print(
            String(
                format:
                    "| \(family) | %.1f | %.1f | %.1f (\(best.0.replacingOccurrences(of: "fixed:", with: ""))) | %.2f | %.2f | %.1f | %.1f | %.2f | \(firsts) | \(counts) | %.2f / %.2f | %.2f / %.2f |",
                original, agent, best.1, agent / original, agent / best.1, originalLater, agentLater,
                agentLater / originalLater, replayMean(family, "agent") { $0.alarms(all).recall },
                replayMean(family, "original") { $0.alarms(all).recall },
                replayMean(family, "agent") { $0.alarms(all).falseAlarmShare },
                replayMean(family, "original") { $0.alarms(all).falseAlarmShare }))
    }
    print("\n### Fixed methods served unjudged over events 1–100: MAPE % at 150 s, alarm recall, false-alarm share\n")
    print(
        "| shift | original | "
            + strategies.map { $0.replacingOccurrences(of: "fixed:", with: "") }.joined(separator: " | ") + " |")
    print("|---|---|" + String(repeating: "---|", count: strategies.count))
    for family in families.map(\.name) {
        let cells = (["original"] + strategies).map { strategy in
            String(
                format: "%.1f, %.2f, %.2f", replayMean(family, strategy) { $0.mape(all) },
                replayMean(family, strategy) { $0.alarms(all).recall },
                replayMean(family, strategy) { $0.alarms(all).falseAlarmShare })
        }
        print("| \(family) | " + cells.joined(separator: " | ") + " |")
    }
}
print("\n\(results.count) models scored in \(Int(Date().timeIntervalSince(started))) s")
if let path = option("--json") {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(results).write(to: URL(fileURLWithPath: path))
}
if let path = option("--replay-json") {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(replays).write(to: URL(fileURLWithPath: path))
}
