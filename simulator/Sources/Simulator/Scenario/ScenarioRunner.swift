public import Fieldbus
public import Plant
import Synchronization

/// Runs a ``Scenario`` on a plant clock: serves its furnaces, injects its faults and onboards its new devices at
/// their plant times.
///
/// Every furnace's model starts at the runner's ``startTime`` (the clock's time when the runner is created), so a
/// furnace onboarded at 16 h has been pumping for 16 h when it appears, as a real one would have. Onboarding waits
/// on the plant clock, so it follows an accelerated clock in a program and a manual clock in a test.
public final class ScenarioRunner: Sendable {
    /// Called once per onboarded device, after the simulator serves it, with its device file and the path it was
    /// loaded from.
    public typealias OnboardingHandler = @Sendable (_ device: DeviceFile, _ path: String) async -> Void
    /// Called when a device could not be onboarded (its endpoint could not be opened, say).
    public typealias FailureHandler = @Sendable (_ error: ScenarioRunError) async -> Void

    /// The scenario being run.
    public let scenario: Scenario
    /// The clock the run lives on.
    public let clock: any PlantClock
    /// Plant time the run started, ms since the Unix epoch: scenario times count from here.
    public let startTime: Int64
    /// The simulator serving the furnaces (those served from the start, and the onboarded ones once onboarded).
    public let simulator: PlantSimulator
    /// Every furnace of the scenario, onboarded or still to come, in scenario order.
    public let furnaces: [SimulatedFurnace]
    private let broker: MQTTOptions?
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var started = false
        var onboarding: Task<Void, Never>?
        var onboarded: [String] = []
        var failures: [ScenarioRunError] = []
    }

    /// Prepares a run starting now on `clock`: builds every furnace with the scenario's physics and faults.
    ///
    /// - Parameters:
    ///   - broker: where MQTT furnaces publish; required when any furnace of the scenario uses MQTT.
    ///   - registerTiming: when Modbus registers take the plant's values (``PlantSimulator/RegisterTiming``).
    public init(
        scenario: Scenario, clock: any PlantClock, broker: MQTTOptions? = nil,
        registerTiming: PlantSimulator.RegisterTiming = .live
    ) {
        self.scenario = scenario
        self.clock = clock
        self.broker = broker
        let start = clock.now()
        startTime = start
        furnaces = scenario.allDevices.map { scenario.furnace(for: $0, origin: start) }
        for planned in scenario.faults {
            furnaces.first { $0.device.id == planned.device }?.inject(planned.fault(start: start))
        }
        simulator = PlantSimulator(
            furnaces: Array(furnaces.prefix(scenario.devices.count)), clock: clock, registerTiming: registerTiming)
    }

    deinit { stop() }

    /// The furnace with this device id, whether it is served yet or not.
    public func furnace(_ id: String) -> SimulatedFurnace? { furnaces.first { $0.device.id == id } }

    /// Plant time at which a scenario time (plant seconds after the start) falls.
    public func plantTime(atSeconds seconds: Double) -> Int64 { startTime + Int64((seconds * 1000).rounded()) }

    /// The ids of the devices onboarded so far, in order.
    public var onboardedDevices: [String] { state.withLock { $0.onboarded } }

    /// The onboardings that failed so far.
    public var failures: [ScenarioRunError] { state.withLock { $0.failures } }

    /// Starts serving the initial furnaces and schedules the onboardings.
    ///
    /// - Parameters:
    ///   - onboarded: called after each onboarded device is served (the demo copies its file into the agent's
    ///     devices folder here).
    ///   - failed: called when a device could not be onboarded; the run goes on without it.
    /// - Throws: ``ScenarioRunError`` when the initial furnaces cannot be served, or the runner runs already (a
    ///   stopped runner is not started again: make a new one).
    public func start(
        onboarded: @escaping OnboardingHandler = { _, _ in }, failed: @escaping FailureHandler = { _ in }
    ) throws(ScenarioRunError) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { throw ScenarioRunError(device: nil, reason: "the scenario runs already") }
        do {
            try simulator.start(broker: broker)
        } catch {
            state.withLock { $0.started = false }
            throw ScenarioRunError(device: nil, reason: error.description)
        }
        let arrivals = zip(scenario.onboarding, furnaces.dropFirst(scenario.devices.count))
            .map { (at: plantTime(atSeconds: $0.0.atSeconds), path: $0.0.path, furnace: $0.1) }
            .enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        guard !arrivals.isEmpty else { return }
        let task = Task { [weak self, clock] in
            for arrival in arrivals {
                do { try await clock.sleep(until: arrival.at) } catch { return }
                guard let self, !Task.isCancelled else { return }
                let device = arrival.furnace.device
                do throws(PlantSimulator.StartError) {
                    try simulator.add(arrival.furnace)
                } catch {
                    let failure = ScenarioRunError(device: device.id, reason: error.description)
                    state.withLock { $0.failures.append(failure) }
                    await failed(failure)
                    continue
                }
                state.withLock { $0.onboarded.append(device.id) }
                await onboarded(device, arrival.path)
            }
        }
        state.withLock { $0.onboarding = task }
    }

    /// Stops onboarding and serving.
    public func stop() {
        let task = state.withLock { state in
            defer { state.onboarding = nil }
            return state.onboarding
        }
        task?.cancel()
        simulator.stop()
    }
}

/// A scenario run that could not start, or a device it could not onboard.
public struct ScenarioRunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device concerned; `nil` for the run as a whole.
    public var device: String?
    /// What went wrong, in a sentence.
    public var reason: String

    /// Creates an error about `device` (or the whole run).
    public init(device: String?, reason: String) {
        self.device = device
        self.reason = reason
    }

    /// `onboard furnace-d: REASON`, or the reason alone for the run as a whole.
    public var description: String { device.map { "onboard \($0): \(reason)" } ?? reason }
}
