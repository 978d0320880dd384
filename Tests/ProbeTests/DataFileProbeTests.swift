import Agent
import Foundation
import Plant
import Support
import TestSupport
import Testing
import Trees

/// Training and prediction CSVs, and model files (Hearth's JSON, XGBoost's JSON): what a data scientist hands the
/// agent and `hearth train/predict/evaluate`. Every mutant is data the trees can use, or a typed error with its place.
@Suite("Probe: CSV data and model files")
struct DataFileProbeTests {
    static let csvSources = ["Tests/TreesTests/Fixtures/xgboost-data.csv"]

    @Test("3,000 mutated CSVs give a dataset or a DatasetError naming the file, each within a second")
    func csvMutants() throws {
        // The first 40 lines: mutants stay small enough to parse thousands.
        let full = try repositoryFile(Self.csvSources[0])
        let lines = full.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(40)
        let original = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        let header = String(decoding: lines.first ?? [], as: UTF8.self).split(separator: ",").map(String.init)
        let target = try #require(header.last)
        var mutator = InputMutator(seed: 4180)
        var slowest = SlowestInput()
        var accepted = 0
        for index in 0..<3000 {
            let input = mutator.mutate(original)
            slowest.measure(index) {
                do throws(DatasetError) {
                    let table = try CSVTable(bytes: input, source: "probe.csv")
                    let data = try Dataset(csv: table, target: target)
                    #expect(data.rowCount == table.rowCount)
                    #expect(data.targets?.allSatisfy(\.isFinite) ?? true)
                    accepted += 1
                } catch {
                    #expect(error.file == "probe.csv", "mutant \(index): \(error) names no file")
                    #expect(!error.description.isEmpty)
                }
            }
        }
        #expect(accepted > 100)
        #expect(slowest.seconds < 1, "mutant \(slowest.index) took \(slowest.seconds) s")
    }

    @Test("A header of 100,000 columns, and a row of a million cells, are read or refused in linear time")
    func wideInput() throws {
        let names = (0..<100_000).map { "c\($0)" }
        let header = Array(names.joined(separator: ",").utf8)
        for body in [
            [UInt8](), Array("\n1".utf8),
            [UInt8(ascii: "\n")] + Array(names.map { _ in "1" }.joined(separator: ",").utf8),
        ] {
            let start = monotonicSeconds()
            do {
                let table = try CSVTable(bytes: header + body, source: "wide.csv")
                _ = try Dataset(csv: table, target: "c0")
                _ = try Dataset(csv: table, featureNames: Array(names.suffix(50_000)))
            } catch {
                #expect(error.file == "wide.csv")
            }
            #expect(monotonicSeconds() - start < 5, "\(monotonicSeconds() - start) s")
        }
        let duplicate = Array((names + ["c7"]).joined(separator: ",").utf8)
        let start = monotonicSeconds()
        #expect {
            try CSVTable(bytes: duplicate, source: "wide.csv")
        } throws: { error in
            (error as? DatasetError)?.reason == .duplicateColumn && (error as? DatasetError)?.line == 1
        }
        #expect(monotonicSeconds() - start < 5)
        // The agent's own reader of `training_data`, on a history of 100,000 columns.
        let folder = try TemporaryFolder.make(prefix: "probe-wide")
        defer { try? FileManager.default.removeItem(at: folder) }
        let history = folder.appendingPathComponent("history.csv").path
        let values = Array(repeating: "1", count: names.count).joined(separator: ",")
        try TextFile.writeDurably(
            Array((names.joined(separator: ",") + ",min_pressure_mbar\n" + values + ",0.5\n").utf8), to: history)
        let historyStart = monotonicSeconds()
        #expect(try ModelBootstrap.loadHistory(history).count == 1)
        #expect(monotonicSeconds() - historyStart < 5)
        let row = Array((["a"] + Array(repeating: "1", count: 1_000_000)).joined(separator: ",").utf8)
        #expect(throws: DatasetError.self) { try CSVTable(bytes: Array("a\n".utf8) + row, source: "wide.csv") }
    }

    @Test("Numbers a CSV cell can hold that a 32-bit float cannot are refused with line and column")
    func extremeCells() throws {
        for cell in ["1e19", "1e39", "-1e39", "1e400", "inf", "-Infinity", "0x10", "1,5", "\u{FF}"] {
            let text = "a,y\n\"\(cell)\",1\n"
            do {
                let data = try Dataset(csv: try CSVTable(parsing: text, source: "x.csv"), target: "y")
                #expect(data.value(row: 0, feature: 0).isFinite || data.value(row: 0, feature: 0).isNaN, "\(cell)")
            } catch {
                #expect(error.file == "x.csv" && error.line == 2 && error.column == 1, "\(cell): \(error)")
            }
        }
    }

    @Test("The agent's history reader refuses a mutated history with a typed error, never a trap")
    func historyMutants() throws {
        let folder = try TemporaryFolder.make(prefix: "probe-history")
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = Array(
            """
            device,event,chamber_volume_m3,pump_speed_ls,pressure_30s_mbar,min_pressure_mbar
            furnace-a,1,2.5,2000,900,0.8
            furnace-a,2,2.5,2000,850,0.7
            furnace-b,3,3.0,2500,NaN,0.9

            """.utf8)
        var mutator = InputMutator(seed: 99)
        for index in 0..<300 {
            let path = folder.path + "/history-\(index % 4).csv"
            try TextFile.writeDurably(mutator.mutate(original), to: path)
            do {
                let rows = try ModelBootstrap.loadHistory(path)
                #expect(rows.allSatisfy { $0.minimum.isFinite && $0.minimum > 0 })
            } catch let error as DatasetError {
                #expect(error.file == path)
            } catch {
                #expect("\(error)".contains(path), "mutant \(index): \(error)")
            }
        }
    }

    @Test("1,500 mutated model files (Hearth's and XGBoost's) load and predict, or give a ModelError")
    func modelMutants() throws {
        // Small models keep thousands of mutants cheap: Hearth's boosted trees and forest, each also without the
        // checksum (so mutants reach the structure checks behind it), and XGBoost 3's own file.
        var random = SeededGenerator(seed: 31)
        let columns = (0..<3).map { _ in (0..<200).map { _ in Float(random.uniform(-1, 1)) } }
        let targets = (0..<200).map { row in columns[0][row] * 3 + columns[1][row] * columns[2][row] }
        let data = try Dataset(featureNames: ["a", "b", "c"], columns: columns, targets: targets, targetName: "y")
        var boosting = GradientBoostingParameters()
        (boosting.treeCount, boosting.maxDepth) = (3, 3)
        var forest = RandomForestParameters()
        (forest.treeCount, forest.maxDepth) = (2, 3)
        let hearth = [
            try GradientBoostedTrees.train(on: data, parameters: boosting, createdAt: "t").xgboostJSON(),
            try RandomForest.train(on: data, parameters: forest, createdAt: "t").json(),
        ]
        let xgboost = try repositoryFile("Tests/TreesTests/Fixtures/xgboost-3.1.3-model.json")
        let inputs = hearth + hearth.map(Self.withoutChecksum) + [xgboost]
        var mutator = InputMutator(seed: 8259)
        var slowest = SlowestInput()
        var loaded = 0
        for index in 0..<1500 {
            let input = mutator.mutate(inputs[index % inputs.count])
            slowest.measure(index) {
                do throws(ModelError) {
                    let model = try TreeModel(json: input, source: "probe.json")
                    loaded += 1
                    for value in [Float(0), .nan, .infinity, -3e38] {
                        _ = model.predict(row: [Float](repeating: value, count: model.featureNames.count))
                    }
                } catch {
                    #expect(error.file == "probe.json", "mutant \(index): \(error)")
                }
            }
        }
        #expect(loaded > 20)
        #expect(slowest.seconds < 1, "mutant \(slowest.index) took \(slowest.seconds) s")
        // The whole XGBoost files load as they are.
        for name in ["xgboost-2.1.4-model.json", "xgboost-3.1.3-unnamed-model.json"] {
            _ = try TreeModel(json: try repositoryFile("Tests/TreesTests/Fixtures/" + name), source: name)
        }
    }

    @Test(
        "Training that overflows (a learning rate of 1e19, targets near Float's limit) is a TrainingError, not a trap")
    func divergingTraining() throws {
        var random = SeededGenerator(seed: 5)
        let columns = [(0..<100).map { _ in Float(random.uniform(-1, 1)) }]
        for (targets, rate) in [
            (columns[0].map { $0 * 3 }, Float(1e19)), (columns[0].map { $0 > 0 ? 3e38 : -3e38 }, Float(1)),
        ] {
            let data = try Dataset(featureNames: ["a"], columns: columns, targets: targets, targetName: "y")
            var parameters = GradientBoostingParameters()
            (parameters.treeCount, parameters.learningRate) = (20, rate)
            do {
                let model = try GradientBoostedTrees.train(on: data, parameters: parameters, createdAt: "t")
                #expect(!model.predict(row: [0.5]).isNaN)
            } catch {
                guard case .diverged = error.reason else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(error.description.contains("training diverged"))
            }
        }
    }

    @Test("The shipped model predicts and explains for features that are NaN, infinite, huge, tiny or negative")
    func shippedModelExtremes() throws {
        let model = try TreeModel(json: try repositoryFile("models/initial.json"), source: "initial.json")
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Set(model.featureNames))
        var random = SeededGenerator(seed: 77)
        let extremes: [Double] = [
            .nan, .infinity, -.infinity, 1e300, -1e300, 0, -1, .leastNonzeroMagnitude, 3.5e38, 800,
        ]
        for _ in 0..<300 {
            let features = Dictionary(
                uniqueKeysWithValues: Set(model.featureNames + ["pressure_mbar"]).sorted().map {
                    ($0, extremes[random.uniform(below: extremes.count)])
                })
            if let value = predictor.predict(features) { #expect(!value.isNaN, "\(features)") }
            _ = predictor.reasons(features)
        }
    }

    @Test("Deep nesting, duplicated keys and huge numbers in a model file are refused with their place")
    func hostileModels() {
        let cases: [String] = [
            String(repeating: "[", count: 200_000), String(repeating: "{\"a\":", count: 200_000),
            #"{"learner": {}, "learner": {}}"#, #"{"format": 1e400}"#, #"{"learner": {"gradient_booster": 1e19}}"#,
            "{\"learner\": \"\u{FF}\"}", "\"\\uD800\"", "[1e19, -1e19, 18446744073709551616]",
        ]
        for text in cases {
            let start = monotonicSeconds()
            #expect(throws: ModelError.self) { try TreeModel(json: Array(text.utf8), source: "m.json") }
            #expect(monotonicSeconds() - start < 2)
        }
    }

    /// A Hearth model without its checksum member.
    static func withoutChecksum(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let range = text.range(of: #""checksum"\s*:\s*"[^"]*"\s*,?"#, options: .regularExpression) else {
            return bytes
        }
        return Array(text.replacingCharacters(in: range, with: "").utf8)
    }
}
