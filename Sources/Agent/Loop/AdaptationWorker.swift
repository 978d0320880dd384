import Drift
import Glibc
public import Logging
public import Plant
public import Support
import Synchronization

/// Everything the agent does after a furnace's event got its label, one furnace at a time and off the polling
/// path: judge its shadows and a new champion under watch (``PromotionPolicy``), watch its champion's error for
/// concept drift (``ConceptDriftMonitor``), check it for covariate drift (``DriftMonitor``), and build a candidate
/// when the ``CandidateSchedule`` says one is due (``CandidateBuilder``).
///
/// A service: ``run()`` takes the jobs in order until cancelled. Heavy work runs on threads of its own (drift checks
/// on the worker's, training on the trainer's), never on Swift's cooperative pool.
public actor AdaptationWorker: Service {
    public nonisolated let name = "adaptation"
    let store: AgentStore
    let registry: ModelRegistry
    let builder: CandidateBuilder
    let policy: AgentPolicy
    let logger: Logger
    let clock: any PlantClock
    let promotion: PromotionPolicy
    let drift: DriftMonitor
    let conceptDrift: ConceptDriftMonitor
    let schedule: CandidateSchedule
    let alarmPolicy: AlarmPolicy
    /// The feature names of models trained now (dynamic features and every furnace's attributes).
    private var featureNames: [String]
    private var states: [String: FurnaceAdaptationState] = [:]
    private var knownDevices: Set<String> = []
    private let executor = DedicatedThreadExecutor(name: "adaptation")
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation
    private let outstanding = Mutex(0)
    private let activity: AgentActivity

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    enum Job: Sendable {
        case labeled(device: String)
        case added(device: String, onboarding: Bool)
        case removed(device: String)
        case features([String])
    }

    public init(
        store: AgentStore, registry: ModelRegistry, builder: CandidateBuilder, policy: AgentPolicy,
        featureNames: [String], clock: any PlantClock, logger: Logger, activity: AgentActivity
    ) {
        self.clock = clock
        self.store = store
        self.registry = registry
        self.builder = builder
        self.policy = policy
        self.featureNames = featureNames
        self.logger = logger
        self.activity = activity
        promotion = PromotionPolicy(policy: policy)
        drift = DriftMonitor(policy: policy)
        conceptDrift = ConceptDriftMonitor(policy: policy)
        schedule = CandidateSchedule(policy: policy)
        alarmPolicy = policy.alarmPolicy
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
    }

    deinit { executor.shutdown() }

    /// Jobs queued and not yet done.
    public nonisolated var pending: Int { outstanding.withLock { $0 } }

    /// An event of the furnace got its label.
    public nonisolated func labelArrived(device: String) { enqueue(.labeled(device: device)) }

    /// A furnace is followed (at start, or onboarded).
    public nonisolated func furnaceAdded(_ device: String, onboarding: Bool) {
        enqueue(.added(device: device, onboarding: onboarding))
    }

    /// A furnace is no longer followed.
    public nonisolated func furnaceRemoved(_ device: String) { enqueue(.removed(device: device)) }

    /// Models trained from now on use these features (an onboarded furnace may bring new attributes).
    public nonisolated func useFeatures(_ names: [String]) { enqueue(.features(names)) }

    private nonisolated func enqueue(_ job: Job) {
        outstanding.withLock { $0 += 1 }
        activity.changed()
        submit.yield(job)
    }

    /// Loads the kept furnace states (a restart resumes the schedule, the onboarding flags and the drift verdicts).
    public func restore() async throws {
        states = try await store.furnaceStates()
    }

    /// A furnace's kept state.
    public func state(of device: String) -> FurnaceAdaptationState? { states[device] }

    /// Every furnace's kept state.
    public func allStates() -> [String: FurnaceAdaptationState] { states }

    /// Takes the jobs until cancelled.
    public func run() async {
        for await job in jobs {
            if Task.isCancelled { break }
            await handle(job)
            outstanding.withLock { $0 -= 1 }
            activity.changed()
        }
    }

    /// Stops taking jobs (the ones queued are dropped: each is redone from the database at the next label).
    public nonisolated func finish() { submit.finish() }

    private func handle(_ job: Job) async {
        switch job {
        case .added(let device, let onboarding):
            knownDevices.insert(device)
            if states[device] == nil
                || (onboarding && states[device]?.onboarding == false && states[device]?.candidates == 0)
            {
                var state = states[device] ?? FurnaceAdaptationState()
                state.onboarding = state.onboarding || onboarding
                await save(state, for: device, decisions: [])
            }
        case .removed(let device):
            knownDevices.remove(device)
        case .features(let names):
            featureNames = names
        case .labeled(let device):
            guard knownDevices.contains(device) else { return }
            do {
                try await afterLabel(device)
            } catch {
                logger.error("adaptation step failed", metadata: ["device": "\(device)", "error": "\(error)"])
            }
        }
    }

    private func afterLabel(_ device: String) async throws {
        let now = clock.now()
        let waiting = try await judgeShadows(device, at: now)
        try await judgeWatch(device, at: now)
        var state = states[device] ?? FurnaceAdaptationState()
        var decisions: [Decision] = []
        var checks: [DriftCheckRecord] = []
        let deployments = try await registry.deployments()
        guard let champion = deployments.first(where: { $0.device == device && $0.role == .champion }) else { return }

        // Concept drift: the champion's error stream since it took over (or since the last signal).
        var conceptSignal = false
        let since = max(champion.since, state.conceptDriftAt ?? .min)
        let errors = try await championErrors(device, champion: champion.version, since: since)
        if let index = conceptDrift.signal(in: errors) {
            conceptSignal = true
            state.conceptDriftAt = now
            let recent = errors.suffix(from: index).prefix(10)
            decisions.append(
                Decision(
                    .conceptDrift, device: device, model: champion.version,
                    summary:
                        "concept drift on \(device): v\(champion.version)'s mean log error rose from \(Self.short(Self.mean(Array(errors.prefix(index))))) "
                        + "to \(Self.short(Self.mean(Array(recent)))) over \(errors.count) events (Page–Hinkley λ = \(NumberFormat.exact(conceptDrift.threshold)))",
                    details: .object([
                        "events": .number(Double(errors.count)), "signal_at_event": .number(Double(index)),
                        "threshold": .number(conceptDrift.threshold),
                        "errors": .array(errors.map { .number($0) }),
                    ]), at: now))
        }

        // Covariate drift, on fresh events only.
        let labeled = try await store.labeledEventCount(device: device)
        if drift.isDue(state.drift, labeledEvents: labeled) {
            let events = try await store.events(device: device, labeledOnly: true, limit: drift.window)
            let reference = try await store.reference(of: champion.version)
            let outcome = drift.check(device: device, events: events.map(\.features), reference: reference)
            let (next, change) = drift.record(
                outcome, into: state.drift, labeledEvents: labeled, onboarding: state.onboarding, at: now)
            state.drift = next
            switch outcome {
            case .checked(let summary):
                checks.append(
                    DriftCheckRecord(
                        device: device, time: now, modelVersion: champion.version,
                        verdict: summary.flagged ? .drift : .noDrift, details: JSONValue(encoding: summary)))
            case .skipped(let reason):
                checks.append(
                    DriftCheckRecord(
                        device: device, time: now, modelVersion: champion.version, verdict: .skipped,
                        details: .object(["reason": .string(reason)])))
                decisions.append(
                    Decision(
                        .driftCheckSkipped, device: device, model: champion.version,
                        summary: "drift check of \(device) skipped: \(reason)",
                        details: .object(["reason": .string(reason)]), at: now))
            }
            if case .checked(let summary) = outcome, change != .none {
                let confirmed = change == .driftConfirmed
                decisions.append(
                    Decision(
                        confirmed ? .drift : .driftCleared, device: device, model: champion.version,
                        summary: confirmed
                            ? "drift on \(device) against v\(champion.version)'s training data (\(summary.reference) reference, "
                                + "\(state.drift.consecutiveFlags) check\(state.drift.consecutiveFlags == 1 ? "" : "s") in a row at α = \(NumberFormat.exact(summary.alpha))): "
                                + "classifier AUC \(Self.short(summary.classifierAUC)), MMD p \(NumberFormat.probability(summary.mmdPValue))"
                                + (summary.driftedFeatures.isEmpty
                                    ? "" : ", features \(summary.driftedFeatures.prefix(4).joined(separator: ", "))")
                            : "\(device) no longer drifts against v\(champion.version)'s training data",
                        details: JSONValue(encoding: summary), at: now))
            }
        }

        // A candidate when one is due, in place of the weakest shadow when all are taken.
        let shadows = deployments.filter { $0.device == device && $0.role == .shadow }.map {
            CandidateSchedule.ShadowStanding(version: $0.version, evidence: waiting[$0.version])
        }
        let adapted = try await registry.model(champion.version)?.targetDevice == device
        let events = try await store.eventCount(device: device)
        let situation = CandidateSchedule.Situation(
            state: state, events: events, ownLabeled: labeled, championAdapted: adapted, shadows: shadows,
            conceptDrift: conceptSignal)
        let trigger = schedule.due(situation)
        if trigger != nil {
            state.ownEventsAtLastCandidate = max(labeled, 1)
            state.candidates += 1
        }
        await save(state, for: device, decisions: decisions, checks: checks, at: now)
        if trigger != nil, let weakest = schedule.superseded(situation), var evidence = waiting[weakest.version] {
            evidence.rule =
                "superseded by a candidate on \(labeled) own labeled events: \(device) has \(CandidateSchedule.maximumShadows) shadows and this one had the least evidence (e-value \(NumberFormat.fixed(weakest.eValue, decimals: 2, trimmingZeros: true)) after \(weakest.events) events)"
            try await registry.withdraw(
                weakest.version, from: device, kind: .shadowRejected, evidence: evidence, at: now)
        }
        if let trigger {
            do {
                _ = try await builder.build(
                    for: device, parent: champion.version, ownEvents: labeled, trigger: trigger.description,
                    featureNames: featureNames,
                    at: now)
            } catch {
                try? await registry.journal.record(
                    Decision(
                        .candidateFailed, device: device, summary: "no candidate for \(device): \(error)",
                        details: .object(["error": .string("\(error)"), "trigger": .string(trigger.description)]),
                        at: now))
            }
        }
    }

    /// Judges the furnace's shadows; returns the evidence of those that wait (none after a promotion).
    private func judgeShadows(_ device: String, at now: Int64) async throws -> [Int: PromotionPolicy.Evidence] {
        let deployments = try await registry.deployments()
        guard let champion = deployments.first(where: { $0.device == device && $0.role == .champion }) else {
            return [:]
        }
        var waiting: [Int: PromotionPolicy.Evidence] = [:]
        for shadow in deployments where shadow.device == device && shadow.role == .shadow {
            let comparison = try await compare(
                device, challenger: shadow.version, incumbent: champion.version, since: shadow.since, backtest: true)
            switch promotion.judge(shadow: comparison) {
            case .wait(let evidence): waiting[shadow.version] = evidence
            case .promote(let evidence):
                try await registry.promote(shadow.version, on: device, evidence: evidence, at: now)
                return [:]
            case .reject(let evidence):
                try await registry.withdraw(
                    shadow.version, from: device, kind: .shadowRejected, evidence: evidence, at: now)
            }
        }
        return waiting
    }

    private func judgeWatch(_ device: String, at now: Int64) async throws {
        let deployments = try await registry.deployments()
        guard let champion = deployments.first(where: { $0.device == device && $0.role == .champion }),
            let watch = deployments.first(where: { $0.device == device && $0.role == .watch })
        else { return }
        let comparison = try await compare(
            device, challenger: champion.version, incumbent: watch.version, since: champion.since)
        switch promotion.judge(watch: comparison) {
        case .wait: return
        case .confirm(let evidence): try await registry.confirm(device: device, evidence: evidence, at: now)
        case .rollback(let evidence): try await registry.rollBack(device: device, evidence: evidence, at: now)
        }
    }

    /// Two models on a furnace's labeled events since a time, event by event; with `backtest`, also on the
    /// challenger's backtested events before it (see ``CandidateBuilder``), where the incumbent predicted them.
    func compare(
        _ device: String, challenger: Int, incumbent: Int, since: Int64, backtest: Bool = false
    ) async throws -> LiveComparison {
        var rows = try await store.labeledPredictions(
            device: device, models: [challenger, incumbent], since: since, fromCheckpoint: policy.alarmFromSeconds)
        if backtest {
            let earlier = try await store.backtestPredictions(
                model: challenger, fromCheckpoint: policy.alarmFromSeconds
            )
            .filter { $0.eventStart < since }
            if let first = earlier.map(\.eventStart).min() {
                let events = Set(earlier.map(\.eventID))
                let incumbentRows = try await store.labeledPredictions(
                    device: device, models: [incumbent], since: first, fromCheckpoint: policy.alarmFromSeconds
                ).filter { events.contains($0.eventID) && $0.eventStart < since }
                rows = earlier + incumbentRows + rows
            }
        }
        return LiveComparison(
            device: device, challenger: challenger, incumbent: incumbent, rows: rows,
            fromCheckpoint: policy.alarmFromSeconds, policy: alarmPolicy)
    }

    /// The champion's mean log error per labeled event since a time, in event order.
    private func championErrors(_ device: String, champion: Int, since: Int64) async throws -> [Double] {
        let rows = try await store.labeledPredictions(
            device: device, models: [champion], since: since, fromCheckpoint: policy.alarmFromSeconds)
        var byEvent: [(Int64, [Double])] = []
        for row in rows where row.minimum > 0 && row.predicted > 0 {
            let error = abs(log(row.predicted / row.minimum))
            if byEvent.last?.0 == row.eventID {
                byEvent[byEvent.count - 1].1.append(error)
            } else {
                byEvent.append((row.eventID, [error]))
            }
        }
        return byEvent.map { Self.mean($0.1) }
    }

    private func save(
        _ state: FurnaceAdaptationState, for device: String, decisions: [Decision], checks: [DriftCheckRecord] = [],
        at time: Int64? = nil
    ) async {
        states[device] = state
        var entry = JournalEntry()
        entry.furnaceStates = [device: state]
        entry.decisions = decisions
        entry.driftChecks = checks
        do {
            try await registry.journal.record(entry, at: time ?? clock.now())
        } catch {
            logger.error("furnace state not saved", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    static func short(_ value: Double) -> String { NumberFormat.fixed(value, decimals: 3, trimmingZeros: true) }
}
