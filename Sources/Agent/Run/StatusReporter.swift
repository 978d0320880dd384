public import Fieldbus
public import Logging
public import Plant
public import Support

/// Writes the status report to the database and the retained status topic every `status_interval` (real seconds),
/// and once more when stopped. A service.
public struct StatusReporter: Service {
    public let name = "status"
    let store: AgentStore
    let registry: ModelRegistry
    let loop: AdaptiveLoop
    let worker: AdaptationWorker
    let collector: Collector
    let mqtt: MQTTClient?
    let topics: MessageTopics
    let configuration: AgentConfiguration
    let clock: any PlantClock
    let logger: Logger
    let started: Int64
    /// The program's version, for the report.
    let version: String

    public init(
        store: AgentStore, registry: ModelRegistry, loop: AdaptiveLoop, worker: AdaptationWorker, collector: Collector,
        mqtt: MQTTClient?, topics: MessageTopics, configuration: AgentConfiguration, clock: any PlantClock,
        logger: Logger, version: String
    ) {
        self.store = store
        self.registry = registry
        self.loop = loop
        self.worker = worker
        self.collector = collector
        self.mqtt = mqtt
        self.topics = topics
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.version = version
        started = clock.now()
    }

    public func run() async {
        while !Task.isCancelled {
            await publish()
            try? await Task.sleep(nanoseconds: UInt64(configuration.statusIntervalSeconds * 1e9))
        }
        await publish(toBroker: false)
    }

    /// Makes, saves and (when connected) publishes one report.
    public func publish(toBroker: Bool = true) async {
        do {
            let report = try await makeReport()
            let bytes = JSONCoding.encode(report)
            try await store.saveStatus(bytes, at: clock.now())
            if toBroker, let mqtt, mqtt.isConnected {
                let message = MQTTMessage(topic: topics.status, payload: bytes, qos: 1, retain: true)
                // The acknowledgement is not waited for: the next report replaces this one anyway.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await mqtt.publish(message) }
                    group.addTask { try? await Task.sleep(nanoseconds: 2_000_000_000) }
                    await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            logger.error("status report failed", metadata: ["error": "\(error)"])
        }
    }

    /// The report now.
    public func makeReport() async throws -> StatusReport {
        let now = clock.now()
        let usage = ProcessUsage.measure(databasePath: configuration.databasePath)
        let deployments = try await registry.deployments()
        let models = try await registry.allModels()
        let running = await loop.runningEvents
        let unusable = await loop.unusableModels
        let health = await collector.deviceHealth
        let states = await worker.allStates()
        let depth = try await store.outboxDepth()
        var devices: [StatusReport.DeviceSection] = []
        for id in Set(running.keys).union(health.keys).sorted() {
            let metrics = try await store.modelErrors(device: id, fromCheckpoint: configuration.policy.alarmFromSeconds)
            let all = try await store.modelErrors(device: id, fromCheckpoint: 0)
            let counts = try await store.collectionCounts(device: id, since: now - 3_600_000)
            let device = health[id]
            let state = states[id]
            let champion = deployments.first { $0.device == id && $0.role == .champion }?.version
            let alarmFrom = configuration.policy.alarmFromSeconds
            // The intervals the furnace was served on its last 500 labeled events, as stored.
            let served = try await store.servedPredictions(device: id, checkpoint: alarmFrom)
            // The running event's latest deciding prediction, as stored, with its interval.
            var latest: StoredPrediction?
            if let event = running[id] ?? nil { latest = try await store.latestDecidingPrediction(eventID: event.id) }
            devices.append(
                StatusReport.DeviceSection(
                    id: id, champion: champion, predictionSource: await loop.predictionSource(for: id),
                    shadows: deployments.filter { $0.device == id && $0.role == .shadow }.map(\.version),
                    watch: deployments.first { $0.device == id && $0.role == .watch }?.version,
                    onboarding: state?.onboarding ?? false,
                    collection: StatusReport.CollectionSection(
                        connection: device?.connection ?? "",
                        lastGoodPoll: device?.lastGoodPoll.map { PlantTime.iso8601($0) },
                        consecutiveFailures: device?.consecutiveFailures ?? 0, lastError: device?.lastError,
                        lastHour: counts),
                    liveMetrics: metrics.map { summary in
                        StatusReport.ModelMetrics(
                            model: summary.modelVersion, events: summary.events, mapePercent: summary.mapePercent,
                            maeMbar: summary.maeMbar,
                            mapeAllCheckpointsPercent: all.first { $0.modelVersion == summary.modelVersion }?
                                .mapePercent)
                    },
                    alarms: try await store.alarmPerformance(device: id),
                    event: (running[id] ?? nil).map { event in
                        StatusReport.EventSection(
                            id: event.id, start: PlantTime.iso8601(event.start),
                            seconds: Double(now - event.start) / 1000, alarm: event.alarm?.state,
                            reasons: event.alarm.map(\.reasons),
                            prediction: latest.map { StatusReport.PredictionSection($0) })
                    },
                    drift: state.map { state in
                        StatusReport.DriftSection(
                            drifting: state.drift.drifting,
                            checked: state.drift.lastCheck.map { PlantTime.iso8601($0) },
                            consecutiveFlags: state.drift.consecutiveFlags, last: state.drift.lastSummary)
                    },
                    intervalCoverage: IntervalCoverage(served: served, checkpoint: alarmFrom)))
        }
        return StatusReport(
            time: PlantTime.iso8601(now), writtenAtRealMilliseconds: AcceleratedClock.realNow(),
            intervalSeconds: configuration.statusIntervalSeconds,
            agent: StatusReport.AgentSection(
                version: version, uptimePlantSeconds: Double(now - started) / 1000, speed: clock.speed,
                cpuSeconds: usage.cpuSeconds, residentBytes: usage.residentBytes,
                peakResidentBytes: usage.peakResidentBytes, databaseBytes: usage.databaseBytes,
                freeDiskBytes: usage.freeDiskBytes,
                outbox: StatusReport.OutboxSection(
                    pending: depth.messages, oldestAgeSeconds: depth.oldestQueued.map { Double(now - $0) / 1000 }),
                broker: configuration.broker.map { broker in
                    StatusReport.BrokerSection(
                        address: "\(broker.host):\(broker.port)", connected: mqtt?.isConnected ?? false,
                        lastError: mqtt?.lastConnectionError.map { "\($0)" },
                        lastEvent: mqtt?.lastConnectionEvent.map { "\($0)" },
                        clientIDClash: mqtt?.hasClientIDClash ?? false)
                }),
            devices: devices,
            models: models.map { model in
                StatusReport.ModelSection(
                    model: model.version, state: model.state, algorithm: model.algorithm, weighting: model.weighting,
                    targetDevice: model.targetDevice, parent: model.parent, created: PlantTime.iso8601(model.created),
                    usable: unusable[model.version] == nil)
            })
    }
}
