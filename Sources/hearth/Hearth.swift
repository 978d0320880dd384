import Agent
import ArgumentParser
import Plant

/// The `hearth` command: the agent and its tools.
@main
struct Hearth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "Predicts and prevents failed vacuum-pumping events on ESR furnaces, and adapts itself.",
        version: versionText,
        subcommands: [
            RunCommand.self,
            StatusCommand.self,
            ModelsCommand.self,
            OnboardCommand.self,
            ValidateCommand.self,
            PollCommand.self,
            ReadingsCommand.self,
            TrainCommand.self,
            PredictCommand.self,
            ExplainCommand.self,
            EvaluateCommand.self,
            DriftCommand.self,
            DashboardCommand.self,
        ]
    )

    /// What `hearth --version` prints: the program's version, the feature schema its models must be trained on and
    /// the newest database schema it migrates to. A build records no commit: SwiftPM passes no source-control
    /// information to the compiler, and reading `.git` from the manifest would go stale (the manifest is cached).
    static let versionText = """
        hearth \(HearthAgent.version)
        feature schema: \(PumpingEventFeatures.schema)
        database schema: \(AgentSchema.migrator.newestVersion)
        commit: not recorded in the build
        """
}
