import Agent
import ArgumentParser
import Dashboard
@preconcurrency import Glibc
import Support

/// `hearth-dashboard`: serves the agent's database, read-only, as web pages and Prometheus metrics. Started by
/// `hearth dashboard`, so that the agent itself links no HTTP server.
@main
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth-dashboard",
        abstract: "Serve the agent's database read-only as web pages and Prometheus metrics.",
        discussion:
            "Pages: / (overview), /furnaces/ID, /models, /alarms; /metrics (Prometheus text format); /api/status (the status report as JSON). Opens the database read-only, beside the running agent."
    )

    @Option(name: .long, help: "The agent's SQLite database file. (default: hearth.db, or the configuration's)")
    var database: String?

    @Option(name: .long, help: "The agent configuration file; its database is used.")
    var config: String?

    @Option(name: .long, help: "HOST:PORT to listen on; an address that is not loopback needs --token-file.")
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: "A file holding the bearer token every request must carry.")
    var tokenFile: String?

    @Option(name: .long, help: "Seconds between the pages' automatic reloads in the browser (0: never).")
    var refresh = 15

    func run() async throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let (host, port) = try Self.address(listen)
        var path = database
        if path == nil, let config {
            do {
                path = try AgentConfiguration.load(path: config).databasePath
            } catch {
                throw DashboardError(error.description)
            }
        }
        let file = path ?? "hearth.db"
        guard TextFile.isRegularFile(file) else {
            throw DashboardError("no database at \(file) (give --database or --config)")
        }
        var token: String?
        if let tokenFile {
            do {
                token = String(decoding: try TextFile.read(path: tokenFile), as: UTF8.self)
                while let last = token?.last, last == "\n" || last == "\r" || last == " " { token?.removeLast() }
            } catch {
                throw DashboardError("cannot read the token file: \(error.description)")
            }
        }
        let store: AgentStore
        do {
            store = try AgentStore(path: file, readOnly: true)
        } catch {
            throw DashboardError("cannot open \(file): \(error.message)")
        }
        let server: DashboardServer
        do {
            server = try DashboardServer(
                pages: DashboardPages(store: store, refreshSeconds: refresh > 0 ? refresh : nil), host: host,
                port: port, token: token)
        } catch {
            throw error
        }
        try await server.run(handleSignals: true) { bound in
            print("hearth dashboard of \(file) on http://\(host):\(bound)/")
        }
    }

    /// `HOST:PORT` (`[::1]:8080` for IPv6).
    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port), colon != text.startIndex
        else {
            throw ValidationError("--listen \(text) is not HOST:PORT (for example 127.0.0.1:8080)")
        }
        return (String(text[..<colon]), port)
    }
}
