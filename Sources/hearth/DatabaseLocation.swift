import Agent
import ArgumentParser
import Glibc
import Logging

/// Where a command finds the agent's database: `--database`, or the `database` of `--config`.
struct DatabaseLocation: ParsableArguments {
    @Option(name: .long, help: "The agent's SQLite database file. (default: hearth.db, or the configuration's)")
    var database: String?

    @Option(name: .long, help: "The agent configuration file; its database and broker topics are used.")
    var config: String?

    /// The configuration named, if any.
    func configuration() throws -> AgentConfiguration? {
        guard let config else { return nil }
        do {
            return try AgentConfiguration.load(path: config)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// The database path.
    func path() throws -> String {
        if let database { return database }
        return try configuration()?.databasePath ?? "hearth.db"
    }

    /// Opens the existing database: read-only (beside a running agent, changing nothing, migrating nothing) unless
    /// the command writes.
    func open(readOnly: Bool = true) throws -> AgentStore {
        let path = try path()
        guard access(path, F_OK) == 0 else {
            throw CommandFailure("no database at \(path) (give --database or --config)")
        }
        do {
            return try AgentStore(path: path, readOnly: readOnly)
        } catch {
            throw CommandFailure("cannot open \(path): \(error.message)")
        }
    }

    /// The registry over the database, recording decisions through a journal whose messages go to the configured
    /// broker's topics (the running agent delivers them); without `--config` naming a broker, nothing is queued.
    func registry() throws -> ModelRegistry {
        let store = try open(readOnly: false)
        let topics = try configuration()?.broker?.topics
        let journal = DecisionJournal(store: store, topics: topics, logger: Logger(label: "hearth"))
        return ModelRegistry(journal: journal)
    }
}

/// A command that failed at run time: one sentence, exit status 1 (usage errors keep ArgumentParser's 64).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
