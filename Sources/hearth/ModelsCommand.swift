import Agent
import ArgumentParser
import Glibc
import Plant
import SQLite

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, show, promote and roll back models in the registry.",
        subcommands: [List.self, Show.self, Promote.self, Rollback.self, Decisions.self])

    struct Location: ParsableArguments {
        @Option(name: .long, help: "SQLite database file.")
        var database = "hearth.db"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every model with its state and where it serves.")
        @OptionGroup var location: Location
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() async throws {
            let store = try await AgentStore.open(location.database)
            let models = try await store.models()
            let deployments = try await store.deployments()
            if json {
                print(JSONValue.array(models.map { ModelsCommand.json($0, deployments: deployments) }).serialized)
                return
            }
            print("version  state      algorithm  weighting   target      serves")
            for model in models {
                let serves = deployments.filter { $0.version == model.version }.map { "\($0.device) (\($0.role))" }
                print(
                    [
                        "v\(model.version)".padded(8), model.state.padded(10), model.algorithm.padded(10),
                        model.weighting.padded(11), (model.targetDevice ?? "-").padded(11),
                        serves.isEmpty ? "-" : serves.joined(separator: ", "),
                    ].joined(separator: " "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model in full.")
        @OptionGroup var location: Location
        @Argument(help: "The model version.") var version: Int

        func run() async throws {
            let store = try await AgentStore.open(location.database)
            guard let model = try await store.models().first(where: { $0.version == version }) else {
                throw ValidationError("no model v\(version) in \(location.database)")
            }
            print(ModelsCommand.json(model, deployments: try await store.deployments()).serialized)
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a model the champion of a furnace (the running agent follows at the furnace's next event).")
        @OptionGroup var location: Location
        @Argument(help: "The model version.") var version: Int
        @Option(name: .long, help: "The furnace.") var device: String

        func run() async throws {
            let store = try await AgentStore.open(location.database, readOnly: false)
            guard try await store.models().contains(where: { $0.version == version }) else {
                throw ValidationError("no model v\(version) in \(location.database)")
            }
            let current = try await store.deployments().first { $0.device == device && $0.role == "champion" }
            let summary =
                "v\(version) promoted on \(device) by hand (was v\(current.map { String($0.version) } ?? "none"))"
            let now = AcceleratedClock.realNow()
            try await store.deploy(
                [.champion(device: device, version: version, previous: current?.version)],
                decision: ("promotion", summary, .object(["manual": .bool(true)])), device: device, version: version,
                messages: [], at: now)
            print(summary)
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a furnace its previous champion back (the running agent follows at the next event).")
        @OptionGroup var location: Location
        @Option(name: .long, help: "The furnace.") var device: String

        func run() async throws {
            let store = try await AgentStore.open(location.database, readOnly: false)
            guard
                let current = try await store.deployments().first(where: {
                    $0.device == device && $0.role == "champion"
                }),
                let previous = current.previousChampion
            else {
                throw ValidationError("\(device) has no previous champion to roll back to")
            }
            let summary = "v\(current.version) rolled back on \(device) by hand; v\(previous) serves again"
            try await store.deploy(
                [
                    .champion(device: device, version: previous, previous: nil),
                    .withdraw(device: device, version: current.version),
                ],
                decision: ("rollback", summary, .object(["manual": .bool(true)])), device: device, version: previous,
                messages: [], at: AcceleratedClock.realNow())
            print(summary)
        }
    }

    struct Decisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit log: triggers, candidates, promotions, rollbacks, with the numbers behind them.")
        @OptionGroup var location: Location
        @Option(name: .long, help: "How many of the newest.") var last = 30
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() async throws {
            let store = try await AgentStore.open(location.database)
            for decision in try await store.decisions(limit: last) {
                if json {
                    print(
                        JSONValue.object([
                            "time": .string(PlantTime.iso8601(decision.time)), "kind": .string(decision.kind),
                            "device": decision.device.map { .string($0) } ?? .null,
                            "model": decision.modelVersion.map { .number(Double($0)) } ?? .null,
                            "summary": .string(decision.summary),
                            "details": (try? JSONValue.parse(Array(decision.details.utf8))) ?? .null,
                        ]).serialized)
                } else {
                    print("\(PlantTime.readable(decision.time))  \(decision.kind.padded(10)) \(decision.summary)")
                }
            }
        }
    }

    static func json(_ model: ModelEntry, deployments: [Deployment]) -> JSONValue {
        func parsed(_ text: String) -> JSONValue { (try? JSONValue.parse(Array(text.utf8))) ?? .string(text) }
        return .object([
            "model": .number(Double(model.version)), "parent": model.parent.map { .number(Double($0)) } ?? .null,
            "state": .string(model.state), "algorithm": .string(model.algorithm), "weighting": .string(model.weighting),
            "target_device": model.targetDevice.map { .string($0) } ?? .null, "file": .string(model.file),
            "checksum": .string(model.checksum), "feature_schema": .string(model.featureSchema),
            "created": .string(PlantTime.iso8601(model.created)), "data_window": parsed(model.dataWindow),
            "parameters": parsed(model.parameters), "offline_metrics": parsed(model.offlineMetrics),
            "note": model.note.map { .string($0) } ?? .null,
            "deployments": .array(
                deployments.filter { $0.version == model.version }.map {
                    .object([
                        "device": .string($0.device), "role": .string($0.role),
                        "since": .string(PlantTime.iso8601($0.since)),
                    ])
                }),
        ])
    }
}

extension AgentStore {
    /// Opens an existing agent database for a command.
    static func open(_ path: String, readOnly: Bool = true) async throws -> AgentStore {
        guard access(path, F_OK) == 0 else { throw ValidationError("no database at \(path)") }
        do {
            return try AgentStore(path: path)
        } catch {
            throw ValidationError("cannot open \(path): \(error)")
        }
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
