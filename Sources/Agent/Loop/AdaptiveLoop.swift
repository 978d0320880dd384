import Drift
public import Logging
public import Plant
import Support
import Trees

/// The agent's loop for every furnace, on the polling path: each stored batch of readings goes through the
/// furnace's ``FurnaceSession`` — events recognised, the minimum predicted at each checkpoint by the furnace's
/// ``ServingPlan`` (from the ``ModelRoster``), alarms raised, outcomes made — and everything it decides is recorded
/// through the ``DecisionJournal`` before the next poll of that device. Once an event has its label, the furnace is
/// handed to the ``AdaptationWorker`` (judging, drift, candidates), which runs beside polling.
public actor AdaptiveLoop {
    let store: AgentStore
    let registry: ModelRegistry
    let worker: AdaptationWorker
    let journal: DecisionJournal
    let policy: AgentPolicy
    let modelsFolder: String
    let clock: any PlantClock
    let logger: Logger
    let narrate: @Sendable (String) -> Void
    private var sessions: [String: FurnaceSession] = [:]
    private var roster: ModelRoster
    private var rosterGeneration = -1
    private var attributes: Set<String> = []
    /// Per furnace and model, the conformal calibration of the model's own errors there by checkpoint (dropped when
    /// a label arrives).
    private var calibrations: [String: [Int: [Int: CheckpointCalibration]]] = [:]

    public init(
        store: AgentStore, registry: ModelRegistry, worker: AdaptationWorker, policy: AgentPolicy,
        modelsFolder: String, clock: any PlantClock, logger: Logger,
        narrate: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.registry = registry
        self.worker = worker
        journal = registry.journal
        self.policy = policy
        self.modelsFolder = modelsFolder
        self.clock = clock
        self.logger = logger
        self.narrate = narrate
        roster = ModelRoster(
            fallback: FallbackRule(factor: policy.fallbackFactor, earliestCheckpoint: policy.alarmFromSeconds))
    }

    /// Every static attribute name of the furnaces followed (features a model may use).
    public var attributeNames: Set<String> { attributes }

    /// The furnaces followed, with the event under way of each.
    public var runningEvents: [String: FurnaceSession.RunningEvent?] { sessions.mapValues(\.event) }

    /// Who serves a furnace now, in words.
    public func predictionSource(for device: String) -> String { roster.source(for: device) }

    /// Models that cannot be used, with the reason.
    public var unusableModels: [Int: String] { roster.unusable }

    /// Starts following a furnace; one without a champion gets the fleet's.
    /// - Parameter onboarding: it joined after the models were made (adapt to it once it has events).
    public func add(_ device: DeviceFile, onboarding: Bool) async {
        guard device.event != nil else {
            logger.notice("no event definition: collected, not predicted", metadata: ["device": "\(device.id)"])
            return
        }
        if var session = sessions[device.id] {
            session.reload(device)
            sessions[device.id] = session
        } else {
            sessions[device.id] = FurnaceSession(
                device: device,
                policy: policy.alarmPolicy,
                alarmFromSeconds: policy.alarmFromSeconds)
        }
        let before = attributes
        attributes.formUnion(device.attributes.map(\.name))
        if attributes != before { worker.useFeatures(PumpingEventFeatures.names(attributes: Array(attributes))) }
        worker.furnaceAdded(device.id, onboarding: onboarding)
        await ensureChampion(for: device.id, onboarding: onboarding)
    }

    /// Stops following a furnace.
    public func remove(_ id: String) {
        sessions[id] = nil
        worker.furnaceRemoved(id)
    }

    /// Feeds stored readings (the collector calls this with every committed batch).
    public func ingest(_ readings: [Reading]) async {
        for (device, batch) in Dictionary(grouping: readings, by: \.device) {
            guard var session = sessions[device] else { continue }
            let steps = session.steps(for: batch)
            sessions[device] = session
            for step in steps {
                do {
                    try await handle(step, device: device)
                } catch {
                    logger.error("event handling failed", metadata: ["device": "\(device)", "error": "\(error)"])
                }
            }
        }
    }

    private func handle(_ step: EventPipeline.Step, device: String) async throws {
        guard let definition = sessions[device]?.device.event else { return }
        switch step {
        case .joined(let time):
            logger.info(
                "event already running when first seen: followed, not predicted",
                metadata: ["device": "\(device)", "seen": "\(PlantTime.iso8601(time))"])
        case .started(let start, let previousMinimum):
            let id = try await store.beginEvent(
                device: device, start: start, threshold: definition.threshold, previousMinimum: previousMinimum)
            sessions[device]?.begin(eventID: id, start: start, threshold: definition.threshold)
            logger.info("event started", metadata: ["device": "\(device)", "event": "\(id)"])
        case .checkpoint(let start, let seconds, let features, let time):
            try await refreshRoster()
            guard var plan = sessions[device].map({ _ in roster.plan(for: device) }) else { return }
            plan.calibrations = try await calibrations(for: device, models: plan.models)
            guard
                let result = sessions[device]?.checkpoint(
                    start: start, seconds: seconds, features: features, time: time, plan: plan)
            else { return }
            try await store.recordCheckpoint(
                event: result.eventID, checkpoint: seconds, features: features, predictions: result.predictions)
            if seconds >= policy.alarmFromSeconds,
                let line = Narration.prediction(device: device, checkpoint: result, time: time)
            {
                narrate(line)
            }
            if let transition = result.alarm {
                let source = Narration.source(result.decisive?.model ?? 0)
                switch transition {
                case .raised(let alarm):
                    try await journal.record(JournalEntry(), alarms: [.init(alarm, source: source)], at: time)
                    logger.warning(
                        "alarm",
                        metadata: [
                            "device": "\(device)", "alarm": "\(alarm.id)", "severity": "\(alarm.severity.rawValue)",
                            "predicted": "\(Narration.mbar(alarm.predicted))", "seconds": "\(seconds)",
                            "model": "\(alarm.modelVersion)", "raised_on": "\(alarm.raisedOn?.rawValue ?? "")",
                            "failure_probability":
                                "\(alarm.uncertainty.map { NumberFormat.probability($0.failureProbability) } ?? "none")",
                        ])
                    narrate(Narration.alarm(alarm, escalated: false))
                case .escalated(let alarm):
                    try await journal.record(JournalEntry(), alarms: [.init(alarm, source: source)], at: time)
                    narrate(Narration.alarm(alarm, escalated: true))
                }
            }
        case .ended(let start, let end):
            guard let id = sessions[device]?.end(start: start) else { return }
            try await store.finishEvent(id: id, end: end)
        case .labeled(let start, let end, let minimum, let source, let failed):
            let now = clock.now()
            guard
                let label = sessions[device]?.label(
                    start: start, end: end, minimum: minimum, source: source, failed: failed, at: now)
            else { return }
            try await store.labelEvent(id: label.event.id, minimum: minimum, source: source, failed: failed)
            let alarms = label.resolvedAlarm.map {
                [DecisionJournal.AlarmUpdate($0, source: Narration.source($0.modelVersion))]
            }
            try await journal.record(JournalEntry(), alarms: alarms ?? [], outcomes: [label.outcome], at: now)
            narrate(Narration.outcome(label, device: device))
            logger.info(
                "event ended",
                metadata: [
                    "device": "\(device)", "event": "\(label.event.id)", "minimum": "\(Narration.mbar(minimum))",
                    "failed": "\(failed)", "alarm": "\(label.resolvedAlarm?.state.rawValue ?? "none")",
                ])
            calibrations[device] = nil
            worker.labelArrived(device: device)
        }
    }

    /// The calibrations of some models on a furnace, read once per model and kept until the furnace's next label:
    /// their errors on its last labeled events and on the other furnaces', weighted toward this one
    /// (``CheckpointCalibration``).
    private func calibrations(
        for device: String, models: [Int]
    ) async throws -> [Int: [Int: CheckpointCalibration]] {
        var kept = calibrations[device] ?? [:]
        let missing = Set(models).filter { kept[$0] == nil }.sorted()
        guard !missing.isEmpty else { return kept }
        let limit = PredictionUncertainty.calibrationLimit
        // A calibration keeps a model's most recent predictions at a checkpoint: reading the furnace's last events
        // is enough, whatever its history. Their features, labeled or not, are what the ratio points toward.
        let recent = try await store.events(device: device, limit: limit)
        let ownRows = try await store.labeledPredictions(
            device: device, models: missing, since: recent.first?.start ?? .min)
        let own = samples(ownRows, recent)
        // The fleet: the same models' errors on the other furnaces' recent labeled events, about as many in all.
        let others = sessions.keys.filter { $0 != device }.sorted()
        var fleet: [Int: [CalibrationSample]] = [:]
        for other in others {
            let events = try await store.events(
                device: other, labeledOnly: true, limit: max(20, limit / max(1, others.count)))
            guard let first = events.first else { continue }
            let rows = try await store.labeledPredictions(device: other, models: missing, since: first.start)
            for (model, list) in samples(rows, events) { fleet[model, default: []] += list }
        }
        let furnaceRows = recent.flatMap { event in event.features.keys.sorted().compactMap { event.features[$0] } }
        for model in missing {
            kept[model] = CheckpointCalibration.byCheckpoint(
                own: own[model] ?? [], fleet: fleet[model] ?? [], furnaceRows: furnaceRows, policy: policy)
        }
        calibrations[device] = kept
        return kept
    }

    /// Labeled predictions by model, each with its event's features at its checkpoint (empty when not stored).
    private func samples(_ rows: [LabeledPrediction], _ events: [StoredEvent]) -> [Int: [CalibrationSample]] {
        let features = Dictionary(events.map { ($0.id, $0.features) }, uniquingKeysWith: { first, _ in first })
        return Dictionary(grouping: rows, by: \.modelVersion).mapValues { list in
            list.map {
                CalibrationSample(
                    checkpoint: $0.checkpoint, predicted: $0.predicted, minimum: $0.minimum,
                    features: features[$0.eventID]?[$0.checkpoint] ?? [:])
            }
        }
    }

    /// Serves from the registry's current deployments, loading any model not loaded yet.
    func refreshRoster() async throws {
        let deployments = try await registry.deployments()
        let generation = await registry.generation
        guard generation != rosterGeneration || !roster.versionsToLoad.isEmpty else { return }
        rosterGeneration = generation
        roster.update(deployments)
        for version in roster.versionsToLoad {
            do {
                guard let entry = try await registry.model(version) else {
                    throw RegistryError.unknownModel(version, newest: nil)
                }
                let model = try TreeModel.load(from: TextFile.join(modelsFolder, entry.file))
                ProcessUsage.releaseFreedMemory()
                guard model.checksum == entry.checksum else {
                    throw ModelError(
                        .checksumMismatch(expected: entry.checksum, computed: model.checksum), file: entry.file)
                }
                roster.add(try MinimumPressurePredictor(version: version, model: model, attributes: attributes))
            } catch {
                roster.markUnusable(version, reason: "\(error)")
                let now = clock.now()
                try await journal.record(
                    Decision(
                        .modelUnusable, model: version,
                        summary:
                            "model v\(version) cannot be used (\(error)); furnaces it is the champion of use the fallback rule",
                        details: .object(["error": .string("\(error)")]), at: now))
            }
        }
        roster.dropUnused()
    }

    /// Gives a furnace without a champion the fleet's champion (the model that serves the most furnaces, else the
    /// newest model not adapted to one furnace).
    func ensureChampion(for device: String, onboarding: Bool) async {
        do {
            let deployments = try await registry.deployments()
            guard !deployments.contains(where: { $0.device == device && $0.role == .champion }) else { return }
            let counts = Dictionary(grouping: deployments.filter { $0.role == .champion }, by: \.version)
                .mapValues(\.count)
            let unadapted = try await registry.allModels().last(where: { $0.targetDevice == nil })?.version
            guard let fleet = counts.max(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key ?? unadapted else {
                return
            }
            try await registry.assignChampion(
                fleet, to: [device], kind: onboarding ? .onboarded : .deployed,
                summary: onboarding
                    ? "\(device) onboarded: served by the fleet's champion v\(fleet) until a model adapted to it wins"
                    : "\(device) served by v\(fleet)",
                at: clock.now())
        } catch {
            logger.error("no champion assigned", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }
}
