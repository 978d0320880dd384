import Agent
import Foundation
import Plant
import Simulator
import Support
import Testing

/// The drift monitor's false alarms, measured on unchanged simulated furnaces: the reference is a sample of a
/// furnace's history as a model records it, the windows are later events of the same furnace.
@Suite("Drift checks on unchanged furnaces")
struct DriftCalibrationTests {
    @Test("Checks of unchanged furnaces against their own history flag at most 5 % of windows", .timeLimit(.minutes(5)))
    func falseAlarmRate() throws {
        let scenario = try Scenario.load(
            path: PlantFixture.repositoryRoot.appendingPathComponent("simulator/scenarios/onboarding.yaml").path)
        let history = HistoryGenerator(furnaces: scenario.historyFurnaces())
        let live = HistoryGenerator(
            furnaces: scenario.devices.map { scenario.furnace(for: $0.device, origin: 1_800_000_000_000) })
        var rows: [ReferenceRow] = []
        for furnace in history.furnaces {
            for event in history.events(of: furnace, count: 300) {
                rows += event.features.map { ReferenceRow(origin: event.device, features: $0) }
            }
        }
        // The model's reference: 600 rows sampled from its training data, as the agent keeps it.
        var random = SeededGenerator(seed: 3)
        let reference = random.sample(600, from: rows.count).map { rows[$0] }
        let monitor = DriftMonitor(policy: AgentPolicy())
        var checks = 0
        var flagged: [String] = []
        for furnace in live.furnaces {
            let events = live.events(of: furnace, count: 12 * 30)
            for window in 0..<30 {
                let slice = events[(window * 12)..<((window + 1) * 12)].map { event in
                    Dictionary(
                        uniqueKeysWithValues: zip(PumpingEventFeatures.checkpoints.map { Int($0) }, event.features))
                }
                switch monitor.check(device: furnace.device.id, events: Array(slice), reference: reference) {
                case .checked(let summary):
                    checks += 1
                    if summary.flagged {
                        flagged.append(
                            "\(furnace.device.id) window \(window): \(summary.driftedFeatures), AUC \(summary.classifierAUC) "
                                + "(p \(summary.classifierPValue)), MMD p \(summary.mmdPValue), \(summary.reference)")
                    }
                case .skipped(let reason):
                    Issue.record("skipped: \(reason)")
                }
            }
        }
        print(
            "drift checks of unchanged furnaces: \(flagged.count) of \(checks) flagged\n"
                + flagged.joined(separator: "\n"))
        #expect(checks == 60)
        #expect(Double(flagged.count) <= 0.05 * Double(checks), "\(flagged.count) of \(checks) flagged")
    }
}
