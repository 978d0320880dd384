import Support
import Testing

@testable import Trees

/// Mutated inputs must give a clear, typed error or a valid result: never a crash.
@Suite("Parser fuzzing")
struct FuzzTests {
    static func mutate(_ bytes: [UInt8], random: inout SeededGenerator) -> [UInt8] {
        var result = bytes
        let interesting = Array(",\"\n\r[]{}:-.eE0123456789nNaA \\".utf8)
        for _ in 0..<(1 + random.uniform(below: 4)) {
            guard !result.isEmpty else { break }
            let position = random.uniform(below: result.count)
            switch random.uniform(below: 6) {
            case 0: result[position] = interesting[random.uniform(below: interesting.count)]
            case 1: result[position] = UInt8(random.uniform(below: 256))
            case 2: result.remove(at: position)
            case 3: result.insert(interesting[random.uniform(below: interesting.count)], at: position)
            case 4: result.removeSubrange(position..<min(result.count, position + random.uniform(below: 40)))
            default: result = Array(result.prefix(position))
            }
        }
        return result
    }

    @Test("Mutated CSV gives a DatasetError or a dataset")
    func csv() throws {
        let text = """
            temperature,pressure,"flow, l/s",y,w
            1500,0.5,3,10,1
            1510,,NaN,11,2
            "1520",0.7,4,12,0.5
            1530,0.8,5,13,1
            """
        var random = SeededGenerator(seed: 2026)
        var accepted = 0
        for _ in 0..<600 {
            let bytes = Self.mutate(Array(text.utf8), random: &random)
            do {
                let table = try CSVTable(bytes: bytes, source: "fuzz.csv")
                let data = try Dataset(csv: table, target: "y", weightColumn: "w")
                #expect(data.rowCount == table.rowCount)
                accepted += 1
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        #expect(accepted > 0)
    }

    @Test("Mutated model JSON gives a ModelError or a model that predicts")
    func modelJSON() throws {
        let data = TestData.friedman(rows: 200, seed: 1, missingShare: 0.1)
        var boosting = GradientBoostingParameters()
        boosting.treeCount = 3
        boosting.maxDepth = 3
        var forestParameters = RandomForestParameters()
        forestParameters.treeCount = 2
        forestParameters.maxDepth = 3
        let sources: [[UInt8]] = [
            try GradientBoostedTrees.train(on: data, parameters: boosting, createdAt: "t").xgboostJSON(),
            try RandomForest.train(on: data, parameters: forestParameters, createdAt: "t").json(),
            Array(
                try GradientBoostedTrees(
                    xgboostJSON: try TestData.fixtureBytes("xgboost-3.1.3-unnamed-model.json")
                ).xgboostJSON().prefix(6000)),
            try TestData.fixtureBytes("xgboost-2.1.4-model.json"),
        ]
        var random = SeededGenerator(seed: 7)
        for source in sources {
            for _ in 0..<250 {
                let bytes = Self.mutate(source, random: &random)
                do {
                    let model = try TreeModel(json: bytes, source: "fuzz.json")
                    let row = [Float](repeating: 0.5, count: model.featureNames.count)
                    #expect(!model.predict(row: row).isNaN)
                } catch {
                    #expect(!error.description.isEmpty)
                }
            }
        }
    }

    @Test("Deep nesting is refused, not a stack overflow")
    func deepNesting() {
        let bytes = Array(String(repeating: "[", count: 100_000).utf8)
        #expect(
            performing: { try TreeModel(json: bytes) },
            throws: { error in
                guard case .malformedJSON(_, _, let message) = (error as? ModelError)?.reason else { return false }
                return message.contains("nesting")
            })
    }

    @Test("JSON syntax errors carry line and column")
    func syntaxPosition() {
        let text = "{\n  \"a\": [1, 2,\n  ]\n}"
        #expect(throws: ModelError(.malformedJSON(line: 3, column: 3, message: "unexpected character ']'"))) {
            try TreeModel(json: Array(text.utf8))
        }
    }
}
