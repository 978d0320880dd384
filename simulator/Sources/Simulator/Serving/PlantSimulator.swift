public import Fieldbus
public import Plant
import Synchronization

/// Several simulated furnaces served over Modbus TCP, Modbus RTU (pseudo-terminals) and MQTT, each exactly as its
/// device file describes, on one plant clock.
public final class PlantSimulator: Sendable {
    public let clock: any PlantClock
    /// When a Modbus furnace's registers take the plant's values.
    public let registerTiming: RegisterTiming
    private let running = Mutex<Running>(Running())

    private struct Running: ~Copyable {
        var furnaces: [SimulatedFurnace] = []
        var servers: [ModbusServer] = []
        var lines: [PseudoSerialLine] = []
        var publisher: MQTTClient?
        var publishing: [String: Task<Void, Never>] = [:]
        var broker: MQTTOptions?
    }

    /// The furnaces being simulated (those given at creation and those added since).
    public var furnaces: [SimulatedFurnace] { running.withLock { $0.furnaces } }

    /// Errors starting the simulator.
    public struct StartError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// When a Modbus furnace's registers take the plant's values.
    public enum RegisterTiming: Sendable, Equatable {
        /// The plant's state at the moment a request arrives.
        case live
        /// The plant's state at the last multiple of the furnace's poll interval (plant time since the epoch): a
        /// controller that updates its registers once per scan, on the grid the agent polls on. An agent's poll
        /// then reads the state at its slot however late its request arrives, as it would at the plant's own speed
        /// (where a late request is late by milliseconds). At 600× a request a few real milliseconds late reads the
        /// plant seconds later, early in an event when the pump current moves fast; the history the agent's first
        /// model is trained on (``HistoryGenerator``) is sampled on the exact grid.
        case pollGrid
    }

    public init(furnaces: [SimulatedFurnace], clock: any PlantClock, registerTiming: RegisterTiming = .live) {
        self.clock = clock
        self.registerTiming = registerTiming
        running.withLock { $0.furnaces = furnaces }
    }

    /// The plant time a furnace's registers show now.
    private static func registerTime(
        of furnace: SimulatedFurnace, clock: any PlantClock, timing: RegisterTiming
    ) -> Int64 {
        let now = clock.now()
        guard timing == .pollGrid else { return now }
        let interval = max(1, Int64(furnace.device.pollIntervalSeconds * 1000))
        return now - ((now % interval) + interval) % interval
    }

    /// The furnace with this device id.
    public func furnace(_ id: String) -> SimulatedFurnace? { furnaces.first { $0.device.id == id } }

    /// Starts serving every furnace.
    ///
    /// Modbus TCP furnaces sharing a host and port are served by one server with one unit each. Modbus RTU furnaces
    /// get a pseudo-terminal pair whose client side is linked at the device file's `device` path. MQTT furnaces
    /// publish their payload every poll interval to their topic on `broker`.
    /// - Parameter broker: where MQTT furnaces publish; required if any furnace uses MQTT.
    public func start(broker: MQTTOptions? = nil) throws(StartError) {
        let furnaces = self.furnaces
        running.withLock { $0.broker = broker }
        var tcpGroups: [String: [SimulatedFurnace]] = [:]
        var others: [SimulatedFurnace] = []
        for furnace in furnaces {
            if case .modbusTCP(let endpoint) = furnace.device.connection {
                tcpGroups["\(endpoint.host)|\(endpoint.port)", default: []].append(furnace)
            } else {
                others.append(furnace)
            }
        }
        do throws(StartError) {
            for (_, group) in tcpGroups.sorted(by: { $0.key < $1.key }) { try serveTCP(group) }
            for furnace in others { try serve(furnace) }
        } catch {
            stop()
            throw error
        }
    }

    /// Adds a furnace while running (a furnace being onboarded) and starts serving it.
    /// - Throws: when its endpoint cannot be opened, or it publishes over MQTT and no broker was given at start.
    public func add(_ furnace: SimulatedFurnace) throws(StartError) {
        running.withLock { $0.furnaces.append(furnace) }
        if case .modbusTCP = furnace.device.connection {
            try serveTCP([furnace])
        } else {
            try serve(furnace)
        }
    }

    /// Serves Modbus TCP furnaces that share one host and port.
    private func serveTCP(_ group: [SimulatedFurnace]) throws(StartError) {
        guard case .modbusTCP(let endpoint) = group[0].device.connection else { return }
        var units: [Int: ModbusUnitLayout] = [:]
        var byUnit: [Int: SimulatedFurnace] = [:]
        for furnace in group {
            guard case .modbusTCP(let own) = furnace.device.connection else { continue }
            units[own.unitID] = furnace.modbusLayout
            byUnit[own.unitID] = furnace
        }
        let clock = self.clock
        let timing = registerTiming
        let routing = byUnit
        do {
            let server = try ModbusServer(endpoint: .tcp(host: endpoint.host, port: endpoint.port), units: units) {
                request in
                guard let furnace = routing[request.unitID] else { return ModbusReply(.exception(code: 11)) }
                return furnace.modbusReply(
                    to: request, at: Self.registerTime(of: furnace, clock: clock, timing: timing))
            }
            running.withLock { $0.servers.append(server) }
        } catch {
            throw StartError(description: "\(group.map(\.device.id).joined(separator: ", ")): \(error)")
        }
    }

    /// Serves one Modbus RTU furnace on a pseudo-terminal pair, or publishes one MQTT furnace.
    private func serve(_ furnace: SimulatedFurnace) throws(StartError) {
        let clock = self.clock
        let timing = registerTiming
        switch furnace.device.connection {
        case .modbusTCP:
            try serveTCP([furnace])
        case .modbusRTU(let endpoint):
            let line: PseudoSerialLine
            do {
                line = try PseudoSerialLine(link: endpoint.device)
            } catch {
                throw StartError(description: "\(furnace.device.id): \(error)")
            }
            do {
                let server = try ModbusServer(
                    endpoint: .rtu(
                        device: line.serverPath, baud: endpoint.baud, parity: endpoint.parity.transportParity,
                        dataBits: endpoint.dataBits, stopBits: endpoint.stopBits),
                    units: [endpoint.unitID: furnace.modbusLayout]
                ) { request in
                    furnace.modbusReply(to: request, at: Self.registerTime(of: furnace, clock: clock, timing: timing))
                }
                running.withLock {
                    $0.lines.append(line)
                    $0.servers.append(server)
                }
            } catch {
                line.close()
                throw StartError(description: "\(furnace.device.id): \(error)")
            }
        case .mqtt:
            let client = try publisher(for: furnace)
            let task = Task { await Self.publish(furnace, with: client, clock: clock) }
            running.withLock { $0.publishing[furnace.device.id] = task }
        }
    }

    /// The shared MQTT publisher, connected on first use.
    private func publisher(for furnace: SimulatedFurnace) throws(StartError) -> MQTTClient {
        let (existing, broker) = running.withLock { ($0.publisher, $0.broker) }
        if let existing { return existing }
        guard let broker else {
            throw StartError(description: "\(furnace.device.id) publishes over MQTT: give a broker")
        }
        do {
            let client = try MQTTClient(options: broker)
            try client.start()
            running.withLock { $0.publisher = client }
            return client
        } catch {
            throw StartError(description: "MQTT publisher: \(error)")
        }
    }

    /// Stops every server, closes the pseudo-terminals and stops publishing.
    public func stop() {
        let stopped = running.withLock { running in
            defer {
                running.servers = []
                running.lines = []
                running.publisher = nil
                running.publishing = [:]
            }
            return (running.servers, running.lines, running.publisher, running.publishing)
        }
        stopped.3.values.forEach { $0.cancel() }
        stopped.0.forEach { $0.stop() }
        stopped.1.forEach { $0.close() }
        stopped.2?.disconnect()
    }

    deinit { stop() }

    /// The TCP port a Modbus TCP furnace is served on (useful when its device file says port 0).
    public var modbusPorts: [Int] { running.withLock { $0.servers.map(\.port).filter { $0 > 0 } } }

    /// Publishes an MQTT furnace's payload on its poll grid until cancelled.
    private static func publish(_ furnace: SimulatedFurnace, with client: MQTTClient, clock: any PlantClock) async {
        guard case .mqtt(let subscription) = furnace.device.connection else { return }
        let interval = Int64(furnace.device.pollIntervalSeconds * 1000)
        var due = (clock.now() / interval + 1) * interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: due) } catch { return }
            if let payload = furnace.mqttPayload(at: due) {
                // Fire and forget: a sensor gateway does not wait for acknowledgements either.
                Task { try? await client.publish(MQTTMessage(topic: subscription.topic, payload: payload, qos: 1)) }
            }
            due += interval
        }
    }
}
