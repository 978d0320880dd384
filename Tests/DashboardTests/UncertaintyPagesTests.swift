import Agent
import Dashboard
import Foundation
import Plant
import SQLite
import TestSupport
import Testing

/// The dashboard shows how sure predictions and alarms are, and why alarms were raised, on a database made by the
/// store with known values.
@Suite("The dashboard's intervals, failure probabilities and alarm reasons")
struct UncertaintyPagesTests {
    static let device = DeviceFile(
        id: "f", kind: "esr-furnace", name: "F", connection: .modbusTCP(ModbusTCPEndpoint(host: "127.0.0.1")),
        signals: [
            SignalDefinition(
                name: "chamber_pressure", source: .register(RegisterLocation(table: .input, address: 0, type: .float32))
            )
        ])

    static let sure = PredictionUncertainty(
        lowMbar: 0.62, highMbar: 2.48, failureProbability: 0.73, coverage: 0.9, calibrationEvents: 14)
    static let reasons = [
        AlarmReason(feature: "chamber_temperature_c", value: 96.4, contributionMbar: 0.87),
        AlarmReason(feature: "log_pressure_slope", value: nil, contributionMbar: -0.12),
    ]

    /// An event under way with a champion prediction at 150 s that has an interval and one at 180 s without, a shadow
    /// with an unbounded one, and an alarm raised on its failure probability.
    /// - Returns: the database's path, in a new folder the caller removes.
    static func database() async throws -> (folder: URL, path: String) {
        let folder = try TemporaryFolder.make(prefix: "dashboard-uncertainty")
        let path = folder.appendingPathComponent("h.db").path
        let store = try AgentStore(path: path, durability: .normal)
        try await store.register(Self.device, at: 0)
        let id = try await store.beginEvent(device: "f", start: 1_000, threshold: 1, previousMinimum: nil)
        try await store.recordCheckpoint(
            event: id, checkpoint: 150, features: [:],
            predictions: [
                StoredPrediction(
                    eventID: id, checkpoint: 150, modelVersion: 1, role: .champion, predicted: 1.24, time: 151_000,
                    uncertainty: Self.sure),
                StoredPrediction(
                    eventID: id, checkpoint: 150, modelVersion: 2, role: .shadow, predicted: 0.93, time: 151_000,
                    uncertainty: PredictionUncertainty(
                        lowMbar: 0.31, highMbar: nil, failureProbability: 0.45, coverage: 0.9, calibrationEvents: 9)),
            ])
        try await store.recordCheckpoint(
            event: id, checkpoint: 180, features: [:],
            predictions: [
                StoredPrediction(
                    eventID: id, checkpoint: 180, modelVersion: 1, role: .champion, predicted: 1.31, time: 181_000)
            ])
        let database = try Database(path: path)
        try database.run(
            """
            INSERT INTO alarms (id, device_id, event_id, state, sequence, severity, raised_ms, raised_at_s, updated_ms,
                predicted, threshold, model_version, reasons, uncertainty, raised_on)
            VALUES ('f/1000', 'f', ?, 'active', 1, 'warning', 151000, 150, 151000, 1.24, 1, 1, ?, ?,
                'failure_probability')
            """, id, JSONCoding.text(Self.reasons), JSONCoding.text(Self.sure))
        return (folder, path)
    }

    @Test("The overview's checkpoint predictions show their intervals as error bars and low–high, – without one")
    func overview() async throws {
        let (folder, path) = try await Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        let response = try await withDashboard(database: path) { try await $0.get("/") }
        #expect(response.status == 200)
        let body = response.body
        #expect(body.contains("90 % interval (mbar)") && body.contains("failure probability"))
        #expect(body.contains("<td>0.62–2.48</td>"), "the champion's interval at 150 s")
        #expect(body.contains("<td>73 %</td>"))
        #expect(body.contains("<td>0.31–∞</td>"), "the shadow's unbounded interval")
        // The 180 s prediction has none, and says so rather than showing a number.
        let rows = body.components(separatedBy: "<tr>").filter { $0.contains("<td>180</td>") }
        #expect(rows.count == 1 && rows.first?.contains("<td>–</td><td>–</td>") == true, "\(rows)")
        // Error bars in the chart: one per prediction with an interval, the unbounded one dashed.
        #expect(body.components(separatedBy: "<g class=\"interval\"").count - 1 == 2)
        #expect(body.contains("<title>predicted by v1 at 150: 0.62–2.48</title>"))
        #expect(body.contains("<title>predicted by v2 at 150: 0.31–∞</title>"))
        #expect(body.contains("stroke-dasharray=\"3 2\""))
        // The two models' bars at 150 s stand side by side, not on top of each other.
        let bars = body.components(separatedBy: "<g class=\"interval\"").dropFirst().compactMap { bar in
            bar.range(of: "<line x1=\"").map { bar[$0.upperBound...].prefix { $0 != "\"" } }
        }
        #expect(bars.count == 2 && Set(bars).count == 2, "\(bars)")
    }

    @Test("The alarms page and the furnace page show each alarm's reasons, interval and failure probability")
    func alarms() async throws {
        let (folder, path) = try await Self.database()
        defer { try? FileManager.default.removeItem(at: folder) }
        for page in ["/alarms", "/furnaces/f"] {
            let response = try await withDashboard(database: path) { try await $0.get(page) }
            #expect(response.status == 200)
            let body = response.body
            #expect(body.contains("<code>f/1000</code>"), "\(page)")
            #expect(body.contains("chamber_temperature_c = 96.4 (+0.87 mbar)"), "\(page)")
            #expect(body.contains("log_pressure_slope = missing (-0.12 mbar)"), "\(page)")
            #expect(body.contains("<td>0.62–2.48</td>") && body.contains("<td>73 %</td>"), "\(page)")
            #expect(body.contains("<td>failure probability</td>"), "\(page): what raised it")
        }
    }
}
