import ArgumentParser
import Glibc

/// `hearth dashboard`: starts the `hearth-dashboard` executable installed beside `hearth`, so that the agent
/// itself never links an HTTP server.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the agent's database read-only as web pages and Prometheus metrics.",
        discussion:
            "Runs hearth-dashboard from the folder of this executable with the same options. Pages: / (overview), /furnaces/ID, /models, /alarms; /metrics; /api/status."
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

    func run() throws {
        let executable = try Self.sibling("hearth-dashboard")
        var arguments = [executable, "--listen", listen, "--refresh", String(refresh)]
        if let database { arguments += ["--database", database] }
        if let config { arguments += ["--config", config] }
        if let tokenFile { arguments += ["--token-file", tokenFile] }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv(executable, argv)
        let reason = String(cString: strerror(errno))
        throw CommandFailure("cannot start \(executable): \(reason)")
    }

    /// An executable in the folder of this one (found through /proc/self/exe, whatever the working directory).
    static func sibling(_ name: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else {
            throw CommandFailure(
                "cannot find this program's own path to start \(name): \(String(cString: strerror(errno)))")
        }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let candidate = folder + "/" + name
        guard access(candidate, X_OK) == 0 else {
            throw CommandFailure(
                "\(name) is not installed beside \(path) (expected \(candidate)); build it with "
                    + "`swift build --product \(name)` or install it next to hearth")
        }
        return candidate
    }
}
