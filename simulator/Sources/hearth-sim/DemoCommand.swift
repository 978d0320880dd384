import ArgumentParser
import Fieldbus
@preconcurrency import Glibc
import Plant
import Simulator
import Support

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run the whole plant locally: a broker, simulated furnaces, and the agent predicting, alarming and adapting.",
        discussion: """
            Starts mosquitto on a free loopback port; places the shipped first model (models/initial.json, trained \
            on the scenario's history by models/regenerate) in the agent's models folder, and writes the history \
            the agent adapts from (with --initial-model none the agent trains its first model on it); serves the scenario's furnaces at accelerated time (Modbus TCP, Modbus RTU over a \
            pseudo-terminal, MQTT); runs `hearth run` against them, printing predictions, alarms, event outcomes, \
            model decisions and (sampled) readings; and at the scenario's scripted moment drops a new, shifted \
            furnace's device file into the agent's folder. Ctrl-C (or --duration) stops everything in order; the \
            database and models are kept.
            """)

    @Option(name: .long, help: "The scenario to run.")
    var scenario = "simulator/scenarios/demo.yaml"

    @Option(name: .long, help: "Simulated seconds per real second (default: the scenario's).")
    var speed: Double?

    @Option(name: .long, help: "Stop after this many real seconds.")
    var duration: Double?

    @Option(name: .long, help: "Print each furnace's readings once per this many plant seconds (0: never).")
    var readingsEvery: Double = 1800

    @Option(name: .long, help: "Folder for the agent's database, models and devices (default: a new temporary folder).")
    var folder: String?

    @Option(
        name: .long,
        help: "The agent's first model, copied to its models folder as initial.json; none: trained on the history.")
    var initialModel = "models/initial.json"

    @Option(name: .long, help: "The hearth executable (default: beside this one).")
    var hearth: String?

    @Option(name: .long, help: RegisterTimingOption.help)
    var registers = RegisterTimingOption.pollGrid

    func run() async throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let plan: Scenario
        do {
            plan = try Scenario.load(path: scenario)
        } catch {
            throw CommandFailure(error.description)
        }
        let speed = self.speed ?? plan.speed
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        guard let mosquittoPath = ChildProcess.find("mosquitto") else {
            throw CommandFailure("mosquitto is not installed (run .ci/install-deps, or apt-get install mosquitto)")
        }
        let agentPath = hearth ?? Self.siblingExecutable("hearth")
        guard access(agentPath, X_OK) == 0 else {
            throw CommandFailure(
                "no hearth executable at \(agentPath) (build it with `swift build`, or give --hearth)")
        }
        let work = try folder ?? Self.temporaryFolder()
        for sub in ["devices", "models"] { mkdir("\(work)/\(sub)", 0o755) }
        guard let port = LoopbackPort.free() else { throw CommandFailure("no free loopback port for the broker") }

        // The broker.
        try Self.write(
            "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n", to: "\(work)/mosquitto.conf")
        let broker = try ChildProcess(
            executable: mosquittoPath, arguments: ["-c", "\(work)/mosquitto.conf"], output: "\(work)/mosquitto.log",
            newProcessGroup: true)
        defer { broker.stop() }
        var waited = 0
        while !LoopbackPort.isListening(port) {
            guard broker.isRunning, waited < 500 else {
                throw CommandFailure("mosquitto did not start; see \(work)/mosquitto.log")
            }
            usleep(10_000)
            waited += 1
        }

        // The first model's training data, and the furnaces the agent knows from the start.
        let history = "\(work)/history.csv"
        print(
            "history     \(plan.historyEvents) past events per furnace of \(plan.devices.map(\.device.id).joined(separator: ", ")) → \(history)"
        )
        try Self.write(
            HistoryGenerator(furnaces: plan.historyFurnaces()).csv(eventsPerFurnace: plan.historyEvents, withIDs: true),
            to: history)
        if initialModel != "none" {
            do {
                try TextFile.writeDurably(try TextFile.read(path: initialModel), to: "\(work)/models/initial.json")
            } catch {
                throw CommandFailure("the first model: \(error) (give --initial-model none to train one)")
            }
            print("first model \(initialModel) → \(work)/models/initial.json")
        }
        for device in plan.devices {
            do {
                _ = try DeviceFileDrop.place(device.path, in: "\(work)/devices")
            } catch {
                throw CommandFailure("\(error)")
            }
        }

        // The plant.
        let origin = AcceleratedClock.realNow()
        let clock = AcceleratedClock(speed: speed, realOrigin: origin, plantOrigin: origin)
        let runner = ScenarioRunner(
            scenario: plan, clock: clock, broker: MQTTOptions(host: "127.0.0.1", port: port, clientID: "hearth-sim"),
            registerTiming: registers.timing)
        let devicesFolder = "\(work)/devices"
        do {
            try runner.start(onboarded: { device, path in
                _ = try? DeviceFileDrop.place(path, in: devicesFolder)
                print(
                    "\(PlantTime.readable(clock.now()))  hearth-sim: \(device.id)'s device file dropped into \(devicesFolder)"
                )
            })
        } catch {
            throw CommandFailure(error.description)
        }
        defer { runner.stop() }
        print("broker      mosquitto on 127.0.0.1:\(port)")
        for furnace in runner.furnaces {
            let when =
                plan.onboarding.first { $0.device.id == furnace.device.id }.map {
                    " (onboarded at \(YAMLDuration.format($0.atSeconds)))"
                } ?? ""
            print("simulating  \(furnace.device.id): \(furnace.device.connection.summary)\(when)")
        }
        print("agent       \(agentPath) run, plant time at \(speed)x, folder \(work)")
        print("agent log   \(work)/agent.log (wall-clock times); below, the story in plant time")
        print("Ctrl-C stops everything.\n")

        var arguments = [
            "run", "--devices", devicesFolder, "--database", "\(work)/hearth.db", "--models", "\(work)/models",
            "--training-data", history, "--broker", "127.0.0.1:\(port)", "--speed", String(speed), "--clock-origin",
            String(origin), "--print-events",
        ]
        if readingsEvery > 0 { arguments += ["--print-readings-every", String(readingsEvery)] }
        if let duration { arguments += ["--duration", String(duration)] }
        // The story on the terminal (standard output); the agent's log lines in a file, where they do not bury it.
        let agent = try ChildProcess(executable: agentPath, arguments: arguments, errors: "\(work)/agent.log")

        let waiting = Task<Void, any Error> {
            while !Task.isCancelled && agent.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        let signals = ShutdownSignals(cancelling: waiting)
        _ = try? await waiting.value
        // The terminal's Ctrl-C reached the agent too; otherwise ask it to stop, and give it time to store.
        if agent.isRunning { agent.signal(SIGTERM) }
        let status = agent.wait(timeoutSeconds: 15) ?? agent.stop(graceSeconds: 1)
        _ = signals
        print("\nagent stopped (status \(status.map(String.init) ?? "unknown")); everything is kept in \(work)")
        Self.summarize(agent: agentPath, work: work)
        print("see it with: \(agentPath) status --database \(work)/hearth.db")
        print("             \(agentPath) models list --database \(work)/hearth.db")
        print("             \(agentPath) models decisions --database \(work)/hearth.db")
    }

    /// The run in a few lines: what the agent's last status report says (events, alarms with precision and recall,
    /// drift, the model serving each furnace), the audit log's promotions, and how much the log held.
    static func summarize(agent: String, work: String) {
        let log = (try? TextFile.read(path: "\(work)/agent.log")).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = log.split(separator: "\n")
        let warnings = lines.filter { $0.contains(" warning ") }.count
        let errors = lines.filter { $0.contains(" error ") || $0.contains(" critical ") }.count
        print(
            "\nsummary     the agent logged \(lines.count) lines (\(warnings) warnings, \(errors) errors) in \(work)/agent.log"
        )
        for (title, arguments) in [
            ("status", ["status", "--database", "\(work)/hearth.db"]),
            ("models", ["models", "list", "--database", "\(work)/hearth.db"]),
        ] {
            let output = "\(work)/summary-\(title).txt"
            guard let child = try? ChildProcess(executable: agent, arguments: arguments, output: output),
                child.wait(timeoutSeconds: 15) == 0,
                let bytes = try? TextFile.read(path: output)
            else { continue }
            print("")
            print(String(decoding: bytes, as: UTF8.self), terminator: "")
        }
    }

    static func temporaryFolder() throws -> String {
        var template = Array("/tmp/hearth-demo-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw CommandFailure("cannot create a temporary folder") }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try TextFile.writeDurably(text, to: path)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// A program in the same folder as this one.
    static func siblingExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return name }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/"
            + name
    }
}

/// Plant durations for people: "4h", "90m", "45s".
enum YAMLDuration {
    static func format(_ seconds: Double) -> String {
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600)) h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60)) min" }
        return "\(Int(seconds)) s"
    }
}
