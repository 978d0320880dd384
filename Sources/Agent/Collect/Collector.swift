public import Fieldbus
public import Logging
public import Plant

/// Collects every device: one loop per Modbus device on the poll grid, MQTT payloads as they arrive with a watchdog
/// for silent devices, everything stored before it is passed on.
///
/// Devices can be added and removed while it runs (onboarding). A slow or dead device delays nobody: each Modbus
/// device polls on its own thread, and its loop skips poll slots it overran rather than bursting to catch up.
public actor Collector {
    /// Called with each batch of readings once they are committed to the store.
    public typealias Observer = @Sendable ([Reading]) async -> Void

    private let store: AgentStore
    private let clock: any PlantClock
    private let mqtt: MQTTClient?
    private let logger: Logger
    private let observer: Observer
    private var loops: [String: Task<Void, Never>] = [:]
    private var devices: [String: DeviceFile] = [:]
    private var mappers: [String: MQTTPayloadMapper] = [:]
    private var lastMessage: [String: Int64] = [:]
    private var dispatcher: Task<Void, Never>?
    /// Readings a failed commit could not store yet; retried before the next batch (bounded).
    private var unsaved: [Reading] = []
    private static let unsavedLimit = 50_000

    /// - Parameters:
    ///   - mqtt: the agent's MQTT connection; needed when any device uses MQTT.
    ///   - observer: receives every stored batch (live printing, event segmentation).
    public init(
        store: AgentStore, clock: any PlantClock, mqtt: MQTTClient?, logger: Logger,
        observer: @escaping Observer = { _ in }
    ) {
        self.store = store
        self.clock = clock
        self.mqtt = mqtt
        self.logger = logger
        self.observer = observer
    }

    /// The devices being collected, by id.
    public var deviceIDs: [String] { devices.keys.sorted() }

    /// Registers a device in the store and starts collecting it (replacing a running device with the same id).
    /// - Throws: when the store cannot register it, or an MQTT device is added without an MQTT connection.
    public func add(_ device: DeviceFile) async throws {
        if case .mqtt = device.connection, mqtt == nil {
            throw CollectorError(device: device.id, reason: "uses MQTT but no broker is configured")
        }
        try await store.register(device, at: clock.now())
        remove(device.id)
        devices[device.id] = device
        switch device.connection {
        case .modbusTCP, .modbusRTU:
            loops[device.id] = Task { [weak self] in await self?.pollModbus(device) }
        case .mqtt(let subscription):
            mappers[device.id] = MQTTPayloadMapper(device: device)
            lastMessage[device.id] = nil
            try mqtt?.subscribe(subscription.topic, qos: 1)
            startDispatcherIfNeeded()
            loops[device.id] = Task { [weak self] in await self?.watchSilence(device) }
        }
        logger.info(
            "collecting", metadata: ["device": "\(device.id)", "connection": "\(device.connection.summary)"])
    }

    /// Stops collecting a device (its stored history stays).
    public func remove(_ id: String) {
        loops.removeValue(forKey: id)?.cancel()
        devices[id] = nil
        mappers[id] = nil
    }

    /// Stops every loop and waits for them to finish.
    public func stop() async {
        let running = Array(loops.values) + (dispatcher.map { [$0] } ?? [])
        loops.removeAll()
        dispatcher = nil
        for task in running { task.cancel() }
        for task in running { await task.value }
        if !unsaved.isEmpty { await commit([]) }
    }

    // MARK: Modbus

    private func pollModbus(_ device: DeviceFile) async {
        let poller = ModbusDevicePoller(device: device)
        let interval = Int64(device.pollIntervalSeconds * 1000)
        var next = (clock.now() / interval + 1) * interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            // Stamped with the poll's slot on the grid, so every device's readings line up (to the millisecond
            // the thread woke a little later; the grid is what features and joins need).
            let readings = await poller.poll(at: next)
            guard !Task.isCancelled else { break }
            await commit(readings)
            let failures = readings.filter { !$0.status.isValid }
            if let first = failures.first, failures.count == readings.count {
                logger.warning(
                    "no value read",
                    metadata: [
                        "device": "\(device.id)", "status": "\(first.status.rawValue)",
                        "detail": "\(first.detail ?? "")",
                    ])
            }
            next += interval
            let now = clock.now()
            // Reaching the next slot exactly on time is not an overrun; being past it is.
            if next < now {
                let skipped = (now - next + interval - 1) / interval
                logger.warning(
                    "poll overran its interval", metadata: ["device": "\(device.id)", "skipped": "\(skipped)"])
                next += skipped * interval
            }
        }
        await poller.disconnect()
    }

    // MARK: MQTT

    private func startDispatcherIfNeeded() {
        guard dispatcher == nil, let mqtt else { return }
        dispatcher = Task { [weak self] in
            for await message in mqtt.messages {
                guard let self else { return }
                await self.receive(message)
            }
        }
    }

    private func receive(_ message: MQTTMessage) async {
        let now = clock.now()
        for (id, device) in devices {
            guard case .mqtt(let subscription) = device.connection,
                MQTTTopicFilter.matches(subscription.topic, topic: message.topic), var mapper = mappers[id]
            else { continue }
            let readings = mapper.readings(from: message.payload, receivedAt: now)
            mappers[id] = mapper
            lastMessage[id] = now
            await commit(readings)
        }
    }

    /// Stores "no data" readings for an MQTT device whenever a poll interval and a half pass without a message.
    private func watchSilence(_ device: DeviceFile) async {
        let interval = Int64(device.pollIntervalSeconds * 1000)
        let started = clock.now()
        var next = (started / interval + 2) * interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            let now = clock.now()
            let last = lastMessage[device.id]
            if now - (last ?? started) > interval * 3 / 2, var mapper = mappers[device.id] {
                let readings = mapper.silence(at: now, since: last)
                mappers[device.id] = mapper
                await commit(readings)
                logger.warning("no MQTT message", metadata: ["device": "\(device.id)"])
            }
            next += interval
        }
    }

    // MARK: Storing

    private func commit(_ readings: [Reading]) async {
        let batch = unsaved + readings
        guard !batch.isEmpty else { return }
        do {
            try await store.append(batch)
            unsaved = []
            await observer(batch)
        } catch {
            unsaved = Array(batch.suffix(Self.unsavedLimit))
            logger.error(
                "could not store readings; keeping them to retry",
                metadata: ["error": "\(error)", "pending": "\(unsaved.count)"])
        }
    }
}

/// A device the collector cannot take.
public struct CollectorError: Error, CustomStringConvertible, Sendable {
    public var device: String
    public var reason: String
    public var description: String { "\(device): \(reason)" }
}
