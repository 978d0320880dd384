import Foundation
import Trees

// Times and scores Hearth's Trees on the benchmark datasets, in-process, and writes JSON results that
// compare.py sets beside XGBoost's and scikit-learn's. Loading data is not timed; training and prediction are,
// each repeated and reported as the best (shortest) time: the machine is shared, and the shortest time is the one
// least disturbed by other work.

struct Arguments {
    var data = ""
    var out = ""
    var settings = ""
    /// `gbdt-training`: only time boosting on the synthetic set (the short alternating runs); `explain`: only time
    /// TreeSHAP contributions of `--data`'s `explain-rows.csv` with `explain-model.json` (see explain.sh).
    var only = ""
    var repeats = 5

    init() {
        var iterator = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--data": data = value
            case "--out": out = value
            case "--settings": settings = value
            case "--only": only = value
            case "--repeats": repeats = Int(value) ?? 5
            default: fatalError("unknown argument \(flag)")
            }
        }
    }
}

struct Settings {
    let accuracyGBDT: [String: Double]
    let accuracyRF: [String: Double]
    let timingGBDT: [String: Double]
    let timingRF: [String: Double]
    let repeats: Int
    let forestRepeats: Int

    init(path: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: path))) as! [String: Any]
        func numbers(_ key: String) -> [String: Double] {
            (object[key] as! [String: Any]).mapValues { ($0 as! NSNumber).doubleValue }
        }
        accuracyGBDT = numbers("accuracy_gbdt")
        accuracyRF = numbers("accuracy_rf")
        timingGBDT = numbers("timing_gbdt")
        timingRF = numbers("timing_rf")
        repeats = (object["repeats"] as! NSNumber).intValue
        forestRepeats = (object["forest_repeats"] as! NSNumber).intValue
    }
}

/// A benchmark CSV: features, target `y`, a `fold` column and maybe a `weight` column.
struct BenchmarkData {
    let dataset: Dataset
    let folds: [Int]

    init(path: String) throws {
        let table = try CSVTable(contentsOfFile: path)
        let weightColumn = table.columnIndex(named: "weight") != nil ? "weight" : nil
        dataset = try Dataset(csv: table, target: "y", weightColumn: weightColumn, ignoring: ["fold"])
        folds = try table.numbers(column: table.columnIndex(named: "fold")!).map { Int($0) }
    }

    func rows(inFold fold: Int) -> [Int] { folds.indices.filter { folds[$0] == fold } }
    func rows(notInFold fold: Int) -> [Int] { folds.indices.filter { folds[$0] != fold } }
}

func bestSeconds<T>(_ repeats: Int, _ action: () throws -> T) rethrows -> (seconds: Double, result: T) {
    var times: [Double] = []
    var result: T?
    let clock = ContinuousClock()
    for _ in 0..<repeats {
        let start = clock.now
        result = try action()
        let elapsed = clock.now - start
        times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }
    return (times.min()!, result!)
}

func rmse(_ predictions: [Float], _ targets: [Float]) -> Double {
    RegressionMetrics(predictions: predictions, targets: targets).rootMeanSquaredError
}

func boostingParameters(_ settings: [String: Double]) -> GradientBoostingParameters {
    var parameters = GradientBoostingParameters()
    parameters.treeCount = Int(settings["trees"]!)
    parameters.maxDepth = Int(settings["max_depth"]!)
    parameters.learningRate = Float(settings["eta"]!)
    parameters.l2Regularization = settings["lambda"]!
    return parameters
}

func forestParameters(_ settings: [String: Double]) -> RandomForestParameters {
    var parameters = RandomForestParameters()
    parameters.treeCount = Int(settings["trees"]!)
    return parameters
}

/// Pooled out-of-fold RMSE with the shared 5 folds.
func crossValidated(_ data: BenchmarkData, settings: Settings) throws -> [String: Double] {
    let targets = data.dataset.targets!
    var boosted = [Float](repeating: 0, count: targets.count)
    var forest = [Float](repeating: 0, count: targets.count)
    for fold in 0..<5 {
        let train = data.dataset.selectingRows(data.rows(notInFold: fold))
        let testRows = data.rows(inFold: fold)
        let test = data.dataset.selectingRows(testRows)
        let gbdt = try GradientBoostedTrees.train(
            on: train, parameters: boostingParameters(settings.accuracyGBDT), createdAt: "benchmark")
        for (row, value) in zip(testRows, try gbdt.predict(test)) { boosted[row] = value }
        let rf = try RandomForest.train(
            on: train, parameters: forestParameters(settings.accuracyRF), createdAt: "benchmark")
        for (row, value) in zip(testRows, try rf.predict(test)) { forest[row] = value }
    }
    return ["gbdt_rmse": rmse(boosted, targets), "rf_rmse": rmse(forest, targets)]
}

let arguments = Arguments()

/// Times one-thread TreeSHAP of every row, one row per call, and checks the contributions against XGBoost's.
func explainBenchmark() throws -> [String: Any] {
    let model = try TreeModel.load(from: "\(arguments.data)/explain-model.json")
    let rows = try Dataset(
        csv: CSVTable(contentsOfFile: "\(arguments.data)/explain-rows.csv"), featureNames: model.featureNames)
    let reference = try CSVTable(contentsOfFile: "\(arguments.data)/explain-xgboost-contributions.csv")
    let referenceColumns = try (0..<reference.columnNames.count).map { try reference.numbers(column: $0) }
    let rowValues = (0..<rows.rowCount).map { rows.row($0) }
    let (seconds, contributions) = try bestSeconds(arguments.repeats) {
        try rowValues.map { try model.contributions(row: $0) }
    }
    let (batchSeconds, batch) = try bestSeconds(arguments.repeats) { try model.contributions(rows) }
    precondition(batch == contributions, "row and dataset forms disagree")
    var worst = 0.0
    var worstSum = 0.0
    for (row, found) in contributions.enumerated() {
        for (column, value) in (found.values + [found.bias]).enumerated() {
            let truth = Double(referenceColumns[column][row])
            worst = max(worst, abs(value - truth) / max(1, abs(truth)))
        }
        let prediction = Double(model.predict(row: rowValues[row]))
        worstSum = max(worstSum, abs(found.total - prediction) / max(1, abs(prediction)))
    }
    return [
        "rows": rows.rowCount,
        "one_row_microseconds": seconds / Double(rows.rowCount) * 1e6,
        "batch_microseconds_per_row": batchSeconds / Double(rows.rowCount) * 1e6,
        "max_relative_difference_from_xgboost": worst,
        "max_relative_sum_minus_prediction": worstSum,
    ]
}

/// Trains Hearth's gbdt on the missing-value benchmark's sets (see missing.sh) and returns every test RMSE under
/// the keys missing_reference.py uses.
func missingValueBenchmark() throws -> [String: Any] {
    let object =
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(filePath: "\(arguments.data)/missing-settings.json"))) as! [String: Any]
    let number = { (key: String) in (object[key] as! NSNumber).doubleValue }
    var parameters = GradientBoostingParameters()
    parameters.treeCount = Int(number("trees"))
    parameters.maxDepth = Int(number("max_depth"))
    parameters.learningRate = Float(number("eta"))
    parameters.l2Regularization = number("lambda")
    parameters.maxBins = Int(number("max_bin"))
    var results: [String: Double] = [:]
    for seed in 0..<Int(number("seeds")) {
        for set in ["complete", "missing", "informative"] {
            let prefix = "\(arguments.data)/missing-\(set)-\(seed)"
            let train = try Dataset(
                csv: CSVTable(contentsOfFile: "\(prefix)-train.csv"), target: "y", weightColumn: "weight")
            let test = try Dataset(
                csv: CSVTable(contentsOfFile: "\(prefix)-test.csv"), target: "y", ignoring: ["weight"])
            for weighted in [false, true] {
                let model = try GradientBoostedTrees.train(
                    on: weighted ? train : train.replacingWeights(nil), parameters: parameters, createdAt: "benchmark")
                results["\(set)-\(weighted ? "weighted" : "unweighted")-\(seed)"] = rmse(
                    try model.predict(test), test.targets!)
            }
        }
    }
    return ["rmse": results]
}

if arguments.only == "missing" {
    let result = try missingValueBenchmark()
    let json = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
    try json.write(to: URL(filePath: "\(arguments.out)/missing-hearth.json"))
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

if arguments.only == "explain" {
    let result = try explainBenchmark()
    let json = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
    try json.write(to: URL(filePath: "\(arguments.out)/explain-hearth.json"))
    print(String(decoding: json, as: UTF8.self))
    exit(0)
}

let settings = try Settings(path: arguments.settings)
var results: [String: Any] = [:]

func write(_ results: [String: Any]) throws {
    let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
    try json.write(to: URL(filePath: "\(arguments.out)/hearth.json"))
    print(String(decoding: json, as: UTF8.self))
}

if arguments.only == "gbdt-training" {
    let synthetic = try BenchmarkData(path: "\(arguments.data)/synthetic.csv")
    let train = synthetic.dataset.selectingRows(synthetic.rows(inFold: 0))
    let (seconds, _) = try bestSeconds(settings.repeats) {
        try GradientBoostedTrees.train(
            on: train, parameters: boostingParameters(settings.timingGBDT), createdAt: "benchmark")
    }
    try write(["paired_gbdt": ["train_seconds": seconds]])
    exit(0)
}

for name in ["diabetes", "friedman1", "history"] {
    let path = "\(arguments.data)/\(name).csv"
    guard FileManager.default.fileExists(atPath: path) else { continue }
    results[name] = try crossValidated(BenchmarkData(path: path), settings: settings)
}

let synthetic = try BenchmarkData(path: "\(arguments.data)/synthetic.csv")
let trainRows = synthetic.rows(inFold: 0)
let testRows = synthetic.rows(inFold: 1)
let train = synthetic.dataset.selectingRows(trainRows)
let test = synthetic.dataset.selectingRows(testRows)
let predictRows = test.selectingRows(Array(0..<10_000))

let (gbdtSeconds, gbdt) = try bestSeconds(settings.repeats) {
    try GradientBoostedTrees.train(
        on: train, parameters: boostingParameters(settings.timingGBDT), createdAt: "benchmark")
}
let (batchSeconds, batchPredictions) = try bestSeconds(7) { try gbdt.predict(predictRows) }
let rowMajor = (0..<predictRows.rowCount).flatMap { predictRows.row($0) }
let featureCount = predictRows.featureCount
let (oneRowSeconds, checksum) = bestSeconds(5) {
    rowMajor.withUnsafeBufferPointer { buffer in
        var sum: Float = 0
        for row in 0..<predictRows.rowCount {
            let start = row * featureCount
            sum += gbdt.predict(features: UnsafeBufferPointer(rebasing: buffer[start..<(start + featureCount)]))
        }
        return sum
    }
}
precondition(
    abs(checksum - batchPredictions.reduce(0, +)) <= 1e-3 * max(1, abs(checksum)), "one-row and batch disagree")
try gbdt.save(to: "\(arguments.out)/hearth-gbdt-synthetic.json")
try ("prediction\n" + batchPredictions.map { "\($0)\n" }.joined()).write(
    toFile: "\(arguments.out)/hearth-gbdt-synthetic-predictions.csv", atomically: true, encoding: .utf8)
results["synthetic_gbdt"] = [
    "train_seconds": gbdtSeconds,
    "test_rmse": rmse(try gbdt.predict(test), test.targets!),
    "batch_predict_seconds": batchSeconds,
    "one_row_microseconds": oneRowSeconds / Double(predictRows.rowCount) * 1e6,
]

let forestTrain = try train.selectingRows(Array(0..<20_000)).replacingWeights(nil)
let (rfSeconds, rf) = try bestSeconds(settings.forestRepeats) {
    try RandomForest.train(on: forestTrain, parameters: forestParameters(settings.timingRF), createdAt: "benchmark")
}
results["synthetic_rf"] = [
    "train_seconds": rfSeconds, "test_rmse": rmse(try rf.predict(test, parallel: true), test.targets!),
]

try write(results)
