import Agent
import Dashboard
import Foundation
import SQLite
import TestSupport
import Testing

/// A dashboard served over real HTTP on a free loopback port, torn down when the body returns.
func withDashboard<Result: Sendable>(
    database: String, token: String? = nil, host: String = "127.0.0.1",
    _ body: @Sendable (LoopbackHTTP) async throws -> Result
) async throws -> Result {
    let store = try AgentStore(path: database, readOnly: true)
    let server = try DashboardServer(
        pages: DashboardPages(store: store, refreshSeconds: nil), host: host, port: 0, token: token)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let serving = Task { try await server.run { continuation.yield($0) } }
    defer { serving.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else { throw LoopbackHTTP.Failure(description: "no port bound") }
    return try await body(LoopbackHTTP(port: port))
}

@Suite("The dashboard over HTTP, on a database from a real simulated run", .serialized)
struct DashboardServerTests {
    func count(_ database: String, _ sql: String) throws -> Int64 {
        try Database(path: database, readOnly: true).query(sql).first?[0].integer ?? 0
    }

    func texts(_ database: String, _ sql: String) throws -> [String] {
        try Database(path: database, readOnly: true).query(sql).compactMap { $0[0].text }
    }

    @Test("The overview names every furnace, its champion, its last event and active alarms, with headers")
    func overview() async throws {
        let database = try await SimulatedRun.shared.database()
        let devices = try texts(database, "SELECT id FROM devices ORDER BY id")
        #expect(devices.count == 2)
        let champions = try texts(
            database, "SELECT DISTINCT 'model v' || model_version FROM deployments WHERE role = 'champion'")
        let lastEvents = try texts(
            database, "SELECT 'event ' || max(id) FROM events GROUP BY device_id")
        let active = try texts(database, "SELECT id FROM alarms WHERE state = 'active'")
        let response = try await withDashboard(database: database) { try await $0.get("/") }
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(response.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["x-frame-options"] == "DENY")
        #expect(response.headers["referrer-policy"] == "no-referrer")
        for device in devices { #expect(response.body.contains("href=\"/furnaces/\(device)\"")) }
        #expect(!champions.isEmpty)
        for champion in champions { #expect(response.body.contains(champion)) }
        for event in lastEvents { #expect(response.body.contains(event)) }
        for alarm in active { #expect(response.body.contains(alarm)) }
        #expect(response.body.contains("<svg"))
        #expect(response.body.contains("<polyline"), "the pump-down curve is drawn")
        #expect(!response.body.contains("<script>"), "no inline script")
    }

    @Test("A furnace page lists its events with true minima, drift checks and decisions; others answer 404")
    func furnace() async throws {
        let database = try await SimulatedRun.shared.database()
        let device = try #require(try texts(database, "SELECT id FROM devices ORDER BY id").first)
        let eventIDs = try texts(
            database, "SELECT CAST(id AS TEXT) FROM events WHERE device_id = '\(device)' ORDER BY id DESC LIMIT 5")
        let decisions = try texts(
            database, "SELECT summary FROM decisions WHERE device_id = '\(device)' ORDER BY id DESC LIMIT 3")
        let (page, missing, unknown, metricsPage) = try await withDashboard(database: database) { http in
            (
                try await http.get("/furnaces/\(device)"), try await http.get("/furnaces/no-such-furnace"),
                try await http.get("/no/such/page"), try await http.get("/metrics")
            )
        }
        #expect(page.status == 200)
        #expect(page.body.contains("Furnace \(device)"))
        for id in eventIDs { #expect(page.body.contains("<td>\(id)</td>")) }
        for summary in decisions { #expect(page.body.contains(htmlEscaped(summary))) }
        #expect(page.body.contains("MAPE of the last 20 labeled events"))
        #expect(missing.status == 404)
        #expect(missing.body.contains("no furnace no-such-furnace"))
        #expect(unknown.status == 404)
        #expect(unknown.headers["x-frame-options"] == "DENY", "a 404 carries the security headers too")
        #expect(metricsPage.status == 200)
    }

    @Test("The models page shows every registered model, its lineage and where it serves")
    func models() async throws {
        let database = try await SimulatedRun.shared.database()
        let versions = try texts(database, "SELECT 'v' || version FROM models")
        let response = try await withDashboard(database: database) { try await $0.get("/models") }
        #expect(response.status == 200)
        #expect(!versions.isEmpty)
        for version in versions { #expect(response.body.contains("id=\"model-\(version.dropFirst())\"")) }
        #expect(response.body.contains("as champion"))
        #expect(response.body.contains("Timeline"))
    }

    @Test("The alarms page shows precision and recall per furnace and every alarm id")
    func alarms() async throws {
        let database = try await SimulatedRun.shared.database()
        let ids = try texts(database, "SELECT id FROM alarms")
        let devices = try texts(database, "SELECT id FROM devices")
        let response = try await withDashboard(database: database) { try await $0.get("/alarms") }
        #expect(response.status == 200)
        #expect(response.body.contains("precision"))
        for device in devices { #expect(response.body.contains("href=\"/furnaces/\(device)\"")) }
        for id in ids { #expect(response.body.contains(htmlEscaped(id))) }
    }

    @Test("/metrics parses as Prometheus text: hearth_ names, counters end in _total, device labels, real counts")
    func metrics() async throws {
        let database = try await SimulatedRun.shared.database()
        let response = try await withDashboard(database: database) { try await $0.get("/metrics") }
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let families = try PrometheusTextParser.parse(response.body)
        for family in families.values {
            #expect(family.name.hasPrefix("hearth_"), "\(family.name)")
            #expect(family.help != nil, "\(family.name) has help")
            if family.type == "counter" { #expect(family.name.hasSuffix("_total"), "\(family.name)") }
            if family.name.hasSuffix("_total") { #expect(family.type == "counter", "\(family.name)") }
        }
        let devices = Set(try texts(database, "SELECT id FROM devices"))
        for name in [
            "hearth_polls_total", "hearth_readings_total", "hearth_alarms_raised_total",
            "hearth_alarms_confirmed_total",
            "hearth_alarms_cleared_total", "hearth_missed_failures_total", "hearth_drift_checks_total",
        ] {
            let family = try #require(families[name], "\(name) is exposed")
            #expect(Set(family.samples.compactMap { $0.labels["device"] }) == devices, "\(name) per device")
        }
        // Only furnaces that had predictions (or labeled ones) have these series.
        for name in ["hearth_predictions_total", "hearth_live_mape_ratio"] {
            let family = try #require(families[name], "\(name) is exposed")
            let labeled = Set(family.samples.compactMap { $0.labels["device"] })
            #expect(!labeled.isEmpty && labeled.isSubset(of: devices), "\(name) per device")
        }
        for name in [
            "hearth_outbox_messages", "hearth_outbox_oldest_age_seconds", "hearth_agent_resident_memory_bytes",
            "hearth_agent_cpu_seconds_total",
        ] {
            #expect(families[name]?.samples.count == 1, "\(name)")
        }
        #expect((families["hearth_agent_resident_memory_bytes"]?.samples.first?.value ?? 0) > 1_000_000)
        let predictions = families["hearth_predictions_total"]?.samples.map(\.value).reduce(0, +) ?? 0
        #expect(Int64(predictions) == (try count(database, "SELECT count(*) FROM predictions")))
        let live = try #require(families["hearth_live_mape_ratio"]?.samples.first)
        #expect(live.labels["model"] != nil)
    }

    @Test("The polls and readings counters grow by what is stored after the first scrape, without a full scan")
    func collectionCounters() async throws {
        let shared = try await SimulatedRun.shared.database()
        let folder = try TemporaryFolder.make(prefix: "dashboard-counters")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("hearth.db").path
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: shared + suffix) {
            try FileManager.default.copyItem(atPath: shared + suffix, toPath: database + suffix)
        }
        let device = try #require(try texts(database, "SELECT id FROM devices ORDER BY id").first)
        let (before, after) = try await withDashboard(database: database) { http in
            let before = try PrometheusTextParser.parse(try await http.get("/metrics").body)
            try Database(path: database).run(
                """
                INSERT INTO readings (signal_id, time_ms, value, raw, status, detail)
                SELECT id, (SELECT max(time_ms) FROM readings) + 30000, 1, 1, 'ok', NULL FROM signals
                WHERE device_id = ? ORDER BY id LIMIT 2
                """, device)
            let after = try PrometheusTextParser.parse(try await http.get("/metrics").body)
            return (before, after)
        }
        func value(
            _ families: [String: PrometheusTextParser.Family], _ name: String, _ labels: [String: String]
        )
            -> Double?
        {
            families[name]?.samples.first { $0.labels == labels }?.value
        }
        #expect(value(before, "hearth_readings_total", ["device": device, "status": "ok"]) == 0)
        #expect(value(after, "hearth_readings_total", ["device": device, "status": "ok"]) == 2)
        #expect(value(after, "hearth_polls_total", ["device": device, "result": "ok"]) == 1)
        #expect(value(after, "hearth_polls_total", ["device": device, "result": "failed"]) == 0)
    }

    @Test("/api/status is the agent's status report as JSON")
    func statusJSON() async throws {
        let database = try await SimulatedRun.shared.database()
        let response = try await withDashboard(database: database) { try await $0.get("/api/status") }
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let report = try JSONDecoder().decode(StatusReport.self, from: Data(response.body.utf8))
        #expect(report.devices.count == 2)
    }
}

func htmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;")
}
