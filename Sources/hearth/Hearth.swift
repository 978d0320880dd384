import ArgumentParser

/// The `hearth` command: the agent and its tools.
@main
struct Hearth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "Predicts and prevents failed vacuum-pumping events on ESR furnaces, and adapts itself.",
        subcommands: [
            RunCommand.self,
            StatusCommand.self,
            ModelsCommand.self,
            OnboardCommand.self,
            ValidateCommand.self,
            ReadingsCommand.self,
            TrainCommand.self,
            PredictCommand.self,
            ExplainCommand.self,
            EvaluateCommand.self,
            DriftCommand.self,
        ]
    )
}
