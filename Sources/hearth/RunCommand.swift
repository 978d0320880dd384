import Agent
import ArgumentParser
import Fieldbus
@preconcurrency import Glibc
import Logging
import Plant
import Support
import Synchronization

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: collect, predict, alarm, monitor and adapt, for every device of the devices folder.",
        discussion: """
            Stops in order on SIGINT, SIGTERM or SIGHUP (the readings of the poll under way are stored, `offline` \
            is published to the broker) and exits 0; SIGHUP does not reload (new device files are picked up \
            without it; restart for a changed configuration). Exits 2 when the configuration cannot work. Options \
            given here override the configuration file.
            """)

    @Option(
        name: .long, help: "The agent configuration file (YAML). Without it, the defaults of docs/configuration.md.")
    var config: String?

    @Option(name: .long, help: "Folder of device files (overrides `devices`).")
    var devices: String?

    @Option(name: .long, help: "SQLite database file (overrides `database`).")
    var database: String?

    @Option(name: .long, help: "Folder of model files (overrides `models`).")
    var models: String?

    @Option(
        name: .long, help: "Labeled history CSV for the first model and for adaptation (overrides `training_data`).")
    var trainingData: String?

    @Option(name: .long, help: "MQTT broker as HOST:PORT (overrides `broker.host` and `broker.port`).")
    var broker: String?

    @Option(name: .long, help: "Simulated seconds per real second (overrides `speed`).")
    var speed: Double?

    @Option(
        name: .long,
        help:
            "Real time (ms since the Unix epoch) at which plant time starts running at --speed; give the simulator the same value."
    )
    var clockOrigin: Int64?

    @Option(name: .long, help: "Stop after this many real seconds.")
    var duration: Double?

    @Flag(name: .long, help: "Print every stored reading, one line per device and poll.")
    var printReadings = false

    @Option(
        name: .long,
        help: "Print a device's readings at most once per this many plant seconds (implies --print-readings).")
    var printReadingsEvery: Double?

    @Flag(name: .long, help: "Print every prediction, alarm, event outcome and model decision.")
    var printEvents = false

    @Option(
        name: .long,
        help: """
            Log lines on standard error as text, json or logfmt. Under systemd each line carries its syslog \
            priority, for journalctl -p.
            """)
    var logFormat: LogFormatChoice = .text

    /// `--log-format`'s choices: those of ``LogFormat``.
    enum LogFormatChoice: String, ExpressibleByArgument, CaseIterable {
        case text, json, logfmt
        var format: LogFormat { LogFormat(rawValue: rawValue) ?? .text }
    }

    /// The latest `--clock-origin` taken, in ms since the Unix epoch (the year 3000): plant times stay far from
    /// overflowing a 64-bit millisecond count.
    static let latestClockOrigin: Int64 = 32_503_680_000_000

    func validate() throws {
        if let speed, !(speed > 0 && speed <= AgentConfiguration.maximumSpeed) {
            throw ValidationError(
                "--speed must be above 0 and at most \(NumberFormat.exact(AgentConfiguration.maximumSpeed)), "
                    + "got \(NumberFormat.exact(speed))")
        }
        if let clockOrigin, !(0...Self.latestClockOrigin).contains(clockOrigin) {
            throw ValidationError(
                "--clock-origin must be a time in ms since the Unix epoch, 0 to \(Self.latestClockOrigin), got \(clockOrigin)"
            )
        }
        // At most ten years: the agent sleeps for it in nanoseconds.
        if let duration, !(duration > 0 && duration <= 10 * 365 * 86_400) {
            throw ValidationError(
                "--duration must be above 0 and at most 10 years of seconds, got \(NumberFormat.exact(duration))")
        }
        if let printReadingsEvery, !(printReadingsEvery >= 0 && printReadingsEvery <= 365 * 86_400) {
            throw ValidationError(
                "--print-readings-every must be 0 to a year of seconds, got \(NumberFormat.exact(printReadingsEvery))")
        }
    }

    func run() async throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        var configuration: AgentConfiguration
        if let config {
            do {
                configuration = try AgentConfiguration.load(path: config)
            } catch {
                printError(error.description)
                throw ExitCode(Self.configurationExitStatus)
            }
        } else {
            configuration = AgentConfiguration()
        }
        if let devices { configuration.devicesFolder = devices }
        if let database {
            // Models the configuration does not place stay beside the database.
            if configuration.modelsFolder
                == AgentConfiguration.defaultModelsFolder(database: configuration.databasePath)
            {
                configuration.modelsFolder = AgentConfiguration.defaultModelsFolder(database: database)
            }
            configuration.databasePath = database
        }
        if let models { configuration.modelsFolder = models }
        if let trainingData { configuration.trainingData = trainingData }
        if let speed { configuration.speed = speed }
        if let broker {
            let parts = broker.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw ValidationError("--broker takes HOST:PORT, got \"\(broker)\"")
            }
            var settings = configuration.broker ?? BrokerConfiguration.defaults
            settings.host = String(parts[0])
            settings.port = port
            configuration.broker = settings
        }

        let level = configuration.logLevel
        let format = logFormat.format
        LoggingSystem.bootstrap { label in
            var handler = LogLineHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "hearth")
        let clock = AcceleratedClock(speed: configuration.speed, realOrigin: clockOrigin, plantOrigin: clockOrigin)
        let print = printReadings || printReadingsEvery != nil
        let every = Int64((printReadingsEvery ?? 0) * 1000)
        let lastPrinted = Mutex<[String: Int64]>([:])
        let units = Self.units(in: configuration.devicesFolder)
        let events = printEvents
        let agent = HearthAgent(
            configuration: configuration, clock: clock, logger: logger,
            observer: { readings in
                guard print, let first = readings.first else { return }
                if every > 0 {
                    let due = lastPrinted.withLock { printed -> Bool in
                        guard first.timeMilliseconds - (printed[first.device] ?? .min / 2) >= every else {
                            return false
                        }
                        printed[first.device] = first.timeMilliseconds
                        return true
                    }
                    guard due else { return }
                }
                ReadingPrinter.emit(ReadingPrinter.line(for: readings, units: units))
            },
            narrate: { line in
                if events { ReadingPrinter.emit([line]) }
            })
        let signals = ShutdownSignals { [logger] signal in
            logger.notice("stop requested", metadata: ["signal": "\(signal)"])
            agent.stop()
        }
        do {
            try await agent.run(for: duration)
        } catch let error as AgentStartError {
            logger.critical("cannot start", metadata: ["reason": "\(error)"])
            throw ExitCode(error.isConfiguration ? Self.configurationExitStatus : 1)
        }
        _ = signals
    }

    /// The exit status for a configuration a restart cannot cure (a broken file, no usable device file, unusable
    /// training data or broker settings): the systemd unit's `RestartPreventExitStatus=2`.
    static let configurationExitStatus: Int32 = 2

    /// Units of every signal, for printing.
    static func units(in folder: String) -> [String: [String: String]] {
        let (devices, _) = DeviceFileLoader.loadFolder(path: folder)
        return Dictionary(
            devices.map { device in
                (
                    device.id,
                    Dictionary(
                        device.signals.compactMap { s in s.unit.map { (s.name, $0) } }, uniquingKeysWith: { a, _ in a })
                )
            }, uniquingKeysWith: { a, _ in a })
    }
}

func printError(_ text: String) {
    fputs(text.hasSuffix("\n") ? text : text + "\n", stderr)
}
