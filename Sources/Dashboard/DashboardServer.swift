import Hummingbird
import Logging

/// The dashboard's HTTP server: the pages, `/metrics` and `/api/status`, GET only, every response with security
/// headers; any other path answers 404.
public struct DashboardServer: Sendable {
    public let pages: DashboardPages
    public let host: String
    public let port: Int
    let token: [UInt8]?

    /// - Parameters:
    ///   - pages: what is served.
    ///   - host: the address to listen on; one that is not loopback needs a `token`.
    ///   - port: the TCP port (0 for any free one).
    ///   - token: the bearer token every request must carry (`Authorization: Bearer TOKEN`), if any.
    /// - Throws: ``DashboardError`` when the address is not loopback and no token is given, or the token is empty.
    public init(pages: DashboardPages, host: String, port: Int, token: String?) throws(DashboardError) {
        if let token, token.isEmpty {
            throw DashboardError("the token file is empty; write the token (one line) into it")
        }
        if token == nil && !Self.isLoopback(host) {
            throw DashboardError(
                "listening on \(host) (not a loopback address) needs --token-file FILE; requests then carry "
                    + "Authorization: Bearer TOKEN")
        }
        self.pages = pages
        self.host = host
        self.port = port
        self.token = token.map { Array($0.utf8) }
    }

    /// Whether an address reaches only this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Serves until the task is cancelled (or, with `signals`, until SIGTERM or SIGINT).
    /// - Parameters:
    ///   - handleSignals: stop gracefully on SIGTERM and SIGINT (for the executable; tests cancel the task).
    ///   - onListening: called with the bound port once the server accepts connections.
    public func run(
        handleSignals: Bool = false, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        async throws
    {
        var logger = Logger(label: "hearth-dashboard")
        logger.logLevel = .notice
        let application = Application(
            router: router(),
            configuration: ApplicationConfiguration(
                address: .hostname(host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port),
                serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        if handleSignals {
            try await application.runService()
        } else {
            try await application.run()
        }
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        router.add(middleware: DashboardMiddleware<BasicRequestContext>(token: token))
        let pages = self.pages
        router.get("/") { _, _ in Self.html(try await pages.overview()) }
        router.get("/furnaces/:device") { _, context in
            let device = try context.parameters.require("device")
            guard let page = try await pages.furnace(device) else {
                throw HTTPError(.notFound, message: "no furnace \(device) in the database")
            }
            return Self.html(page)
        }
        router.get("/models") { _, _ in Self.html(try await pages.models()) }
        router.get("/alarms") { _, _ in Self.html(try await pages.alarms()) }
        router.get("/metrics") { _, _ in
            Self.response(try await pages.metrics(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/status") { _, _ in
            guard let bytes = try await pages.statusJSON() else {
                throw HTTPError(.notFound, message: "the agent has written no status report yet")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/style.css") { _, _ in Self.response(HTML.style, type: "text/css; charset=utf-8") }
        router.get("/refresh.js") { _, _ in Self.response(HTML.refreshScript, type: "text/javascript; charset=utf-8") }
        return router
    }

    static func html(_ text: String) -> Response { response(text, type: "text/html; charset=utf-8") }

    static func response(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The dashboard could not start: one sentence saying what to change.
public struct DashboardError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
