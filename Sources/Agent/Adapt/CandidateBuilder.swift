import Plant
import Support
import Trees

/// Builds a furnace's candidate from what the agent has: the labeled history of the other furnaces (the training
/// data file and their stored events), the furnace's own recent events (the distribution to reweight toward) and
/// its own labeled events; trains it on the trainer's thread, writes its file, registers it and starts it in shadow.
public struct CandidateBuilder: Sendable {
    let store: AgentStore
    let registry: ModelRegistry
    let trainer: CandidateTrainer
    let policy: AgentPolicy
    let modelsFolder: String
    /// The labeled rows of the training data file.
    let history: [LabeledRow]

    /// The most source rows a candidate trains on (a sample of the history and the other furnaces' events).
    public static let sourceRows = 2500
    /// The furnace's most recent events whose rows the history is reweighted toward.
    public static let targetEvents = 40

    public init(
        store: AgentStore, registry: ModelRegistry, trainer: CandidateTrainer, policy: AgentPolicy,
        modelsFolder: String, history: [LabeledRow]
    ) {
        self.store = store
        self.registry = registry
        self.trainer = trainer
        self.policy = policy
        self.modelsFolder = modelsFolder
        self.history = history
    }

    /// The request for a furnace's candidate, from the stored events.
    public func request(for device: String, featureNames: [String], at time: Int64) async throws -> CandidateRequest {
        request(for: device, from: try await store.events(limit: 20_000), featureNames: featureNames, at: time)
    }

    /// The request for a furnace's candidate from these events (in start order).
    func request(
        for device: String, from events: [StoredEvent], featureNames: [String], at time: Int64
    ) -> CandidateRequest {
        var source = history.filter { $0.origin != device }
        var target: [[String: Double]] = []
        var own: [LabeledRow] = []
        for event in events {
            let rows = event.features.keys.sorted().compactMap { event.features[$0] }
            if event.device == device {
                target += rows
                if let minimum = event.minimum {
                    own += rows.map { LabeledRow(features: $0, minimum: minimum, origin: device) }
                }
            } else if let minimum = event.minimum {
                source += rows.map { LabeledRow(features: $0, minimum: minimum, origin: event.device) }
            }
        }
        target = Array(target.suffix(Self.targetEvents * PumpingEventFeatures.checkpoints.count))
        return CandidateRequest(
            source: Self.sample(source, count: Self.sourceRows, seed: policy.seed), target: target, own: own,
            featureNames: featureNames, weighting: policy.weighting, policy: policy,
            createdAt: PlantTime.iso8601(time))
    }

    /// Trains the first model (no target furnace): the history as it is.
    public func firstModel(featureNames: [String], source: String, at time: Int64) async throws -> Int {
        let request = CandidateRequest(
            source: history, target: [], own: [], featureNames: featureNames, weighting: .none, policy: policy,
            createdAt: PlantTime.iso8601(time))
        let result = try await trainer.train(request)
        defer { ProcessUsage.releaseFreedMemory() }
        return try await save(
            result, parent: nil, target: nil, weighting: "none",
            reference: Self.sample(
                history.map { ReferenceRow(origin: $0.origin, features: $0.features) }, count: 600, seed: 1),
            trigger: "first model from \(source)", method: "trained", at: time)
    }

    /// Whether a candidate for a furnace with this many own labeled events continues from its champion rather than
    /// being trained anew (`continue_below_events`).
    public static func continues(ownEvents: Int, policy: AgentPolicy) -> Bool {
        policy.algorithm == .gbdt && ownEvents < policy.continueBelowEvents
    }

    /// Trains, registers and shadows a candidate for a furnace, with its backtest (``backtest(_:for:events:parent:)``).
    /// - Parameter ownEvents: the furnace's own labeled events (whether the candidate continues from `parent`).
    /// - Returns: its version.
    public func build(
        for device: String, parent: Int?, ownEvents: Int, trigger: String, featureNames: [String], at time: Int64
    ) async throws -> Int {
        let events = try await store.events(limit: 20_000)
        var request = request(for: device, from: events, featureNames: featureNames, at: time)
        var method = "retrained"
        var parentEntry: ModelEntry?
        if let parent { parentEntry = try await registry.model(parent) }
        if Self.continues(ownEvents: ownEvents, policy: policy), let parent, let entry = parentEntry,
            let model = try? TreeModel.load(from: TextFile.join(modelsFolder, entry.file)),
            case .gradientBoosted(let boosted) = model, boosted.featureNames == featureNames,
            boosted.metadata?.targetName == MinimumPressurePredictor.ratioTargetName
        {
            request.continuing = model
            method = "continued from v\(parent)"
        }
        let result = try await trainer.train(request)
        var procedure = request
        // The backtest repeats the procedure as it turned out: `auto`'s choice is not made again for every event.
        procedure.weighting = result.weightingUsed
        let backtest = try await backtest(procedure, for: device, events: events, parent: parentEntry)
        defer { ProcessUsage.releaseFreedMemory() }
        let reference = Self.sample(
            request.target.map { ReferenceRow(origin: device, features: $0) }, count: 600, seed: policy.seed)
        let version = try await save(
            result, parent: parent, target: device,
            weighting: policy.weighting == .auto
                ? "\(result.weightingUsed.rawValue) (chosen by IWCV)" : result.weightingUsed.rawValue,
            reference: reference, trigger: trigger, method: method,
            backtestEvents: Set(backtest.map(\.event)).count, at: time)
        try await store.saveBacktest(model: version, predictions: backtest)
        try await registry.addShadow(version, on: device, trigger: trigger, at: time)
        return version
    }

    /// The candidate's procedure backtested: for each of the furnace's latest `backtest_events` labeled events that
    /// its parent never saw (started after the parent was made) and that have at least two own labeled events
    /// before them, the same request built from the events before that one only — trained the same way (the
    /// weighting `auto` chose for the candidate), continuing from the same parent — predicts that event's
    /// checkpoints. Every model predicts an event it was not trained
    /// on, so the predictions are evidence about the procedure, judged with the shadow's live ones.
    func backtest(
        _ request: CandidateRequest, for device: String, events: [StoredEvent], parent: ModelEntry?
    ) async throws -> [(event: Int64, checkpoint: Int, predicted: Double)] {
        guard policy.backtestEvents > 0 else { return [] }
        let own = events.filter { $0.device == device && $0.minimum != nil }
        let unseenAfter = parent?.created ?? .min
        let chosen = own.enumerated().filter { index, event in index >= 2 && event.start > unseenAfter }
            .suffix(policy.backtestEvents)
        var predictions: [(event: Int64, checkpoint: Int, predicted: Double)] = []
        for (_, event) in chosen {
            var earlier = self.request(
                for: device, from: events.filter { $0.start < event.start }, featureNames: request.featureNames,
                at: event.start)
            earlier.continuing = request.continuing
            earlier.weighting = request.weighting
            guard let trained = try? await trainer.train(earlier),
                let predictor = try? MinimumPressurePredictor(
                    version: 0, model: trained.model, attributes: Set(request.featureNames))
            else { continue }
            for (checkpoint, features) in event.features.sorted(by: { $0.key < $1.key }) {
                if let predicted = predictor.predict(features) {
                    predictions.append((event.id, checkpoint, predicted))
                }
            }
        }
        return predictions
    }

    /// Writes a trained model's file and registers it.
    func save(
        _ result: CandidateResult, parent: Int?, target: String?, weighting: String, reference: [ReferenceRow],
        trigger: String, method: String, backtestEvents: Int = 0, at time: Int64
    ) async throws -> Int {
        let version = try await registry.nextVersion()
        let file = "model-\(version).json"
        try TextFile.writeDurably(result.model.json(), to: TextFile.join(modelsFolder, file), createFolder: true)
        var metrics = result.metrics.mapValues { JSONValue.number($0) }
        metrics["source_rows"] = .number(Double(result.sourceRows))
        metrics["own_rows"] = .number(Double(result.ownRows))
        let window = JSONValue.object([
            "trigger": .string(trigger), "method": .string(method),
            "source_rows": .number(Double(result.sourceRows)),
            "own_rows": .number(Double(result.ownRows)), "weights": .object(result.weighting.mapValues { .number($0) }),
            "backtest_events": .number(Double(backtestEvents)),
        ])
        let entry = ModelEntry(
            version: version, parent: parent, state: .candidate, algorithm: policy.algorithm.rawValue,
            weighting: weighting, targetDevice: target, file: file, checksum: result.model.checksum,
            featureSchema: PumpingEventFeatures.schema, created: time, dataWindow: window,
            parameters: .object((result.model.metadata?.parameters ?? [:]).mapValues { .string($0) }),
            offlineMetrics: .object(metrics), note: trigger)
        let backtested = backtestEvents > 0 ? ", backtested on \(backtestEvents) earlier events" : ""
        let summary =
            "candidate v\(version)\(target.map { " for \($0)" } ?? "") \(method) (\(weighting) weights, \(result.sourceRows) history rows, \(result.ownRows) own rows\(backtested)): \(trigger)"
        try await registry.register(
            ModelRegistration(entry: entry, reference: reference),
            decision: Decision(.candidate, device: target, model: version, summary: summary, details: window, at: time))
        return version
    }

    /// A sample of at most `count` rows, spread over the whole set without following its order (rows come in
    /// groups of checkpoints, so an even stride would pick the same checkpoint every time).
    public static func sample<Row>(_ rows: [Row], count: Int, seed: UInt64) -> [Row] {
        guard rows.count > count else { return rows }
        var random = SeededGenerator(seed: seed, UInt64(rows.count))
        return random.sample(count, from: rows.count).sorted().map { rows[$0] }
    }
}
