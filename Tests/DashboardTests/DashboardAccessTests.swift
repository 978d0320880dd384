import Agent
import Dashboard
import Foundation
import TestSupport
import Testing

@Suite("Who may see the dashboard")
struct DashboardAccessTests {
    /// An empty database with the agent's schema.
    static func emptyDatabase() throws -> (folder: URL, path: String) {
        let folder = try TemporaryFolder.make(prefix: "dashboard-access")
        let path = folder.appendingPathComponent("hearth.db").path
        _ = try AgentStore(path: path)
        return (folder, path)
    }

    @Test("A non-loopback address without a token is refused with the option to give")
    func nonLoopbackNeedsToken() async throws {
        let (folder, path) = try Self.emptyDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: path, readOnly: true)
        #expect(throws: DashboardError.self) {
            try DashboardServer(pages: DashboardPages(store: store), host: "0.0.0.0", port: 0, token: nil)
        }
        do {
            _ = try DashboardServer(pages: DashboardPages(store: store), host: "192.0.2.1", port: 0, token: nil)
        } catch {
            #expect(error.description.contains("--token-file"))
        }
        #expect(DashboardServer.isLoopback("127.0.0.1"))
        #expect(DashboardServer.isLoopback("::1"))
        #expect(!DashboardServer.isLoopback("0.0.0.0"))
    }

    @Test("With a token, requests without it or with a wrong one answer 401; the right one is served")
    func bearerToken() async throws {
        let (folder, path) = try Self.emptyDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (none, wrong, prefix, right) = try await withDashboard(database: path, token: "s3cret-token") { http in
            (
                try await http.get("/"), try await http.get("/", headers: ["Authorization": "Bearer s3cret-tokeX"]),
                try await http.get("/", headers: ["Authorization": "Bearer s3cret"]),
                try await http.get("/", headers: ["Authorization": "Bearer s3cret-token"])
            )
        }
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Bearer")
        #expect(none.headers["x-frame-options"] == "DENY")
        #expect(wrong.status == 401)
        #expect(prefix.status == 401)
        #expect(right.status == 200)
        #expect(right.body.contains("no status report yet"))
    }

    @Test("An empty database serves every page, and its metrics still parse")
    func emptyDatabasePages() async throws {
        let (folder, path) = try Self.emptyDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let responses = try await withDashboard(database: path) { http in
            [
                try await http.get("/"), try await http.get("/models"), try await http.get("/alarms"),
                try await http.get("/metrics"),
            ]
        }
        for response in responses { #expect(response.status == 200) }
        _ = try PrometheusTextParser.parse(responses[3].body)
    }
}
