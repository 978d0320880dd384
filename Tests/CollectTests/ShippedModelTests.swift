import Agent
import Foundation
import Plant
import Simulator
import TestSupport
import Testing
import Trees

@Suite("The shipped models (models/)")
struct ShippedModelTests {
    static let folder = PlantFixture.repositoryRoot.appendingPathComponent("models")
    static let files = ["initial.json", "initial-forest.json"]

    /// The attributes of the shipped furnaces, which the models may use as features.
    static func attributes() -> Set<String> {
        let devices = DeviceFileLoader.loadFolder(
            path: PlantFixture.repositoryRoot.appendingPathComponent("devices").path)
        return Set(devices.devices.flatMap { $0.attributes.map(\.name) })
    }

    @Test("each loads with a valid checksum, on the current feature schema and the agent's target", arguments: files)
    func loads(file: String) throws {
        let model = try TreeModel.load(from: Self.folder.appendingPathComponent(file).path)
        let metadata = try #require(model.metadata)
        #expect(model.checksum.hasPrefix("sha256:"))
        #expect(metadata.parameters["feature_schema"] == PumpingEventFeatures.schema)
        #expect(metadata.targetName == MinimumPressurePredictor.ratioTargetName)
        #expect(metadata.rowCount == 5400)
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Self.attributes())
        #expect(predictor.target == .logarithmicRatio)
        #expect(model.featureNames == PumpingEventFeatures.names(attributes: Array(Self.attributes())))
    }

    @Test("a changed byte in a shipped model is refused at load")
    func tamperedIsRefused() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("initial.json"), encoding: .utf8)
        let range = try #require(text.range(of: "\"split_conditions\":["))
        let digit = try #require(text[range.upperBound...].firstIndex { $0.isNumber && $0 != "9" })
        var tampered = text
        tampered.replaceSubrange(digit...digit, with: "9")
        let scratch = try TemporaryFolder.make(prefix: "tampered")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let path = scratch.appendingPathComponent("initial.json").path
        try tampered.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelError.self) { try TreeModel.load(from: path) }
    }

    @Test("the demo's model predicts a fresh seed's events: MAPE at 150 s below 25 %")
    func predictsFreshEvents() throws {
        let devices = DeviceFileLoader.loadFolder(
            path: PlantFixture.repositoryRoot.appendingPathComponent("devices").path
        )
        .devices
        let scratch = try TemporaryFolder.make(prefix: "shipped")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let history = scratch.appendingPathComponent("fresh.csv")
        try HistoryGenerator(furnaces: SimulatedFurnace.make(devices: devices, seed: 4242, origin: 0))
            .csv(eventsPerFurnace: 100, withIDs: true).write(to: history, atomically: true, encoding: .utf8)
        let rows = try ModelBootstrap.loadHistory(history.path).filter { $0.features["seconds_into_event"] == 150 }
        let model = try TreeModel.load(from: Self.folder.appendingPathComponent("initial.json").path)
        let predictor = try MinimumPressurePredictor(version: 1, model: model, attributes: Self.attributes())
        let errors = rows.compactMap { row in
            predictor.predict(row.features).map { abs($0 - row.minimum) / row.minimum }
        }
        #expect(errors.count == rows.count && rows.count == 300)
        let mape = 100 * errors.reduce(0, +) / Double(errors.count)
        print("shipped initial.json on seed 4242, 150 s: MAPE \(mape) % over \(errors.count) events")
        #expect(mape < 25)
    }
}
