import Foundation
import Testing

@testable import Trees

@Suite("Model files")
struct ModelFileTests {
    static let data = TestData.friedman(rows: 300, seed: 21, missingShare: 0.05, weighted: true)

    static func boosted() throws -> GradientBoostedTrees {
        var parameters = GradientBoostingParameters()
        parameters.treeCount = 6
        parameters.maxDepth = 4
        return try GradientBoostedTrees.train(on: data, parameters: parameters, createdAt: "2026-11-20T14:03:00Z")
    }

    static func forest() throws -> RandomForest {
        var parameters = RandomForestParameters()
        parameters.treeCount = 5
        parameters.maxDepth = 6
        return try RandomForest.train(on: data, parameters: parameters, createdAt: "2026-11-20T14:03:00Z")
    }

    @Test("Boosted trees survive a save and load with metadata and identical predictions")
    func boostedRoundTrip() throws {
        let model = try Self.boosted()
        let directory = try TestData.temporaryDirectory()
        let path = directory.appending(path: "gbdt.json").path(percentEncoded: false)
        try model.save(to: path)
        let loaded = try TreeModel.load(from: path, expectingFeatures: Self.data.featureNames)
        guard case .gradientBoosted(let copy) = loaded else {
            Issue.record("expected boosted trees")
            return
        }
        #expect(copy.trees == model.trees)
        #expect(copy.baseScore == model.baseScore)
        #expect(copy.metadata == model.metadata)
        #expect(copy.metadata?.createdAt == "2026-11-20T14:03:00Z")
        #expect(copy.checksum == model.checksum)
        #expect(try loaded.predict(Self.data) == model.predict(Self.data))
        try FileManager.default.removeItem(at: directory)
    }

    @Test("Forests survive a save and load with metadata and identical predictions")
    func forestRoundTrip() throws {
        let forest = try Self.forest()
        let directory = try TestData.temporaryDirectory()
        let path = directory.appending(path: "rf.json").path(percentEncoded: false)
        try forest.save(to: path)
        let loaded = try TreeModel.load(from: path)
        guard case .randomForest(let copy) = loaded else {
            Issue.record("expected a forest")
            return
        }
        #expect(copy.trees == forest.trees)
        #expect(copy.metadata == forest.metadata)
        #expect(try loaded.predict(Self.data) == forest.predict(Self.data))
        #expect(loaded.predict(row: Self.data.row(7)) == forest.predict(row: Self.data.row(7)))
        let row = Self.data.row(9)
        #expect(row.withUnsafeBufferPointer { loaded.predict(features: $0) } == forest.predict(row: row))
        try FileManager.default.removeItem(at: directory)
    }

    @Test("Reformatting the JSON keeps the checksum valid")
    func reformattedFileLoads() throws {
        let text = String(decoding: try Self.boosted().xgboostJSON(), as: UTF8.self)
        // Outside strings only: inside the metadata string every quote is escaped.
        let spaced = text.replacingOccurrences(of: "],\"", with: "],\n  \"")
            .replacingOccurrences(of: "\":[", with: "\": [ ").replacingOccurrences(of: "},{", with: "},\n{")
        #expect(spaced.count > text.count + 100)
        #expect(throws: Never.self) { try TreeModel(json: Array(spaced.utf8)) }
    }

    /// Changes one number in the file without breaking the JSON.
    static func tamper(_ text: String, key: String) -> String {
        guard let range = text.range(of: "\"\(key)\":[") else { return text }
        let start = range.upperBound
        let end = text[start...].firstIndex(where: { $0 == "," || $0 == "]" })!
        let number = Double(text[start..<end])!
        return text.replacingCharacters(in: start..<end, with: "\(number + 0.25)")
    }

    @Test("A changed value is refused by the checksum", arguments: ["split_conditions", "base_weights", "sum_hessian"])
    func tamperedBoostedRefused(key: String) throws {
        let text = String(decoding: try Self.boosted().xgboostJSON(), as: UTF8.self)
        let tampered = Self.tamper(text, key: key)
        #expect(tampered != text)
        let error = #expect(throws: ModelError.self) { try TreeModel(json: Array(tampered.utf8), source: "m.json") }
        guard case .checksumMismatch = error?.reason else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("m.json: the model's checksum does not match its content") == true)
    }

    @Test("Changed metadata or forest values are refused by the checksum")
    func tamperedMetadataAndForestRefused() throws {
        let text = String(decoding: try Self.boosted().xgboostJSON(), as: UTF8.self)
        let changedDate = text.replacingOccurrences(of: "2026-11-20T14:03:00Z", with: "2026-11-21T14:03:00Z")
        #expect(
            performing: { try TreeModel(json: Array(changedDate.utf8)) },
            throws: { error in
                if case .checksumMismatch = (error as? ModelError)?.reason { return true }
                return false
            })
        let forest = String(decoding: try Self.forest().json(), as: UTF8.self)
        let tampered = Self.tamper(forest, key: "split_conditions")
        #expect(
            performing: { try TreeModel(json: Array(tampered.utf8)) },
            throws: { error in
                if case .checksumMismatch = (error as? ModelError)?.reason { return true }
                return false
            })
    }

    @Test("A Hearth file without its checksum is refused")
    func missingChecksum() throws {
        let text = String(decoding: try Self.boosted().xgboostJSON(), as: UTF8.self)
        let stripped = text.replacingOccurrences(
            of: #""hearth_checksum":"sha256:[0-9a-f]{64}","#, with: "", options: .regularExpression)
        #expect(stripped != text)
        #expect(throws: ModelError(.missingChecksum)) { try TreeModel(json: Array(stripped.utf8)) }
        let forest = String(decoding: try Self.forest().json(), as: UTF8.self)
        let strippedForest = forest.replacingOccurrences(
            of: #""checksum":"sha256:[0-9a-f]{64}","#, with: "", options: .regularExpression)
        #expect(throws: ModelError(.missingChecksum)) { try TreeModel(json: Array(strippedForest.utf8)) }
    }

    @Test("A model for other features is refused")
    func featureMismatch() throws {
        let bytes = try Self.boosted().xgboostJSON()
        let expected = ["x0", "x1", "x2", "x3", "x4", "pressure"]
        #expect(throws: ModelError(.featureMismatch(expected: expected, found: Self.data.featureNames))) {
            try TreeModel(json: bytes, expectingFeatures: expected)
        }
        let forest = try Self.forest().json()
        #expect(throws: ModelError.self) { try TreeModel(json: forest, expectingFeatures: ["x1", "x0"]) }
        // Prediction data missing one of the model's columns.
        let partial = try Self.data.selectingFeatures(["x0", "x1"])
        #expect(throws: DatasetError.self) { try TreeModel(json: bytes).predict(partial) }
    }

    @Test("Structural damage is refused with the path of the value")
    func structuralDamage() throws {
        let text = String(
            decoding: try Data(contentsOf: TestData.fixtures.appending(path: "xgboost-2.1.4-model.json")),
            as: UTF8.self)
        let badIndex = text.replacingOccurrences(of: "\"split_indices\":[", with: "\"split_indices\":[17,")
        #expect(
            performing: { try TreeModel(json: Array(badIndex.utf8)) },
            throws: { error in
                guard case .invalidStructure(let path, _) = (error as? ModelError)?.reason else { return false }
                return path.contains("split_indices")
            })
        let cycle = text.replacingOccurrences(of: "\"left_children\":[1,", with: "\"left_children\":[0,")
        #expect(
            performing: { try TreeModel(json: Array(cycle.utf8)) },
            throws: { error in
                if case .invalidStructure = (error as? ModelError)?.reason { return true }
                return false
            })
        let names = text.replacingOccurrences(of: "\"chamber_volume_m3\",", with: "")
        #expect(
            performing: { try TreeModel(json: Array(names.utf8)) },
            throws: { error in
                guard case .invalidStructure(let path, _) = (error as? ModelError)?.reason else { return false }
                return path == "learner.feature_names"
            })
        #expect(throws: ModelError(.unknownFormat)) { try TreeModel(json: Array("{\"a\":1}".utf8)) }
        #expect(throws: ModelError(.unknownFormat)) { try TreeModel(json: Array("[1,2]".utf8)) }
    }

    @Test("Truncated and unreadable files are refused with a reason")
    func truncatedAndMissing() throws {
        let bytes = try Self.boosted().xgboostJSON()
        let error = #expect(throws: ModelError.self) { try TreeModel(json: Array(bytes.prefix(bytes.count / 2))) }
        guard case .malformedJSON = error?.reason else {
            Issue.record("expected malformed JSON, got \(String(describing: error))")
            return
        }
        #expect(throws: ModelError(.unreadableFile("No such file or directory"), file: "/nonexistent/m.json")) {
            try TreeModel.load(from: "/nonexistent/m.json")
        }
        #expect(throws: ModelError.self) { try Self.boosted().save(to: "/nonexistent/dir/m.json") }
    }
}
