import Fieldbus
import Glibc
public import Logging
public import Plant
import SQLite
import Trees

/// The agent's loop for every furnace: predict each pumping event's minimum pressure at 30...180 s, decide on
/// alarms, record outcomes, monitor live errors and drift, and adapt — build candidates, run them in shadow,
/// promote or roll back.
///
/// It receives every stored batch of readings (from the collector) and keeps all of its decisions in the database
/// first: alarms, outcomes and decisions go to the outbox in the same transaction that records them.
public actor AdaptiveLoop {
    let store: AgentStore
    let configuration: AgentConfiguration
    let clock: any PlantClock
    let logger: Logger
    let topics: MessageTopics
    let trainer = CandidateTrainer()
    let alarmPolicy: AlarmPolicy
    let promotion: PromotionPolicy
    let fallback: FallbackRule
    /// Told whenever messages were queued.
    let messagesQueued: @Sendable () -> Void
    /// Called with every prediction and decision worth showing to a person (the CLI prints them).
    let narrate: @Sendable (String) -> Void

    var furnaces: [String: FurnaceState] = [:]
    var predictors: [Int: MinimumPressurePredictor] = [:]
    var unusableModels: [Int: String] = [:]
    var deployments: [Deployment] = []
    var history: [LabeledRow] = []
    var training: Set<String> = []
    /// Work started beside polling.
    let background: BackgroundWork
    var lastDrift: [String: DriftSummary] = [:]
    let started: Int64

    /// One furnace's state in the loop.
    struct FurnaceState {
        var device: DeviceFile
        var pipeline: EventPipeline
        var event: RunningEvent?
        /// Events that ended and wait for their label, by start time.
        var ended: [Int64: RunningEvent] = [:]
        /// Whether the furnace joined after the models were trained and awaits its first adapted candidate.
        var onboarding: Bool
        var labeledSinceDriftCheck = 0
        /// The furnace's own labeled events when its last candidate was started (0: none yet).
        var ownEventsAtLastCandidate = 0
    }

    /// An event being predicted.
    struct RunningEvent {
        var id: Int64
        var start: Int64
        var threshold: Double
        /// The champion's (or fallback's) predictions from `alarm_from` on.
        var decisive: [Double] = []
        var last: (value: Double, model: Int)?
        var alarm: AlarmRecord?
    }

    /// The last drift check of a furnace.
    public struct DriftSummary: Sendable, Equatable {
        public var time: Int64
        /// The verdict the agent acts on (confirmed).
        public var drift: Bool
        /// This check's own verdict.
        public var rawDrift = false
        public var currentRows: Int
        public var referenceRows: Int
        public var mmdPValue: Double
        public var classifierAUC: Double
        public var driftedFeatures: [String]
    }

    public init(
        store: AgentStore, configuration: AgentConfiguration, clock: any PlantClock, logger: Logger,
        topics: MessageTopics, messagesQueued: @escaping @Sendable () -> Void = {},
        narrate: @escaping @Sendable (String) -> Void = { _ in }, background: BackgroundWork = BackgroundWork()
    ) {
        self.background = background
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.topics = topics
        self.messagesQueued = messagesQueued
        self.narrate = narrate
        alarmPolicy = AlarmPolicy(
            margin: configuration.policy.alarmMargin, confirmations: configuration.policy.alarmConfirmations)
        promotion = PromotionPolicy(policy: configuration.policy)
        fallback = FallbackRule(
            factor: configuration.policy.fallbackFactor, earliestCheckpoint: configuration.policy.alarmFromSeconds)
        started = clock.now()
    }

    /// The static attribute names of every furnace (the features a model may use besides the dynamic ones).
    var attributeNames: Set<String> { Set(furnaces.values.flatMap { $0.device.attributes.map(\.name) }) }

    // MARK: Furnaces

    /// Starts following a furnace.
    /// - Parameter onboarding: the furnace joined after the models were made (adapt to it once it has events).
    public func add(_ device: DeviceFile, onboarding: Bool) async {
        guard device.event != nil else {
            logger.notice("no event definition: collected, not predicted", metadata: ["device": "\(device.id)"])
            return
        }
        let wasOnboarding = furnaces[device.id]?.onboarding ?? false
        furnaces[device.id] = FurnaceState(
            device: device, pipeline: EventPipeline(device: device), onboarding: onboarding || wasOnboarding)
        await ensureChampion(for: device.id, onboarding: onboarding)
    }

    /// Stops following a furnace.
    public func remove(_ id: String) {
        furnaces[id] = nil
    }

    /// Feeds stored readings.
    public func ingest(_ readings: [Reading]) async {
        for (device, batch) in Dictionary(grouping: readings, by: \.device) {
            guard var furnace = furnaces[device] else { continue }
            let steps = furnace.pipeline.ingest(batch)
            furnaces[device] = furnace
            for step in steps { await handle(step, device: device) }
        }
    }

    private func handle(_ step: EventPipeline.Step, device: String) async {
        guard let furnace = furnaces[device], let definition = furnace.device.event else { return }
        do {
            switch step {
            case .started(let start, let previousMinimum):
                deployments = try await store.deployments()
                let id = try await store.beginEvent(
                    device: device, start: start, threshold: definition.threshold, previousMinimum: previousMinimum)
                furnaces[device]?.event = RunningEvent(id: id, start: start, threshold: definition.threshold)
                logger.info("event started", metadata: ["device": "\(device)", "event": "\(id)"])
            case .checkpoint(let start, let seconds, let features, let time):
                guard var event = furnaces[device]?.event, event.start == start else { return }
                try await store.recordFeatures(event: event.id, checkpoint: seconds, features: features)
                try await predict(&event, device: device, seconds: seconds, features: features, time: time)
                furnaces[device]?.event = event
            case .ended(let start, let end):
                guard let event = furnaces[device]?.event, event.start == start else { return }
                furnaces[device]?.event = nil
                furnaces[device]?.ended[start] = event
                try await store.finishEvent(id: event.id, end: end, minimum: nil, source: nil, failed: nil)
            case .labeled(let start, let end, let minimum, let source, let failed):
                guard let event = furnaces[device]?.ended.removeValue(forKey: start) else { return }
                try await resolve(event, device: device, end: end, minimum: minimum, source: source, failed: failed)
                // Judging, drift checks and training decisions take time; polling does not wait for them.
                background.start { await self.afterLabel(device: device) }
            }
        } catch {
            logger.error("event handling failed", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    // MARK: Predict and decide

    private func predict(
        _ event: inout RunningEvent, device: String, seconds: Int, features: [String: Double], time: Int64
    ) async throws {
        var records: [StoredPrediction] = []
        let champion = deployments.first { $0.device == device && $0.role == "champion" }?.version
        var decisive: (value: Double, model: Int)?
        if let champion, let predictor = await predictor(champion), let value = predictor.predict(features) {
            records.append(
                .init(
                    eventID: event.id, checkpoint: seconds, modelVersion: champion, role: "champion", predicted: value,
                    time: time))
            decisive = (value, champion)
        } else if let value = fallback.predict(features, checkpoint: seconds) {
            records.append(
                .init(
                    eventID: event.id, checkpoint: seconds, modelVersion: 0, role: "fallback", predicted: value,
                    time: time))
            decisive = (value, 0)
        }
        for shadow in deployments where shadow.device == device && shadow.role == "shadow" {
            guard let predictor = await predictor(shadow.version), let value = predictor.predict(features) else {
                continue
            }
            records.append(
                .init(
                    eventID: event.id, checkpoint: seconds, modelVersion: shadow.version, role: "shadow",
                    predicted: value, time: time))
        }
        try await store.recordPredictions(records)
        guard let decisive else { return }
        event.last = decisive
        let source = decisive.model == 0 ? "fallback rule" : "model v\(decisive.model)"
        if seconds >= configuration.policy.alarmFromSeconds {
            narrate(
                "\(PlantTime.readable(time))  \(device)  prediction at \(seconds) s: minimum \(Self.format(decisive.value)) mbar "
                    + "(threshold \(Self.format(event.threshold)), \(source))"
                    + records.filter { $0.role == "shadow" }.map {
                        ", shadow v\($0.modelVersion): \(Self.format($0.predicted))"
                    }.joined())
        }
        guard seconds >= configuration.policy.alarmFromSeconds else { return }
        event.decisive.append(decisive.value)
        let severity = alarmPolicy.severity(predicted: decisive.value, threshold: event.threshold)
        if var alarm = event.alarm {
            // An active alarm is updated when its severity rises.
            guard alarm.severity == "warning", severity == "critical" else { return }
            alarm.severity = severity
            alarm.sequence += 1
            alarm.predicted = decisive.value
            alarm.updatedTime = time
            alarm.modelVersion = decisive.model
            try await store.saveAlarm(
                alarm, messages: AlarmMessages.messages(for: alarm, topics: topics, at: time, source: source), at: time)
            event.alarm = alarm
            messagesQueued()
            return
        }
        guard alarmPolicy.shouldRaise(predictions: event.decisive, threshold: event.threshold) else { return }
        let alarm = AlarmRecord(
            id: "\(device)/\(event.start)", device: device, eventID: event.id, eventStart: event.start, state: "active",
            sequence: 1, severity: severity, raisedTime: time, raisedAtSeconds: seconds, updatedTime: time,
            predicted: decisive.value, threshold: event.threshold, modelVersion: decisive.model)
        try await store.saveAlarm(
            alarm, messages: AlarmMessages.messages(for: alarm, topics: topics, at: time, source: source), at: time)
        event.alarm = alarm
        messagesQueued()
        logger.warning(
            "alarm",
            metadata: [
                "device": "\(device)", "alarm": "\(alarm.id)", "predicted": "\(Self.format(decisive.value))",
                "threshold": "\(event.threshold)", "seconds": "\(seconds)", "model": "\(decisive.model)",
            ])
        narrate(
            "\(PlantTime.readable(time))  \(device)  ALARM \(severity): predicted minimum \(Self.format(decisive.value)) mbar > \(Self.format(event.threshold)) at \(seconds) s (\(source))"
        )
    }

    private func resolve(
        _ event: RunningEvent, device: String, end: Int64, minimum: Double, source: String, failed: Bool
    ) async throws {
        try await store.finishEvent(id: event.id, end: end, minimum: minimum, source: source, failed: failed)
        let now = clock.now()
        var messages: [OutboxMessage] = []
        var alarm = event.alarm
        if var active = alarm {
            active.state = failed ? "confirmed" : "cleared"
            active.sequence += 1
            active.updatedTime = now
            alarm = active
            messages += AlarmMessages.messages(
                for: active, topics: topics, at: now,
                source: active.modelVersion == 0 ? "fallback rule" : "model v\(active.modelVersion)")
        }
        messages.append(
            AlarmMessages.outcome(
                device: device, eventID: event.id, start: event.start, end: end, minimum: minimum, source: source,
                threshold: event.threshold, failed: failed, alarm: alarm, lastPrediction: event.last, topics: topics))
        if let alarm {
            try await store.saveAlarm(alarm, messages: messages, at: now)
        } else {
            try await store.enqueue(messages, at: now)
        }
        messagesQueued()
        let verdict =
            failed
            ? (alarm != nil ? "failed, alarm confirmed" : "failed, NOT alarmed")
            : (alarm != nil ? "reached vacuum, alarm cleared" : "reached vacuum")
        narrate(
            "\(PlantTime.readable(end))  \(device)  event ended: minimum \(Self.format(minimum)) mbar, \(verdict)"
                + (event.last.map { " (last prediction \(Self.format($0.value)))" } ?? ""))
        logger.info(
            "event ended",
            metadata: [
                "device": "\(device)", "event": "\(event.id)", "minimum": "\(Self.format(minimum))",
                "failed": "\(failed)", "alarm": "\(alarm?.state ?? "none")",
            ])
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let rounded = (value * 1000).rounded() / 1000
        return String(rounded)
    }
}
