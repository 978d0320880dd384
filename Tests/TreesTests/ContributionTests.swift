import Foundation
import Support
import Testing

@testable import Trees

@Suite("TreeSHAP contributions")
struct ContributionTests {
    static func featureRows() throws -> [[Float]] {
        let table = try CSVTable(contentsOfFile: TestData.fixturePath("xgboost-data.csv"))
        let data = try Dataset(csv: table, target: "min_pressure_mbar", weightColumn: "weight")
        return (0..<data.rowCount).map { data.row($0) }
    }

    /// XGBoost's `pred_contribs` rows: one value per feature, then the bias.
    static func expectedContributions(_ name: String) throws -> (header: [String], rows: [[Double]]) {
        let table = try CSVTable(contentsOfFile: TestData.fixturePath(name))
        let columns = try (0..<table.columnNames.count).map { try table.numbers(column: $0) }
        let rows = (0..<columns[0].count).map { row in columns.map { Double($0[row]) } }
        return (table.columnNames, rows)
    }

    @Test(
        "Contributions equal XGBoost 3.1.3's pred_contribs on its models and on a Hearth model",
        arguments: [
            ("xgboost-3.1.3-model.json", "xgboost-3.1.3-contributions.csv"),
            ("xgboost-3.1.3-unnamed-model.json", "xgboost-3.1.3-unnamed-contributions.csv"),
            ("hearth-gbdt-model.json", "xgboost-3.1.3-hearth-model-contributions.csv"),
        ])
    func matchesXGBoost(model file: String, contributions expectedFile: String) throws {
        let model = try TreeModel.load(from: TestData.fixturePath(file))
        let (header, expected) = try Self.expectedContributions(expectedFile)
        #expect(header == model.featureNames + ["bias"])
        let rows = try Self.featureRows()
        #expect(rows.count == expected.count)
        var worst = 0.0
        for (row, truth) in zip(rows, expected) {
            let found = try model.contributions(row: row)
            for (value, reference) in zip(found.values + [found.bias], truth) {
                worst = max(worst, abs(value - reference) / max(1, abs(reference)))
            }
        }
        #expect(worst <= 2e-5, "largest difference from XGBoost \(worst)")
    }

    @Test("The dataset form gives the same contributions as the row form, in parallel too")
    func datasetForm() throws {
        let model = try TreeModel.load(from: TestData.fixturePath("xgboost-3.1.3-model.json"))
        let table = try CSVTable(contentsOfFile: TestData.fixturePath("xgboost-data.csv"))
        let data = try Dataset(csv: table)
        let rows = try Self.featureRows()
        let each = try rows.map { try model.contributions(row: $0) }
        #expect(try model.contributions(data) == each)
        #expect(try model.contributions(data, parallel: true) == each)
    }

    /// A random tree over `features` features: splits down to `depth`, random thresholds, default directions and
    /// leaf values, and covers that either add up (parent = left + right) or are arbitrary positive numbers.
    static func randomTree(
        _ random: inout SeededGenerator, features: Int, depth: Int, consistentCovers: Bool
    ) -> RegressionTree {
        var nodes: [RegressionTree.Node] = [.leaf(value: 0)]
        func grow(_ index: Int, level: Int) -> Double {
            if level == depth || (level > 0 && random.uniform() < 0.25) {
                let cover = random.uniform(0.5, 20)
                nodes[index] = .leaf(value: Float(random.uniform(-3, 3)), cover: Float(cover))
                return cover
            }
            let left = nodes.count
            nodes.append(.leaf(value: 0))
            nodes.append(.leaf(value: 0))
            let leftCover = grow(left, level: level + 1)
            let rightCover = grow(left + 1, level: level + 1)
            let cover = consistentCovers ? leftCover + rightCover : random.uniform(0.5, 40)
            nodes[index] = .split(
                feature: random.uniform(below: features), threshold: Float(random.uniform(-1, 1)),
                defaultLeft: random.uniform() < 0.5, left: left, right: left + 1, cover: Float(cover))
            return cover
        }
        _ = grow(0, level: 0)
        return RegressionTree(nodes: nodes)
    }

    static func randomRow(_ random: inout SeededGenerator, features: Int) -> [Float] {
        (0..<features).map { _ in random.uniform() < 0.15 ? .nan : Float(random.uniform(-1.2, 1.2)) }
    }

    /// v(S) of the path-dependent game: at a split on a feature in S the row's branch, otherwise both branches
    /// weighted by their covers (Algorithm 1 of the paper).
    static func value(_ tree: RegressionTree, row: [Float], known: Set<Int>, node: Int = 0) -> Double {
        let split = tree.nodes[node]
        if split.isLeaf { return Double(split.leafValue) }
        if known.contains(Int(split.feature)) {
            let x = row[Int(split.feature)]
            let left = x.isNaN ? split.defaultLeft : x < split.threshold
            return value(tree, row: row, known: known, node: Int(left ? split.leftChild : split.rightChild))
        }
        let left = Int(split.leftChild)
        let right = Int(split.rightChild)
        return
            (Double(tree.nodes[left].cover) * value(tree, row: row, known: known, node: left)
            + Double(tree.nodes[right].cover) * value(tree, row: row, known: known, node: right))
            / Double(split.cover)
    }

    /// Shapley values by enumerating every subset of features.
    static func bruteForceShapley(_ tree: RegressionTree, row: [Float], features: Int) -> [Double] {
        var factorial = [1.0]
        for n in 1...features { factorial.append(factorial[n - 1] * Double(n)) }
        var phi = [Double](repeating: 0, count: features)
        for mask in 0..<(1 << features) {
            let known = Set((0..<features).filter { mask & (1 << $0) != 0 })
            let without = value(tree, row: row, known: known)
            for feature in 0..<features where !known.contains(feature) {
                let share = factorial[known.count] * factorial[features - known.count - 1] / factorial[features]
                phi[feature] += share * (value(tree, row: row, known: known.union([feature])) - without)
            }
        }
        return phi
    }

    @Test("Contributions equal Shapley values computed by enumerating every feature subset, on random trees")
    func bruteForce() throws {
        var random = SeededGenerator(seed: 12)
        let features = 5
        for round in 0..<60 {
            let tree = Self.randomTree(&random, features: features, depth: 6, consistentCovers: round % 2 == 0)
            let model = try GradientBoostedTrees(
                featureNames: (0..<features).map { "x\($0)" }, baseScore: 0, trees: [tree])
            for _ in 0..<5 {
                let row = Self.randomRow(&random, features: features)
                let found = try model.contributions(row: row)
                let expected = Self.bruteForceShapley(tree, row: row, features: features)
                for (value, truth) in zip(found.values, expected) {
                    #expect(abs(value - truth) <= 1e-9 * max(1, abs(truth)), "round \(round): \(value) vs \(truth)")
                }
                #expect(abs(found.bias - Self.value(tree, row: row, known: [])) <= 1e-9)
            }
        }
    }

    @Test("Contributions add up to the prediction for random ensembles (boosted and forest)")
    func localAccuracy() throws {
        var random = SeededGenerator(seed: 99)
        let features = 7
        let names = (0..<features).map { "f\($0)" }
        for round in 0..<20 {
            let trees = (0..<(1 + random.uniform(below: 30))).map { _ in
                Self.randomTree(
                    &random, features: features, depth: 1 + random.uniform(below: 8),
                    consistentCovers: round % 2 == 0)
            }
            let boosted = try GradientBoostedTrees(
                featureNames: names, baseScore: Float(random.uniform(-5, 5)), trees: trees)
            let forest = try RandomForest(featureNames: names, trees: trees)
            for _ in 0..<20 {
                let row = Self.randomRow(&random, features: features)
                for (found, prediction) in [
                    (try boosted.contributions(row: row), boosted.predict(row: row)),
                    (try forest.contributions(row: row), forest.predict(row: row)),
                ] {
                    #expect(found.values.count == features)
                    #expect(abs(found.total - Double(prediction)) <= 1e-4 * max(1, abs(Double(prediction))))
                }
            }
        }
    }

    @Test("Trained models' contributions add up to their predictions, with missing values and weights")
    func trainedModels() throws {
        let data = TestData.friedman(rows: 400, seed: 4, missingShare: 0.1, weighted: true)
        var boosting = GradientBoostingParameters()
        boosting.treeCount = 30
        let boosted = try GradientBoostedTrees.train(on: data, parameters: boosting, createdAt: "t")
        var forestParameters = RandomForestParameters()
        forestParameters.treeCount = 10
        let forest = try RandomForest.train(on: data, parameters: forestParameters, createdAt: "t")
        let boostedPredictions = try boosted.predict(data)
        let forestPredictions = try forest.predict(data)
        let boostedContributions = try boosted.contributions(data)
        let forestContributions = try forest.contributions(data)
        for row in 0..<data.rowCount {
            let b = Double(boostedPredictions[row])
            let f = Double(forestPredictions[row])
            #expect(abs(boostedContributions[row].total - b) <= 1e-4 * max(1, abs(b)))
            #expect(abs(forestContributions[row].total - f) <= 1e-4 * max(1, abs(f)))
        }
    }

    @Test("A file without sum_hessian loads and predicts, but explaining it is refused until covers are recomputed")
    func missingCovers() throws {
        let data = TestData.friedman(rows: 300, seed: 5, missingShare: 0.05, weighted: true)
        var parameters = GradientBoostingParameters()
        parameters.treeCount = 10
        let trained = try GradientBoostedTrees.train(on: data, parameters: parameters, createdAt: "t")
        // The same trees with their covers removed, as a file without sum_hessian gives them.
        let bare = try GradientBoostedTrees(
            featureNames: trained.featureNames, baseScore: trained.baseScore,
            trees: trained.trees.map { tree in
                var tree = tree
                for index in tree.nodes.indices { tree.nodes[index].cover = 0 }
                return tree
            })
        var text = String(decoding: bare.xgboostJSON(), as: UTF8.self)
        text = text.replacing(/"sum_hessian":\[[^\]]*\],/, with: "")
        #expect(!text.contains("sum_hessian"))
        let loaded = try TreeModel(json: Array(text.utf8))
        let row = data.row(0)
        #expect(loaded.predict(row: row) == trained.predict(row: row))
        #expect(loaded.explanationProblem == ExplanationError(.missingCover(tree: 0)))
        #expect(throws: ExplanationError(.missingCover(tree: 0))) { try loaded.contributions(row: row) }
        #expect(
            ExplanationError(.missingCover(tree: 0)).description.hasPrefix(
                "cannot explain the model's predictions: tree 0 has no node covers (sum_hessian)"))
        // Squared error's hessian is the row weight, so the training rows give back the trained covers.
        let recomputed = try loaded.recomputingCovers(from: data)
        guard case .gradientBoosted(let model) = recomputed else {
            Issue.record("expected boosted trees")
            return
        }
        for (tree, original) in zip(model.trees, trained.trees) {
            for (node, reference) in zip(tree.nodes, original.nodes) {
                #expect(abs(node.cover - reference.cover) <= 1e-3 * max(1, reference.cover))
            }
        }
        let expected = try trained.contributions(row: row)
        let found = try recomputed.contributions(row: row)
        for (value, truth) in zip(found.values + [found.bias], expected.values + [expected.bias]) {
            #expect(abs(value - truth) <= 1e-4 * max(1, abs(truth)))
        }
    }

    @Test("Contributions carried through multiplier × exp add up to the prediction in its own unit")
    func exponentiated() throws {
        let contributions = FeatureContributions(bias: -0.7, values: [0.3, -0.05, 0.12, 0])
        let pressure = 4.2
        let mbar = contributions.exponentiated(multiplier: pressure)
        let prediction = pressure * exp(contributions.total)
        #expect(abs(mbar.total - prediction) <= 1e-12 * prediction)
        #expect(abs(mbar.bias - pressure * exp(-0.7)) <= 1e-12)
        #expect(mbar.values[0] > 0 && mbar.values[1] < 0 && mbar.values[3] == 0)
        #expect(mbar.values[0] > mbar.values[2])
        #expect(mbar.strongest(3) == [0, 2, 1])
        #expect(FeatureContributions(bias: 0, values: [0.1, -0.3, 0.3, 0]).strongest(9) == [1, 2, 0, 3])
        let zero = FeatureContributions(bias: 1, values: [0.5, -0.5]).exponentiated()
        #expect(abs(zero.values[0] - 0.5 * exp(1.0)) <= 1e-12)
        #expect(abs(zero.total - exp(1.0)) <= 1e-12)
    }
}
