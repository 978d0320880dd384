import ArgumentParser

/// The `hearth-sim` command: simulated ESR furnaces served over Modbus and MQTT.
@main
struct HearthSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth-sim",
        abstract:
            "Simulates ESR furnaces and serves them over Modbus TCP/RTU and MQTT, as their device files describe.",
        subcommands: [DemoCommand.self, ServeCommand.self, HistoryCommand.self]
    )
}
