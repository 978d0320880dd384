import Fieldbus
public import Logging
public import Plant
import SQLite
import Synchronization

/// The running agent: collect → predict → decide → monitor → adapt, for every device of the devices folder, until
/// its task is cancelled; then it stops in order (last readings stored, outbox kept, `offline` published).
public final class HearthAgent: Sendable {
    public let configuration: AgentConfiguration
    public let clock: any PlantClock
    private let logger: Logger
    private let observer: Collector.Observer
    private let narrate: @Sendable (String) -> Void
    /// Real seconds between two looks at the devices folder.
    public let folderInterval: Double
    /// The adaptive loop's work under way beside polling (drift checks, judging, candidate training).
    public let background = BackgroundWork()

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

    /// Runs until cancelled.
    /// - Throws: `AgentStartError` when the database cannot be opened, the broker settings are unusable, or no
    ///   device file is usable.
    public func run() async throws {
        let (devices, problems) = DeviceFileLoader.loadFolder(path: configuration.devicesFolder)
        for problem in problems?.problems ?? [] {
            logger.error("device file rejected", metadata: ["problem": "\(problem)"])
        }
        guard !devices.isEmpty else {
            throw AgentStartError("no usable device file in \(configuration.devicesFolder)")
        }
        let store: AgentStore
        do {
            store = try AgentStore(path: configuration.databasePath, durability: configuration.durability)
        } catch {
            throw AgentStartError("cannot open the database: \(error)")
        }
        logger.info(
            "starting",
            metadata: [
                "devices": "\(devices.map(\.id).joined(separator: ","))",
                "database": "\(configuration.databasePath)", "speed": "\(configuration.speed)",
            ])

        let topics = self.topics
        let mqtt = try configuration.broker.map { broker in try Self.connect(to: broker, topics: topics, logger: logger)
        }
        let delivery = mqtt.map { OutboxDelivery(store: store, client: $0, logger: logger) }
        let loop = AdaptiveLoop(
            store: store, configuration: configuration, clock: clock, logger: logger, topics: topics,
            messagesQueued: { delivery?.notify() }, narrate: narrate, background: background)
        let observer = self.observer
        let collector = Collector(store: store, clock: clock, mqtt: mqtt, logger: logger) { readings in
            await loop.ingest(readings)
            await observer(readings)
        }

        // Models and deployments: devices present at the first start are the first model's furnaces; a device
        // that appears later, with a registry already in place, is onboarded.
        let firstStart = (try? await store.models().isEmpty) ?? true
        let deployed = Set(((try? await store.deployments()) ?? []).map(\.device))
        try await recoverInterrupted(store, topics: topics)
        for device in devices {
            await loop.add(device, onboarding: !firstStart && !deployed.contains(device.id))
        }
        do {
            try await loop.bootstrap()
        } catch {
            logger.error("models not ready; the fallback rule serves", metadata: ["error": "\(error)"])
        }
        for device in devices {
            do {
                try await collector.add(device)
            } catch {
                logger.error("device not collected", metadata: ["device": "\(device.id)", "error": "\(error)"])
            }
        }
        await delivery?.start()
        let retention = Task { await keepRetention(store) }
        let watcher = Task { await watchFolder(collector: collector, loop: loop, store: store, topics: topics) }
        let status = Task { await reportStatus(loop: loop, store: store, mqtt: mqtt, topics: topics) }

        // Wait for cancellation (SIGINT, SIGTERM, --duration), then stop in order. A sleep ends at once when its
        // task is cancelled, so this costs no wake-ups while the agent runs.
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
        logger.info("stopping")
        watcher.cancel()
        retention.cancel()
        status.cancel()
        await collector.stop()
        await publishStatus(loop: loop, store: store, mqtt: nil, topics: topics)
        await delivery?.stop()
        if let mqtt {
            // A clean disconnect does not trigger the will, so say `offline` ourselves (retained).
            let offline = MQTTMessage(topic: topics.availability, text: "offline", qos: 1, retain: true)
            _ = await withTimeout(seconds: 2) { (try? await mqtt.publish(offline)) != nil }
            mqtt.disconnect()
        }
        logger.info("stopped")
    }

    private static func connect(
        to broker: BrokerConfiguration, topics: MessageTopics, logger: Logger
    ) throws -> MQTTClient {
        var password: String?
        if let source = broker.password {
            do {
                password = try source.resolve()
            } catch {
                throw AgentStartError("broker password: \(error)")
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
            throw AgentStartError("broker \(broker.host):\(broker.port): \(error)")
        }
    }

    /// Closes events the previous run left open and clears their alarms (queued for the broker).
    private func recoverInterrupted(_ store: AgentStore, topics: MessageTopics) async throws {
        let now = clock.now()
        for var alarm in try await store.closeInterruptedEvents(at: now) {
            alarm.state = "cleared"
            alarm.sequence += 1
            alarm.updatedTime = now
            try await store.saveAlarm(
                alarm, messages: AlarmMessages.messages(for: alarm, topics: topics, at: now, source: "agent restart"),
                at: now)
            logger.notice("alarm of an interrupted event cleared", metadata: ["alarm": "\(alarm.id)"])
        }
    }

    /// Onboards, updates and removes devices as their files come and go.
    private func watchFolder(collector: Collector, loop: AdaptiveLoop, store: AgentStore, topics: MessageTopics) async {
        var watcher = DeviceFolderWatcher(folder: configuration.devicesFolder)
        watcher.acknowledgeCurrentFiles()
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(folderInterval * 1e9))
            let changes = watcher.look()
            let now = clock.now()
            for (path, result) in changes.loaded {
                switch result {
                case .success(let device):
                    let known = await collector.deviceIDs.contains(device.id)
                    do {
                        try await collector.add(device)
                        await loop.add(device, onboarding: !known)
                        if known {
                            try await store.recordDecision(
                                kind: "updated", device: device.id, modelVersion: nil,
                                summary: "\(device.id) reloaded from \(path)", details: .object([:]), at: now)
                        }
                        logger.notice(
                            known ? "device updated" : "device onboarded",
                            metadata: ["device": "\(device.id)", "file": "\(path)"])
                        narrate(
                            "\(PlantTime.readable(now))  \(device.id)  \(known ? "reloaded" : "ONBOARDED") from \(path): \(device.connection.summary)"
                        )
                    } catch {
                        logger.error("device not collected", metadata: ["device": "\(device.id)", "error": "\(error)"])
                    }
                case .failure(let error):
                    let lines = error.problems.map(\.description)
                    for line in lines { logger.error("device file rejected", metadata: ["problem": "\(line)"]) }
                    let summary =
                        "\(path) rejected: \(lines.count) problem\(lines.count == 1 ? "" : "s"); running devices untouched"
                    try? await store.recordDecision(
                        kind: "rejected", device: nil, modelVersion: nil, summary: summary,
                        details: .object(["file": .string(path), "problems": .array(lines.map { .string($0) })]),
                        at: now,
                        messages: [
                            AlarmMessages.decision(
                                kind: "rejected", device: nil, modelVersion: nil, summary: summary,
                                details: .object(["problems": .array(lines.map { .string($0) })]), time: now,
                                topics: topics)
                        ])
                    narrate(
                        "\(PlantTime.readable(now))  \(summary)\n" + lines.map { "    \($0)" }.joined(separator: "\n"))
                }
            }
            for path in changes.removed {
                let id = String(path.split(separator: "/").last?.split(separator: ".").first ?? "")
                if await collector.deviceIDs.contains(id) {
                    await collector.remove(id)
                    await loop.remove(id)
                    try? await store.recordDecision(
                        kind: "removed", device: id, modelVersion: nil, summary: "\(id) removed (\(path) deleted)",
                        details: .object([:]), at: now)
                    narrate("\(PlantTime.readable(now))  \(id)  removed: \(path) deleted")
                }
            }
        }
    }

    /// Writes a status report to the database and the retained status topic every `status_interval`.
    private func reportStatus(loop: AdaptiveLoop, store: AgentStore, mqtt: MQTTClient?, topics: MessageTopics) async {
        while !Task.isCancelled {
            await publishStatus(loop: loop, store: store, mqtt: mqtt, topics: topics)
            try? await Task.sleep(nanoseconds: UInt64(configuration.statusIntervalSeconds * 1e9))
        }
    }

    private func publishStatus(loop: AdaptiveLoop, store: AgentStore, mqtt: MQTTClient?, topics: MessageTopics) async {
        do {
            let usage = ProcessUsage.measure(databasePath: configuration.databasePath)
            let report = try await loop.statusReport(
                usage: usage, outboxPending: try await store.outboxCount(), connected: mqtt?.isConnected)
            try await store.saveStatus(report, at: clock.now())
            if let mqtt, mqtt.isConnected {
                let message = MQTTMessage(
                    topic: topics.status, payload: Array(report.serialized.utf8), qos: 1, retain: true)
                Task { try? await mqtt.publish(message) }
            }
        } catch {
            logger.error("status report failed", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes readings past the retention period, every hour of plant time (or every tenth of the retention).
    private func keepRetention(_ store: AgentStore) async {
        let period = Int64(min(3600, configuration.retentionSeconds / 10) * 1000)
        while !Task.isCancelled {
            let cutoff = clock.now() - Int64(configuration.retentionSeconds * 1000)
            do {
                let deleted = try await store.deleteReadings(before: cutoff)
                if deleted > 0 { logger.info("retention", metadata: ["deleted": "\(deleted)"]) }
            } catch {
                logger.error("retention failed", metadata: ["error": "\(error)"])
            }
            do { try await clock.sleep(until: clock.now() + period) } catch { return }
        }
    }
}

/// Why the agent could not start.
public struct AgentStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` in a task of its own and waits at most `seconds` of real time for it; returns its result, or `nil`
/// if it did not finish in time. The task is left to finish on its own (an MQTT publish ends when the client
/// disconnects).
func withTimeout<Result: Sendable>(seconds: Double, _ body: @escaping @Sendable () async -> Result) async -> Result? {
    let outcome = Mutex<Result?>(nil)
    Task {
        let value = await body()
        outcome.withLock { $0 = value }
    }
    let deadline = Int(seconds / 0.01)
    for _ in 0..<deadline {
        if let value = outcome.withLock({ $0 }) { return value }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return outcome.withLock { $0 }
}
