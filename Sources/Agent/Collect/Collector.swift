public import Fieldbus
public import Logging
public import Plant
public import Support
import Synchronization

/// Collects every device: one loop per Modbus device on the poll grid, MQTT payloads as they arrive with a watchdog
/// for silent devices, everything stored before it is passed on.
///
/// A service: ``run()`` keeps one child task per device until cancelled. Devices can be added and removed while it
/// runs (onboarding). A slow or dead device delays nobody: each Modbus device polls on its own thread, and its loop
/// skips poll slots it overran rather than bursting to catch up. Readings are stamped with the time they were read.
///
/// Acting on a batch (the observer: predictions, alarms, labels) runs on a task of its own, in the order the
/// batches were stored: a poll loop or the MQTT dispatch waits for the store, never for the agent's decisions, so
/// a checkpoint whose prediction takes longer than a poll interval (at simulation speed, or while a model trains)
/// neither delays the next poll off its slot nor makes a device look silent.
public actor Collector: Service {
    /// Called with each batch of readings once they are committed to the store.
    public typealias Observer = @Sendable ([Reading]) async -> Void

    public nonisolated let name = "collector"
    private let store: AgentStore
    private let clock: any PlantClock
    private let mqtt: MQTTClient?
    private let logger: Logger
    private let observer: Observer
    private let activity: AgentActivity
    private var devices: [String: DeviceFile] = [:]
    private var stops: [String: OneShotSignal] = [:]
    private var mappers: [String: MQTTPayloadMapper] = [:]
    private var lastMessage: [String: Int64] = [:]
    private var health: [String: DeviceHealth] = [:]
    private let commands: AsyncStream<Command>
    private let send: AsyncStream<Command>.Continuation
    /// Readings a failed commit could not store yet; retried before the next batch (bounded).
    private var unsaved: [Reading] = []
    /// Devices the store could not register yet (a full disk at start): collected all the same, registered again
    /// before their readings are stored.
    private var unregistered: [String: DeviceFile] = [:]
    private static let unsavedLimit = 50_000
    /// The same warning about a device is logged at most once per this many plant seconds.
    private static let repeatedWarningSeconds: Int64 = 3600
    private var lastWarning: [String: Int64] = [:]
    /// Stored batches on their way to the observer, in commit order.
    private let deliveries: AsyncStream<[Reading]>
    private let deliver: AsyncStream<[Reading]>.Continuation
    /// Batches handed to the observer and not yet acted on (``AgentActivity`` counts them as busy).
    private let undelivered = Mutex(0)
    /// A warning is logged when this many stored batches wait for the observer.
    static let backlogWarning = 200

    /// When a device's loop was asked to start and the first slot it serves: fixed when the device is added, so a
    /// loop task that starts late neither skips that slot nor lets ``AgentActivity`` report idle before it.
    private struct FirstSlot: Sendable {
        var added: Int64
        var slot: Int64
    }

    private enum Command: Sendable {
        case start(DeviceFile, OneShotSignal, FirstSlot)
        case dispatchMQTT
    }

    /// A device's collection health, for status.
    public struct DeviceHealth: Sendable, Equatable {
        public var connection: String
        /// The last poll in which every signal was valid, plant time.
        public var lastGoodPoll: Int64?
        /// Polls in a row with no valid value.
        public var consecutiveFailures = 0
        /// The reason of the last poll with no valid value.
        public var lastError: String?
    }

    /// - Parameters:
    ///   - mqtt: the agent's MQTT connection; needed when any device uses MQTT.
    ///   - observer: receives every stored batch (the adaptive loop, live printing).
    public init(
        store: AgentStore, clock: any PlantClock, mqtt: MQTTClient?, logger: Logger, activity: AgentActivity,
        observer: @escaping Observer = { _ in }
    ) {
        self.store = store
        self.clock = clock
        self.mqtt = mqtt
        self.logger = logger
        self.activity = activity
        self.observer = observer
        (commands, send) = AsyncStream.makeStream(of: Command.self)
        (deliveries, deliver) = AsyncStream.makeStream(of: [Reading].self)
        activity.trackPending { [weak self] in self?.pending ?? 0 }
    }

    /// Stored batches the observer has not acted on yet.
    public nonisolated var pending: Int { undelivered.withLock { $0 } }

    /// The devices being collected, by id.
    public var deviceIDs: [String] { devices.keys.sorted() }

    /// The devices being collected.
    public var collectedDevices: [DeviceFile] { devices.values.sorted { $0.id < $1.id } }

    /// Every device's collection health.
    public var deviceHealth: [String: DeviceHealth] { health }

    /// Registers a device in the store and starts collecting it (replacing a running device with the same id).
    /// - Throws: when the store cannot register it, or an MQTT device is added without an MQTT connection (its
    ///   health then says so).
    public func add(_ device: DeviceFile) async throws {
        remove(device.id)
        health[device.id] = DeviceHealth(connection: device.connection.summary)
        if case .mqtt = device.connection, mqtt == nil {
            let reason = "uses MQTT but no broker is configured: not collected"
            health[device.id]?.lastError = reason
            throw CollectorError(device: device.id, reason: reason)
        }
        do {
            try await store.register(device, at: clock.now())
            unregistered[device.id] = nil
        } catch {
            // Collect anyway: its readings wait in memory (like any batch the store refuses) until it can be
            // registered, instead of the device staying uncollected until a restart.
            unregistered[device.id] = device
            health[device.id]?.lastError = "cannot register it in the database yet: \(error)"
            logger.error(
                "device not registered in the database; collecting, and registering it again before storing",
                metadata: ["device": "\(device.id)", "error": "\(error)"])
        }
        devices[device.id] = device
        let stop = OneShotSignal()
        stops[device.id] = stop
        if case .mqtt(let subscription) = device.connection {
            mappers[device.id] = MQTTPayloadMapper(device: device)
            lastMessage[device.id] = nil
            try mqtt?.subscribe(subscription.topic, qos: 1)
            send.yield(.dispatchMQTT)
        }
        let added = clock.now()
        let interval = Int64(device.pollIntervalSeconds * 1000)
        // An MQTT device is reported silent only once one and a half intervals have passed.
        let slotsAhead: Int64 = if case .mqtt = device.connection { 2 } else { 1 }
        let first = FirstSlot(added: added, slot: (added / interval + slotsAhead) * interval)
        activity.deviceStarted(device.id, nextSlot: first.slot)
        send.yield(.start(device, stop, first))
        logger.info("collecting", metadata: ["device": "\(device.id)", "connection": "\(device.connection.summary)"])
    }

    /// Stops collecting a device (its stored history stays).
    public func remove(_ id: String) {
        stops.removeValue(forKey: id)?.fire()
        devices[id] = nil
        unregistered[id] = nil
        mappers[id] = nil
        health[id] = nil
        activity.deviceStopped(id)
    }

    /// Runs every device's loop until cancelled; then stores what is still unsaved.
    public func run() async {
        // Not a child of the group below: it must drain what was stored before the collector stops.
        let delivery = Task { await observeDeliveries() }
        await withDiscardingTaskGroup { group in
            var dispatching = false
            for await command in commands {
                switch command {
                case .start(let device, let stop, let first):
                    group.addTask { await stop.runUntilFired { await self.collect(device, from: first, stop: stop) } }
                case .dispatchMQTT:
                    guard !dispatching, let mqtt else { continue }
                    dispatching = true
                    group.addTask { await self.dispatch(mqtt) }
                }
            }
            group.cancelAll()
        }
        if !unsaved.isEmpty { await commit([], for: nil) }
        deliver.finish()
        // Finished (``finish()``): what is stored is acted on first. Cancelled: the rest is left, as before a restart.
        await withTaskCancellationHandler {
            await delivery.value
        } onCancel: {
            delivery.cancel()
        }
    }

    /// Hands each stored batch to the observer, one after the other.
    private nonisolated func observeDeliveries() async {
        for await batch in deliveries {
            await observer(batch)
            undelivered.withLock { $0 -= 1 }
            activity.changed()
        }
    }

    /// Stops taking devices; ``run()`` returns once the loops have stopped.
    public nonisolated func finish() { send.finish() }

    private func collect(_ device: DeviceFile, from first: FirstSlot, stop: OneShotSignal) async {
        switch device.connection {
        case .modbusTCP, .modbusRTU: await pollModbus(device, from: first.slot)
        case .mqtt: await watchSilence(device, since: first.added, from: first.slot)
        }
        // A device removed and added again has a new loop whose slot stays registered.
        if stops[device.id] == nil || stops[device.id] === stop { activity.deviceStopped(device.id) }
    }

    // MARK: Modbus

    private func pollModbus(_ device: DeviceFile, from first: Int64) async {
        let poller = ModbusDevicePoller(device: device)
        let interval = Int64(device.pollIntervalSeconds * 1000)
        var next = first
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            activity.pollStarted(device.id)
            let readings = await poller.poll(using: clock)
            guard !Task.isCancelled else { break }
            await commit(readings, for: device.id)
            next += interval
            let now = clock.now()
            // Reaching the next slot exactly on time is not an overrun; being past it is.
            if next < now {
                let skipped = (now - next + interval - 1) / interval
                warn(device.id, "poll overran its interval", metadata: ["skipped": "\(skipped)"])
                next += skipped * interval
            }
            activity.pollFinished(device.id, nextSlot: next)
        }
        await poller.disconnect()
    }

    // MARK: MQTT

    private func dispatch(_ mqtt: MQTTClient) async {
        for await message in mqtt.messages {
            if Task.isCancelled { return }
            await receive(message)
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
            await commit(readings, for: id)
        }
    }

    /// Stores "no data" readings for an MQTT device whenever a poll interval and a half pass without a message.
    private func watchSilence(_ device: DeviceFile, since started: Int64, from first: Int64) async {
        let interval = Int64(device.pollIntervalSeconds * 1000)
        var next = first
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            activity.pollStarted(device.id)
            let now = clock.now()
            let last = lastMessage[device.id]
            if now - (last ?? started) > interval * 3 / 2, var mapper = mappers[device.id] {
                let readings = mapper.silence(at: now, since: last)
                mappers[device.id] = mapper
                await commit(readings, for: device.id)
            }
            next += interval
            activity.pollFinished(device.id, nextSlot: next)
        }
    }

    // MARK: Storing

    private func commit(_ readings: [Reading], for device: String?) async {
        if let device { track(readings, of: device) }
        let batch = unsaved + readings
        guard !batch.isEmpty else { return }
        do {
            for (id, device) in unregistered.sorted(by: { $0.key < $1.key }) {
                try await store.register(device, at: clock.now())
                unregistered[id] = nil
                logger.notice("device registered in the database", metadata: ["device": "\(id)"])
            }
            let conflicts = try await store.append(batch, receivedAt: clock.now())
            unsaved = []
            if conflicts > 0 {
                warn(
                    device ?? "agent", "readings for a time already stored were kept aside (the stored ones stay)",
                    metadata: ["conflicts": "\(conflicts)"])
            }
            let backlog = undelivered.withLock {
                $0 += 1
                return $0
            }
            deliver.yield(batch)
            if backlog == Self.backlogWarning {
                warn(
                    device ?? "agent", "the agent acts on stored readings later than they arrive",
                    metadata: ["batches waiting": "\(backlog)"])
            }
        } catch {
            unsaved = Array(batch.suffix(Self.unsavedLimit))
            logger.error(
                "could not store readings; keeping them to retry",
                metadata: ["error": "\(error)", "pending": "\(unsaved.count)"])
        }
    }

    /// Keeps a device's health up to date from a poll's readings.
    private func track(_ readings: [Reading], of device: String) {
        guard var current = health[device], let first = readings.first else { return }
        let valid = readings.filter(\.status.isValid)
        if valid.count == readings.count { current.lastGoodPoll = first.timeMilliseconds }
        if valid.isEmpty {
            current.consecutiveFailures += 1
            let reason = "\(first.status.rawValue): \(first.detail ?? "")"
            current.lastError = reason
            warn(
                device, "no value read",
                metadata: ["status": "\(first.status.rawValue)", "detail": "\(first.detail ?? "")"])
        } else {
            if current.consecutiveFailures > 0 {
                logger.notice(
                    "reading again", metadata: ["device": "\(device)", "after": "\(current.consecutiveFailures) polls"])
            }
            current.consecutiveFailures = 0
        }
        health[device] = current
    }

    /// Logs a warning about a device, at most once per `repeatedWarningSeconds` of plant time per kind.
    private func warn(_ device: String, _ message: String, metadata: Logger.Metadata = [:]) {
        let key = "\(device)|\(message)"
        let now = clock.now()
        if let last = lastWarning[key], now - last < Self.repeatedWarningSeconds * 1000 { return }
        lastWarning[key] = now
        var metadata = metadata
        metadata["device"] = "\(device)"
        logger.warning("\(message)", metadata: metadata)
    }
}

/// A device the collector cannot take.
public struct CollectorError: Error, CustomStringConvertible, Sendable {
    public var device: String
    public var reason: String
    public var description: String { "\(device): \(reason)" }
}
