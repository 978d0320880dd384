import Agent
import ArgumentParser
import FoundationEssentials
import Plant
import Support
import Trees

extension ModelsCommand {
    /// `hearth models first`: the model the agent trains at its first start, written as a file to bring along
    /// (`<models>/initial.json`) instead of letting each box train its own.
    struct First: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train the first model as the agent does at its first start, and write it as a model file.",
            discussion: """
                The same trainer, target and features as `hearth run` with `training_data`: the model predicts \
                log(minimum ÷ pressure at the checkpoint) from the features of the devices folder's furnaces, with \
                the configuration's policy (algorithm, trees, depth, learning rate, seed). Put the file in the \
                agent's models folder as initial.json before its first start (models/README.md).
                """)

        @Option(
            name: .long, help: "The labeled history CSV (`hearth-sim history --ids`, or plant data with its columns).")
        var data: String

        @Option(name: .long, help: "The agent configuration: its policy, and its devices folder.")
        var config: String?

        @Option(
            name: .long,
            help: "Folder of device files whose attributes the model may use (overrides the configuration's).")
        var devices: String?

        @Option(name: .long, help: "The creation time recorded in the model (ISO 8601); now when not given.")
        var createdAt: String?

        @Option(name: .long, help: "Where to write the model file.")
        var out: String

        func run() async throws {
            var configuration = AgentConfiguration()
            if let config {
                do {
                    configuration = try AgentConfiguration.load(path: config)
                } catch {
                    printError(error.description)
                    throw ExitCode(2)
                }
            }
            let folder = devices ?? configuration.devicesFolder
            let (loaded, problems) = DeviceFileLoader.loadFolder(path: folder)
            if let problems { throw CommandFailure(problems.description) }
            guard !loaded.isEmpty else { throw CommandFailure("no device file in \(folder)") }
            let history = try ModelBootstrap.loadHistory(data)
            let attributes = Set(loaded.flatMap { $0.attributes.map(\.name) })
            let request = CandidateRequest(
                source: history, target: [], own: [],
                featureNames: PumpingEventFeatures.names(attributes: Array(attributes)),
                weighting: .none, policy: configuration.policy, createdAt: createdAt ?? Date.now.formatted(.iso8601))
            let result: CandidateResult
            do {
                result = try await CandidateTrainer().train(request)
            } catch {
                throw CommandFailure("the first model could not be trained on \(data): \(error)")
            }
            try result.model.save(to: out)
            print(
                "trained \(configuration.policy.algorithm.rawValue) on \(result.sourceRows) rows of \(data) × "
                    + "\(result.model.featureNames.count) features (\(PumpingEventFeatures.schema)); wrote \(out)")
        }
    }
}
