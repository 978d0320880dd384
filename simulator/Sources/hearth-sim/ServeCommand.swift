import ArgumentParser
import Fieldbus
@preconcurrency import Glibc
import Plant
import Simulator
import Support

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve simulated furnaces until interrupted.",
        discussion: """
            Modbus TCP furnaces listen where their device file says; Modbus RTU furnaces get a pseudo-terminal pair \
            whose client end is linked at the device file's serial device path; MQTT furnaces publish to the broker. \
            Faults: DEVICE:KIND[:ARGUMENT][@START[+DURATION]] with times in plant seconds from the start, KIND one of \
            stuck:SIGNAL, nan:SIGNAL, out-of-range:SIGNAL, drop, slow:SECONDS, exception:CODE, garbled. \
            --scenario FILE runs a scenario (docs/scenarios.md): its devices, physics, faults and seed, and the \
            devices it onboards while running, each announced as `onboard ID PATH` once it is served.
            """)

    @OptionGroup var plant: PlantOptions
    @OptionGroup var time: ClockOptions

    @Option(name: .long, help: "MQTT broker for MQTT furnaces, as HOST:PORT.")
    var broker: String?

    @Option(name: .long, help: "Inject a fault (repeatable), e.g. furnace-a:stuck:chamber_pressure@600+300.")
    var fault: [String] = []

    @Option(
        name: .long,
        help: "Run a scenario file: devices, physics, faults, seed, speed and onboarding (instead of --devices/--seed)."
    )
    var scenario: String?

    @Option(
        name: .customLong("agent-devices"),
        help: "With --scenario: copy each onboarded device file into this folder (the agent's devices folder).")
    var agentDevices: String?

    @Option(name: .long, help: "Stop after this many real seconds.")
    var duration: Double?

    @Option(name: .long, help: RegisterTimingOption.help)
    var registers = RegisterTimingOption.live

    func validate() throws {
        if scenario != nil, !plant.device.isEmpty {
            throw ValidationError("--device and --scenario exclude each other: the scenario names its devices")
        }
        if agentDevices != nil, scenario == nil {
            throw ValidationError("--agent-devices needs --scenario: only a scenario onboards devices")
        }
    }

    func run() async throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let plan = try loadPlan()
        let clock = try time.clock(defaultSpeed: scenario == nil ? 1 : plan.speed)
        let options = try broker.map { text -> MQTTOptions in
            let (host, port) = try parseEndpoint(text, option: "--broker")
            return MQTTOptions(host: host, port: port, clientID: "hearth-sim-\(getpid())")
        }
        let runner = ScenarioRunner(
            scenario: plan, clock: clock, broker: options, registerTiming: registers.timing)
        for text in fault {
            let parsed: Fault
            do {
                parsed = try Fault.parse(text, origin: runner.startTime)
            } catch {
                throw ValidationError(error.description)
            }
            guard let furnace = runner.furnace(parsed.device) else {
                throw ValidationError("fault \"\(text)\": no simulated device \(parsed.device)")
            }
            furnace.inject(parsed)
        }
        let folder = agentDevices
        do {
            try runner.start(
                onboarded: { device, path in
                    if let folder {
                        do {
                            try DeviceFileDrop.place(path, in: folder)
                        } catch {
                            fputs("\(error)\n", stderr)
                        }
                    }
                    print("onboard \(device.id) \(path)")
                    print("serving \(device.id): \(device.connection.summary)")
                },
                failed: { error in fputs("\(error)\n", stderr) })
        } catch {
            throw CommandFailure(error.description)
        }
        if scenario != nil {
            print("scenario \(plan.file)" + (plan.summary.map { ": \($0)" } ?? ""))
        }
        for furnace in runner.simulator.furnaces {
            print("serving \(furnace.device.id): \(furnace.device.connection.summary)")
        }
        for onboarding in plan.onboarding {
            let minutes = Int(onboarding.atSeconds / 60)
            let at = minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes)m"
            print("onboarding \(onboarding.device.id) at \(at) of plant time")
        }
        print("plant time runs at \(clock.speed)x; Ctrl-C stops")
        let waiting = Task<Void, any Error> {
            while !Task.isCancelled { try await Task.sleep(nanoseconds: 200_000_000) }
        }
        let signals = ShutdownSignals(cancelling: waiting)
        if let duration {
            Task {
                try? await Task.sleep(nanoseconds: UInt64(duration * 1e9))
                waiting.cancel()
            }
        }
        _ = try? await waiting.value
        runner.stop()
        _ = signals
    }

    /// The scenario file, or a plain run of the device files given on the command line.
    private func loadPlan() throws -> Scenario {
        guard let scenario else {
            let devices = try plant.loadDevices().map { Scenario.Device(path: "", device: $0) }
            return Scenario(file: "", seed: plant.seed, speed: 1, devices: devices)
        }
        do {
            return try Scenario.load(path: scenario)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
