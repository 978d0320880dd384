import Fieldbus
import Glibc
public import Logging
public import Plant
import SQLite
import Support

/// The running agent: collect → predict → decide → monitor → adapt, for every device of the devices folder, until
/// ``stop()``; then it stops in order (last poll stored, adaptation finished, outbox kept, last status written,
/// `offline` published).
///
/// It owns the parts and their order: the database (one agent per database, by a lock), the MQTT connection, the
/// registry and journal, and the services run by one ``ServiceGroup`` — outbox delivery, the adaptation worker,
/// the collector (which feeds the ``AdaptiveLoop``), status reports, retention, the devices folder.
public final class HearthAgent: Sendable {
    public let configuration: AgentConfiguration
    public let clock: any PlantClock
    private let logger: Logger
    private let observer: Collector.Observer
    private let narrate: @Sendable (String) -> Void
    /// Real seconds between two looks at the devices folder.
    public let folderInterval: Double
    /// What the agent is busy with; ``AgentActivity/idle(through:)`` waits until it has acted on every poll.
    public let activity = AgentActivity()
    private let shutdown = OneShotSignal()
    /// The program's version, for the status report.
    public static let version = "0.9.0"

    /// - Parameters:
    ///   - observer: receives every batch of readings once stored (the CLI prints them).
    ///   - narrate: receives one line per prediction, alarm, outcome and decision (the CLI prints them).
    public init(
        configuration: AgentConfiguration, clock: any PlantClock, logger: Logger, folderInterval: Double = 2,
        observer: @escaping Collector.Observer = { _ in }, narrate: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.observer = observer
        self.narrate = narrate
        self.folderInterval = folderInterval
    }

    /// The topics this agent publishes on.
    public var topics: MessageTopics {
        configuration.broker?.topics ?? MessageTopics(prefix: "hearth", clientID: "hearth")
    }

    /// Asks the running agent to stop in order; ``run(for:)`` returns once it has.
    public func stop() { shutdown.fire() }

    /// Runs until ``stop()`` (or `seconds` of real time, when given).
    /// - Throws: `AgentStartError` when the database cannot be opened or is used by another agent, the broker
    ///   settings are unusable, or no device file is usable.
    public func run(for seconds: Double? = nil) async throws {
        let (devices, problems) = DeviceFileLoader.loadFolder(path: configuration.devicesFolder)
        for problem in problems?.problems ?? [] {
            logger.error("device file rejected", metadata: ["problem": "\(problem)"])
        }
        guard !devices.isEmpty else {
            throw AgentStartError("no usable device file in \(configuration.devicesFolder)", configuration: true)
        }
        let lock: ExclusiveFileLock
        do {
            lock = try ExclusiveFileLock(
                path: configuration.databasePath + ".lock",
                holder: "hearth run, pid \(getpid()), since \(PlantTime.iso8601(AcceleratedClock.realNow()))")
        } catch {
            throw AgentStartError(
                error.holder.map { "another agent uses \(configuration.databasePath) (\($0)); stop it first" }
                    ?? "cannot lock \(configuration.databasePath): \(error.reason)")
        }
        let store: AgentStore
        do {
            store = try AgentStore(path: configuration.databasePath, durability: configuration.durability)
        } catch {
            throw AgentStartError("cannot open the database \(configuration.databasePath): \(error)")
        }
        logger.info(
            "starting",
            metadata: [
                "devices": "\(devices.map(\.id).joined(separator: ","))",
                "database": "\(configuration.databasePath)", "speed": "\(configuration.speed)",
            ])
        let topics = self.topics
        let mqtt = try configuration.broker.map { try Self.connect(to: $0, topics: topics, logger: logger) }
        let delivery = mqtt.map { OutboxDelivery(store: store, client: $0, logger: logger) }
        let journal = DecisionJournal(
            store: store, topics: mqtt == nil ? nil : topics, logger: logger, narrate: narrate,
            messagesQueued: { delivery?.notify() })
        let registry = ModelRegistry(journal: journal)
        let history: [LabeledRow]
        do {
            history = try ModelBootstrap.loadHistory(configuration.trainingData)
        } catch {
            throw AgentStartError("training data: \(error)", configuration: true)
        }
        if !history.isEmpty {
            logger.info(
                "training data", metadata: ["rows": "\(history.count)", "file": "\(configuration.trainingData ?? "")"])
        }
        let builder = CandidateBuilder(
            store: store, registry: registry, trainer: CandidateTrainer(), policy: configuration.policy,
            modelsFolder: configuration.modelsFolder, history: history)
        let attributes = Set(devices.flatMap { $0.attributes.map(\.name) })
        let worker = AdaptationWorker(
            store: store, registry: registry, builder: builder, policy: configuration.policy,
            featureNames: PumpingEventFeatures.names(attributes: Array(attributes)), clock: clock, logger: logger,
            activity: activity)
        activity.trackPending { worker.pending }
        let loop = AdaptiveLoop(
            store: store, registry: registry, worker: worker, policy: configuration.policy,
            modelsFolder: configuration.modelsFolder, clock: clock, logger: logger, narrate: narrate)
        let observer = self.observer
        let collector = Collector(store: store, clock: clock, mqtt: mqtt, logger: logger, activity: activity) {
            readings in
            await loop.ingest(readings)
            await observer(readings)
        }

        // What the previous run left, then models and deployments: devices present at the first start are the
        // first model's furnaces; a device that appears later, with a registry already in place, is onboarded.
        let now = clock.now()
        try await RestartRecovery(
            store: store, journal: journal,
            lifecycle: AlarmLifecycle(
                policy: AlarmPolicy(
                    margin: configuration.policy.alarmMargin, confirmations: configuration.policy.alarmConfirmations))
        ).run(at: now)
        try await worker.restore()
        let firstStart = try await registry.allModels().isEmpty
        let deployed = Set(try await registry.deployments().map(\.device))
        for device in devices {
            do {
                try await store.register(device, at: now)
            } catch {
                throw AgentStartError("cannot register \(device.id) in the database: \(error)")
            }
        }
        do {
            try await ModelBootstrap(
                registry: registry, builder: builder, modelsFolder: configuration.modelsFolder,
                trainingData: configuration.trainingData, policy: configuration.policy
            ).run(devices: devices.filter { $0.event != nil }.map(\.id), attributes: attributes, at: now)
        } catch {
            logger.error("models not ready; the fallback rule serves", metadata: ["error": "\(error)"])
        }
        for device in devices {
            await loop.add(device, onboarding: !firstStart && !deployed.contains(device.id))
            do {
                try await collector.add(device)
            } catch {
                logger.error("device not collected", metadata: ["device": "\(device.id)", "error": "\(error)"])
            }
        }

        let reporter = StatusReporter(
            store: store, registry: registry, loop: loop, worker: worker, collector: collector, mqtt: mqtt,
            topics: topics, configuration: configuration, clock: clock, logger: logger, version: Self.version)
        let folder = DeviceFolderService(
            folder: configuration.devicesFolder, interval: folderInterval,
            initial: Self.files(of: devices, in: configuration.devicesFolder), collector: collector, loop: loop,
            journal: journal, clock: clock, logger: logger, narrate: narrate)
        // The connection log first, so that it is the last to stop.
        let services: [any Service] =
            (mqtt.map { [BrokerConnectionLog(client: $0, logger: logger)] } ?? []) + (delivery.map { [$0] } ?? []) + [
                worker, collector, reporter,
                RetentionService(
                    store: store, clock: clock, retentionSeconds: configuration.retentionSeconds, logger: logger),
                folder,
            ]
        let group = ServiceGroup(services: services) { [logger] name, error in
            logger.error("service stopped", metadata: ["service": "\(name)", "error": "\(error)"])
        }
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { timer in
                // A run for a set duration stops itself; the timer ends with the run either way.
                if let seconds {
                    timer.addTask { [shutdown] in
                        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                        shutdown.fire()
                    }
                }
                await group.run(until: shutdown)
                timer.cancelAll()
            }
        } onCancel: { [shutdown] in
            shutdown.fire()
        }
        logger.info("stopping")
        if let mqtt {
            // A clean disconnect does not trigger the will, so say `offline` ourselves (retained), and wait for the
            // broker's acknowledgement (a few seconds at most) before closing the connection.
            let offline = MQTTMessage(topic: topics.availability, text: "offline", qos: 1, retain: true)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await mqtt.publish(offline) }
                group.addTask { try? await Task.sleep(nanoseconds: 3_000_000_000) }
                await group.next()
                group.cancelAll()
            }
            mqtt.disconnect()
        }
        _ = lock
        logger.info("stopped")
    }

    /// Each device's file, for the folder watcher (a file's device id may differ from its name).
    private static func files(of devices: [DeviceFile], in folder: String) -> [(path: String, id: String)] {
        let paths = (try? DeviceFileLoader.deviceFilePaths(inFolder: folder)) ?? []
        let set = DeviceFileLoader.load(paths: paths)
        return set.entries.compactMap { entry in entry.device.map { (entry.path, $0.id) } }
    }

    private static func connect(
        to broker: BrokerConfiguration, topics: MessageTopics, logger: Logger
    ) throws -> MQTTClient {
        var password: String?
        if let source = broker.password {
            if let exposure = source.exposure { logger.warning("\(exposure)") }
            do {
                password = try source.resolve()
            } catch {
                throw AgentStartError("broker password: \(error)", configuration: true)
            }
        }
        let options = MQTTOptions(
            host: broker.host, port: broker.port, clientID: broker.clientID, keepaliveSeconds: broker.keepaliveSeconds,
            cleanSession: false, username: broker.username, password: password,
            tls: broker.tls.map {
                MQTTTLSOptions(caFile: $0.caFile, certFile: $0.certFile, keyFile: $0.keyFile, insecure: $0.insecure)
            },
            will: MQTTMessage(topic: topics.availability, text: "offline", qos: 1, retain: true),
            birth: MQTTMessage(topic: topics.availability, text: "online", qos: 1, retain: true))
        do {
            let client = try MQTTClient(options: options)
            try client.start()
            logger.info("connecting to broker", metadata: ["broker": "\(broker.host):\(broker.port)"])
            return client
        } catch {
            throw AgentStartError("broker \(broker.host):\(broker.port): \(error)", configuration: true)
        }
    }
}

/// Why the agent could not start.
public struct AgentStartError: Error, CustomStringConvertible, Sendable {
    /// Why, in one sentence.
    public var description: String
    /// Whether the cause is in the configuration (device files, training data, broker settings, the password):
    /// starting again changes nothing until a person fixes it. `hearth run` exits with status 2 for these.
    public var isConfiguration: Bool

    /// Creates an error; `configuration` marks a cause a restart cannot cure.
    public init(_ description: String, configuration: Bool = false) {
        self.description = description
        self.isConfiguration = configuration
    }
}
