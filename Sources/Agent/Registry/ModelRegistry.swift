import Plant
import Support

/// The one way models get registered and deployments change — promote, roll back, shadow, withdraw, confirm — for
/// the agent's loop and the command line alike: the same checks, the same decisions with the same sentences,
/// recorded through the ``DecisionJournal`` (one transaction with the audit row and its message).
///
/// It keeps the deployments the agent serves from; a change another process wrote (the command line beside a
/// running agent) is picked up at the next ``deployments()`` call.
public actor ModelRegistry {
    let store: AgentStore
    public let journal: DecisionJournal
    private var current: [Deployment] = []
    private var models: [Int: ModelEntry] = [:]
    private var seenDataVersion: Int64 = -1
    /// Increases with every change of the deployments, whoever made it.
    public private(set) var generation = 0

    public init(journal: DecisionJournal) {
        self.journal = journal
        store = journal.store
    }

    /// The deployments now, reloaded when the database changed under this process.
    public func deployments() async throws -> [Deployment] {
        let version = try await store.dataVersion()
        if version != seenDataVersion {
            seenDataVersion = version
            try await reload()
        }
        return current
    }

    /// A registered model.
    public func model(_ version: Int) async throws -> ModelEntry? {
        if let model = models[version] { return model }
        try await reload()
        return models[version]
    }

    /// Every registered model, oldest first.
    public func allModels() async throws -> [ModelEntry] {
        _ = try await deployments()
        return models.values.sorted { $0.version < $1.version }
    }

    private func reload() async throws {
        let deployments = try await store.deployments()
        if deployments != current { generation += 1 }
        current = deployments
        models = Dictionary(uniqueKeysWithValues: try await store.models().map { ($0.version, $0) })
    }

    // MARK: Registering

    /// The next free version.
    public func nextVersion() async throws -> Int { try await store.nextModelVersion() }

    /// Registers a model whose file is written, with its reference sample; records `decision`.
    public func register(_ registration: ModelRegistration, decision: Decision) async throws {
        var entry = JournalEntry()
        entry.registrations = [registration]
        try await journal.record(decision, changing: entry)
        try await reload()
    }

    // MARK: Deployments

    /// Makes a model the champion of furnaces that have none or should change (the first model; a furnace joining
    /// the fleet).
    public func assignChampion(
        _ version: Int, to devices: [String], kind: DecisionKind, summary: String, at time: Int64
    ) async throws {
        try await requireModel(version)
        var entry = JournalEntry()
        entry.deploymentChanges = devices.map { .champion(device: $0, version: version, previous: nil) }
        try await journal.record(
            Decision(
                kind, device: devices.count == 1 ? devices[0] : nil, model: version, summary: summary,
                details: .object(["devices": .array(devices.map { .string($0) })]), at: time),
            changing: entry)
        try await reload()
    }

    /// Starts a candidate predicting beside a furnace's champion.
    public func addShadow(_ version: Int, on device: String, trigger: String, at time: Int64) async throws {
        try await requireModel(version)
        let champion = try await deployments().first { $0.device == device && $0.role == .champion }?.version
        var entry = JournalEntry()
        entry.deploymentChanges = [.beside(device: device, version: version, role: .shadow)]
        try await journal.record(
            Decision(
                .shadow, device: device, model: version,
                summary:
                    "v\(version) predicts in shadow on \(device) beside champion \(champion.map { "v\($0)" } ?? "none") (\(trigger))",
                at: time),
            changing: entry)
        try await reload()
    }

    /// Makes a model the champion of a furnace; the champion it replaces keeps predicting beside it (`watch`) until
    /// the new one is confirmed or rolled back.
    /// - Parameter evidence: the judgement behind it; nil for a promotion by hand.
    /// - Throws: ``RegistryError`` for an unknown device or model, or a model that is already the champion.
    @discardableResult
    public func promote(
        _ version: Int, on device: String, evidence: PromotionPolicy.Evidence?, at time: Int64
    ) async throws -> Decision {
        try await requireDevice(device)
        try await requireModel(version)
        let deployments = try await deployments()
        let previous = deployments.first { $0.device == device && $0.role == .champion }?.version
        guard previous != version else { throw RegistryError("v\(version) is already the champion of \(device)") }
        var entry = JournalEntry()
        // One watch at a time: an earlier watch ends with this promotion.
        entry.deploymentChanges =
            deployments.filter { $0.device == device && $0.role == .watch }.map {
                .withdraw(device: device, version: $0.version)
            } + [.champion(device: device, version: version, previous: previous)]
            + (previous.map { [.beside(device: device, version: $0, role: .watch)] } ?? [])
        let summary: String
        if let evidence {
            summary =
                "v\(version) promoted on \(device): cost \(Self.cost(evidence.challengerMeanCost)) vs "
                + "\(Self.cost(evidence.incumbentMeanCost)) for v\(evidence.incumbent) over \(evidence.events) events "
                + "(MAPE \(NumberFormat.percent(evidence.challengerMAPEPercent)) vs \(NumberFormat.percent(evidence.incumbentMAPEPercent)), "
                + "missed failures \(evidence.challengerMissed) vs \(evidence.incumbentMissed), e-value \(Self.cost(evidence.eValue)) ≥ \(Self.cost(1 / evidence.alpha)))"
        } else {
            summary = "v\(version) promoted on \(device) by hand (was \(previous.map { "v\($0)" } ?? "no champion"))"
        }
        let decision = Decision(
            .promotion, device: device, model: version, summary: summary,
            details: Self.details(evidence, previous: previous), at: time)
        try await journal.record(decision, changing: entry)
        try await reload()
        return decision
    }

    /// Gives a furnace back the champion its current one replaced.
    /// - Parameter evidence: the judgement behind it; nil for a rollback by hand.
    /// - Throws: ``RegistryError`` for an unknown device, or a champion that replaced none.
    @discardableResult
    public func rollBack(device: String, evidence: PromotionPolicy.Evidence?, at time: Int64) async throws -> Decision {
        try await requireDevice(device)
        let deployments = try await deployments()
        guard let champion = deployments.first(where: { $0.device == device && $0.role == .champion }) else {
            throw RegistryError("\(device) has no champion")
        }
        guard let previous = champion.previousChampion else {
            throw RegistryError(
                "v\(champion.version), the champion of \(device), replaced no model: nothing to roll back to")
        }
        var entry = JournalEntry()
        entry.deploymentChanges = [
            .withdraw(device: device, version: previous),
            .champion(device: device, version: previous, previous: nil),
            .withdraw(device: device, version: champion.version),
        ]
        let summary: String
        if let evidence {
            summary =
                "v\(champion.version) rolled back on \(device): cost \(Self.cost(evidence.challengerMeanCost)) vs "
                + "\(Self.cost(evidence.incumbentMeanCost)) for v\(previous) over \(evidence.events) events since its promotion "
                + "(\(evidence.rule)); v\(previous) serves again"
        } else {
            summary = "v\(champion.version) rolled back on \(device) by hand; v\(previous) serves again"
        }
        let decision = Decision(
            .rollback, device: device, model: previous, summary: summary,
            details: Self.details(evidence, previous: champion.version), at: time)
        try await journal.record(decision, changing: entry)
        try await reload()
        return decision
    }

    /// Ends a new champion's watch: it held up, and the one it replaced stops predicting there.
    public func confirm(device: String, evidence: PromotionPolicy.Evidence, at time: Int64) async throws {
        let deployments = try await deployments()
        guard let champion = deployments.first(where: { $0.device == device && $0.role == .champion }) else { return }
        var entry = JournalEntry()
        entry.deploymentChanges = deployments.filter { $0.device == device && $0.role == .watch }.map {
            .withdraw(device: device, version: $0.version)
        }
        try await journal.record(
            Decision(
                .confirmed, device: device, model: champion.version,
                summary:
                    "v\(champion.version) confirmed on \(device) after \(evidence.events) events (cost \(Self.cost(evidence.challengerMeanCost)) "
                    + "vs \(Self.cost(evidence.incumbentMeanCost)) for v\(evidence.incumbent), MAPE "
                    + "\(NumberFormat.percent(evidence.challengerMAPEPercent)) vs \(NumberFormat.percent(evidence.incumbentMAPEPercent))); "
                    + "v\(evidence.incumbent) stops predicting there",
                details: JSONValue(encoding: evidence), at: time),
            changing: entry)
        try await reload()
    }

    /// Stops a model predicting beside a furnace's champion.
    /// - Parameters:
    ///   - kind: `shadow_rejected` (the agent's judgement) or `withdrawn` (by hand).
    ///   - evidence: the judgement behind a rejection.
    /// - Throws: ``RegistryError`` when the model does not predict beside the champion there.
    public func withdraw(
        _ version: Int, from device: String, kind: DecisionKind, evidence: PromotionPolicy.Evidence?, at time: Int64
    ) async throws {
        try await requireDevice(device)
        let deployments = try await deployments()
        guard let deployment = deployments.first(where: { $0.device == device && $0.version == version }) else {
            throw RegistryError("v\(version) does not predict on \(device)")
        }
        guard deployment.role != .champion else {
            throw RegistryError("v\(version) is the champion of \(device): promote another model or roll back instead")
        }
        var entry = JournalEntry()
        entry.deploymentChanges = [.withdraw(device: device, version: version)]
        let summary: String
        if let evidence {
            summary =
                "v\(version) rejected on \(device): cost \(Self.cost(evidence.challengerMeanCost)) vs "
                + "\(Self.cost(evidence.incumbentMeanCost)) for champion v\(evidence.incumbent) over \(evidence.events) events "
                + "(\(evidence.rule))"
        } else {
            summary = "v\(version) withdrawn from \(device) by hand"
        }
        try await journal.record(
            Decision(
                kind, device: device, model: version, summary: summary, details: Self.details(evidence, previous: nil),
                at: time),
            changing: entry)
        try await reload()
    }

    private func requireDevice(_ device: String) async throws {
        let known = try await store.deviceIDs()
        guard known.contains(device) else { throw RegistryError.unknownDevice(device, known: known) }
    }

    private func requireModel(_ version: Int) async throws {
        guard try await model(version) != nil else {
            throw RegistryError.unknownModel(version, newest: models.keys.max())
        }
    }

    static func details(_ evidence: PromotionPolicy.Evidence?, previous: Int?) -> JSONValue {
        guard let evidence else {
            return .object(["manual": .bool(true), "previous": previous.map { .number(Double($0)) } ?? .null])
        }
        return JSONValue(encoding: evidence)
    }

    static func cost(_ value: Double) -> String { NumberFormat.fixed(value, decimals: 3, trimmingZeros: true) }
}
