import Foundation
import Plant
import Simulator
import TestSupport
import Testing

@Suite("hearth train and evaluate with a time-ordered holdout")
struct EvaluateCommandTests {
    @Test("each furnace's last events are held out of training and scored alone, overall and per checkpoint")
    func holdout() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-evaluate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let devices = DeviceFileLoader.loadFolder(
            path: PlantFixture.repositoryRoot.appendingPathComponent("devices").path
        ).devices
        let history = folder.appendingPathComponent("history.csv")
        try HistoryGenerator(furnaces: SimulatedFurnace.make(devices: devices, seed: 8, origin: 0))
            .csv(eventsPerFurnace: 20, withIDs: true).write(to: history, atomically: true, encoding: .utf8)
        let model = folder.appendingPathComponent("model.json").path
        let trained = try await runCommand(
            "hearth",
            [
                "train", "--data", history.path, "--target", "min_pressure_mbar", "--ignore", "device", "--ignore",
                "event", "--algorithm", "gbdt", "--trees", "10", "--holdout-fraction", "0.25", "--out", model,
            ], in: folder)
        #expect(trained.status == 0, "\(trained.errors)")
        // 3 furnaces × 20 events × 6 checkpoints; each furnace's last 5 events held out.
        #expect(
            trained.errorLines.contains("training on 270 rows; 90 rows held out (each furnace's last 25 % of events)"),
            "\(trained.errors)")

        let scored = try await runCommand(
            "hearth",
            [
                "evaluate", "--model", model, "--data", history.path, "--target", "min_pressure_mbar",
                "--holdout-fraction", "0.25", "--json",
            ], in: folder)
        #expect(scored.status == 0, "\(scored.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(scored.output.utf8)) as? [String: Any])
        #expect(object["rows"] as? Int == 90)
        let checkpoints = try #require(object["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.map { $0["seconds_into_event"] as? Int } == [30, 60, 90, 120, 150, 180])
        #expect(checkpoints.allSatisfy { ($0["metrics"] as? [String: Any])?["rows"] as? Int == 15 })

        // The agent's shipped model predicts a log ratio; evaluate scores it in millibar.
        let shipped = try await runCommand(
            "hearth",
            [
                "evaluate", "--model", PlantFixture.repositoryRoot.appendingPathComponent("models/initial.json").path,
                "--data", history.path, "--target", "min_pressure_mbar", "--holdout-fraction", "0.25", "--json",
            ], in: folder)
        let shippedObject = try #require(
            try JSONSerialization.jsonObject(with: Data(shipped.output.utf8)) as? [String: Any])
        let late = try #require((shippedObject["checkpoints"] as? [[String: Any]])?.last?["metrics"] as? [String: Any])
        #expect(try #require(late["mape_percent"] as? Double) < 30)

        let invalid = try await runCommand(
            "hearth",
            ["evaluate", "--model", model, "--data", history.path, "--target", "x", "--holdout-fraction", "1"],
            in: folder)
        #expect(invalid.status == 64)
    }
}
