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

    /// What `hearth --version` prints: the program's version, the git commit it was built from (recorded by the
    /// `BuildCommit` plugin; `unknown` when built outside a git checkout), the feature schema its models must be
    /// trained on and the newest database schema it migrates to.
    static let versionText = """
        hearth \(HearthAgent.version)
        commit: \(buildCommit)
        feature schema: \(PumpingEventFeatures.schema)
        database schema: \(AgentSchema.migrator.newestVersion)
        """
}
