import Agent
import ArgumentParser
import Plant
import Support

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, show, promote, roll back and withdraw models; show the audit log.",
        discussion: """
            promote, rollback and withdraw go through the same registry as the running agent: the same checks, the \
            same audit entries; with --config naming a broker, the same decision messages (the running agent \
            delivers them). A promotion keeps the replaced champion predicting beside the new one until the agent \
            confirms or rolls back the new one, as after its own promotions.
            """,
        subcommands: [List.self, Show.self, Promote.self, Rollback.self, Withdraw.self, Decisions.self, First.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every model with its state and where it serves.")
        @OptionGroup var location: DatabaseLocation
        @Flag(name: .long, help: "JSON output.") var json = false

        func run() async throws {
            let store = try location.open()
            let models = try await store.models()
            let deployments = try await store.deployments()
            if json {
                print(JSONValue.array(models.map { ModelsCommand.json($0, deployments: deployments) }).serialized)
                return
            }
            print("version  state      algorithm  weighting   target      serves")
            for model in models {
                let serves = deployments.filter { $0.version == model.version }.map {
                    "\($0.device) (\($0.role.rawValue))"
                }
                let columns = [
                    "v\(model.version)".padded(8), model.state.rawValue.padded(10), model.algorithm.padded(10),
                    model.weighting.padded(11), (model.targetDevice ?? "-").padded(11),
                    serves.isEmpty ? "-" : serves.joined(separator: ", "),
                ]
                print(columns.joined(separator: " "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model in full.")
        @OptionGroup var location: DatabaseLocation
        @Argument(help: "The model version.") var version: Int

        func run() async throws {
            let store = try location.open()
            guard let model = try await store.model(version) else {
                throw CommandFailure("no model v\(version) in \(try location.path())")
            }
            print(ModelsCommand.json(model, deployments: try await store.deployments()).serialized)
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a model the champion of a furnace (the running agent follows at its next prediction).")
        @OptionGroup var location: DatabaseLocation
        @Argument(help: "The model version.") var version: Int
        @Option(name: .long, help: "The furnace.") var device: String

        func run() async throws {
            let registry = try location.registry()
            let decision = try await ModelsCommand.changing {
                try await registry.promote(
                    version, on: device, evidence: nil, at: try await ModelsCommand.now(registry))
            }
            print(decision.summary)
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a furnace back the champion its current one replaced.")
        @OptionGroup var location: DatabaseLocation
        @Option(name: .long, help: "The furnace.") var device: String

        func run() async throws {
            let registry = try location.registry()
            let decision = try await ModelsCommand.changing {
                try await registry.rollBack(device: device, evidence: nil, at: try await ModelsCommand.now(registry))
            }
            print(decision.summary)
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a shadow (or a watched former champion) predicting on a furnace.")
        @OptionGroup var location: DatabaseLocation
        @Argument(help: "The model version.") var version: Int
        @Option(name: .long, help: "The furnace.") var device: String

        func run() async throws {
            let registry = try location.registry()
            try await ModelsCommand.changing {
                try await registry.withdraw(
                    version, from: device, kind: .withdrawn, evidence: nil, at: try await ModelsCommand.now(registry))
            }
            print("v\(version) withdrawn from \(device)")
        }
    }

    struct Decisions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The audit log: triggers, candidates, promotions, rollbacks, with the numbers behind them.")
        @OptionGroup var location: DatabaseLocation
        @Option(name: .long, help: "How many of the newest.") var last = 30
        @Option(name: .long, help: "Only this furnace's.") var device: String?
        @Flag(name: .long, help: "JSON output, one decision message per line.") var json = false

        func run() async throws {
            let store = try location.open()
            if let device, !(try await store.deviceIDs().contains(device)) {
                throw CommandFailure(
                    "no device \(device) in \(try location.path()) (devices: \(try await store.deviceIDs().joined(separator: ", ")))"
                )
            }
            for decision in try await store.decisions(limit: last, device: device) {
                if json {
                    print(JSONCoding.text(DecisionMessage(decision)))
                } else {
                    print(
                        "\(PlantTime.readable(decision.time))  \(decision.kind.rawValue.padded(12)) \(decision.summary)"
                    )
                }
            }
        }
    }

    /// A registry change, its refusal turned into one sentence.
    @discardableResult
    static func changing<Result>(_ change: () async throws -> Result) async throws -> Result {
        do {
            return try await change()
        } catch let error as RegistryError {
            throw CommandFailure(error.description)
        }
    }

    /// The plant time to stamp a decision by hand with: the agent's last report or newest reading (the command
    /// line has no plant clock of its own; a simulated plant may run faster than real time).
    static func now(_ registry: ModelRegistry) async throws -> Int64 {
        try await registry.journal.store.latestPlantTime() ?? AcceleratedClock.realNow()
    }

    static func json(_ model: ModelEntry, deployments: [Deployment]) -> JSONValue {
        .object([
            "model": .number(Double(model.version)), "parent": model.parent.map { .number(Double($0)) } ?? .null,
            "state": .string(model.state.rawValue), "algorithm": .string(model.algorithm),
            "weighting": .string(model.weighting),
            "target_device": model.targetDevice.map { .string($0) } ?? .null, "file": .string(model.file),
            "checksum": .string(model.checksum), "feature_schema": .string(model.featureSchema),
            "created": .string(PlantTime.iso8601(model.created)), "data_window": model.dataWindow,
            "parameters": model.parameters, "offline_metrics": model.offlineMetrics,
            "note": model.note.map { .string($0) } ?? .null,
            "deployments": .array(
                deployments.filter { $0.version == model.version }.map {
                    .object([
                        "device": .string($0.device), "role": .string($0.role.rawValue),
                        "since": .string(PlantTime.iso8601($0.since)),
                    ])
                }),
        ])
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
