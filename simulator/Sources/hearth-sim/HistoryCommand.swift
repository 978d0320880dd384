import ArgumentParser
@preconcurrency import Glibc
import Plant
import Simulator
import Support

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Write past pumping events as training data (CSV).",
        discussion: """
            One row per event and checkpoint (30, 60, ..., 180 s into the event): the features the agent sees at \
            that moment (computed by the agent's own feature code, from polls sampled as the agent samples them), \
            the furnace's static attributes, and the event's true minimum pressure (min_pressure_mbar). Empty cells \
            are missing values.
            """)

    @OptionGroup var plant: PlantOptions

    @Option(name: .long, help: "Events per furnace (default: 200, or a scenario's history.events).")
    var events: Int?

    @Option(
        name: .long,
        help: "The history of a scenario's initially served furnaces, with its physics (instead of --devices/--seed).")
    var scenario: String?

    @Option(name: .long, help: "Output CSV file ('-' for standard output).")
    var out = "-"

    @Flag(name: .long, help: "Prepend device and event columns (not features: drop them before training).")
    var ids = false

    func run() async throws {
        let furnaces: [SimulatedFurnace]
        let events: Int
        if let scenario {
            let loaded: Scenario
            do {
                loaded = try Scenario.load(path: scenario)
            } catch {
                throw CommandFailure(error.description)
            }
            furnaces = loaded.historyFurnaces()
            events = self.events ?? loaded.historyEvents
        } else {
            let devices = try plant.loadDevices()
            furnaces = SimulatedFurnace.make(devices: devices, seed: plant.seed, origin: 1_767_225_600_000)
            events = self.events ?? 200
        }
        guard events > 0 else { throw ValidationError("--events must be positive") }
        let devices = furnaces.map(\.device)
        let generator = HistoryGenerator(furnaces: furnaces)
        let text = generator.csv(eventsPerFurnace: events, withIDs: ids)
        if out == "-" {
            print(text, terminator: "")
        } else {
            do {
                try TextFile.writeDurably(text, to: out)
            } catch {
                throw CommandFailure(error.description)
            }
            let rows = text.split(separator: "\n").count - 1
            fputs(
                "wrote \(rows) rows (\(events) events × \(PumpingEventFeatures.checkpoints.count) checkpoints × \(devices.count) furnaces) to \(out)\n",
                stderr)
        }
    }
}
