import Drift
import Glibc
import Plant
import SQLite
import Support
import Trees

extension AdaptiveLoop {
    /// Readies the models: the training data, and when the registry is empty the first champion — imported from
    /// `<models>/initial.json`, or trained on `training_data` — for every furnace known at start.
    public func bootstrap() async throws {
        history = try Self.loadHistory(configuration.trainingData)
        if !history.isEmpty {
            logger.info(
                "training data", metadata: ["rows": "\(history.count)", "file": "\(configuration.trainingData ?? "")"])
        }
        deployments = try await store.deployments()
        guard try await store.models().isEmpty else { return }
        let now = clock.now()
        let initial = configuration.modelsFolder + "/initial.json"
        let version = try await store.nextModelVersion()
        if access(initial, F_OK) == 0 {
            do {
                let model = try TreeModel.load(from: initial)
                defer { ProcessUsage.releaseFreedMemory() }
                let predictor = try MinimumPressurePredictor(version: version, model: model, attributes: attributeNames)
                let entry = ModelEntry(
                    version: version, parent: nil, state: "candidate",
                    algorithm: model.metadata?.algorithm ?? "xgboost", weighting: "imported", targetDevice: nil,
                    file: "initial.json", checksum: model.checksum, featureSchema: PumpingEventFeatures.schema,
                    created: now, dataWindow: JSONValue.object(["source": .string(initial)]).serialized,
                    parameters: JSONValue.object((model.metadata?.parameters ?? [:]).mapValues { .string($0) })
                        .serialized,
                    offlineMetrics: "{}", note: "imported at first start")
                try await register(
                    entry, reference: Self.sample(history.map { ($0.origin, $0.features) }, count: 600),
                    decision: (
                        "imported", "model v\(version) imported from \(initial)", .object(["file": .string(initial)])
                    ))
                predictors[version] = predictor
                try await makeFleetChampion(version, reason: "first model")
                return
            } catch {
                logger.error("initial model rejected", metadata: ["file": "\(initial)", "error": "\(error)"])
                try await store.recordDecision(
                    kind: "rejected", device: nil, modelVersion: nil, summary: "\(initial) rejected: \(error)",
                    details: .object(["file": .string(initial), "error": .string("\(error)")]), at: now)
            }
        }
        if !history.isEmpty {
            let request = CandidateRequest(
                source: history, target: [], own: [], featureNames: featureNames(), weighting: .none,
                policy: configuration.policy, createdAt: PlantTime.iso8601(now))
            do {
                let result = try await trainer.train(request)
                let version = try await store.nextModelVersion()
                try await saveCandidate(
                    result, version: version, parent: nil, target: nil, weighting: "none",
                    reference: Self.sample(history.map { ($0.origin, $0.features) }, count: 600),
                    trigger: "first model from \(configuration.trainingData ?? "")")
                try await makeFleetChampion(version, reason: "first model")
                return
            } catch {
                logger.error("first model could not be trained", metadata: ["error": "\(error)"])
            }
        }
        try await store.recordDecision(
            kind: "fallback", device: nil, modelVersion: nil,
            summary:
                "no model yet: alarms come from the fallback rule (\(configuration.policy.fallbackFactor) × pressure from \(configuration.policy.alarmFromSeconds) s)",
            details: .object([:]), at: now,
            messages: [
                AlarmMessages.decision(
                    kind: "fallback", device: nil, modelVersion: nil, summary: "no model yet: fallback rule",
                    details: .object([:]),
                    time: now, topics: topics)
            ])
        messagesQueued()
    }

    /// The model features: the dynamic features and every furnace's attributes (sorted).
    func featureNames() -> [String] {
        PumpingEventFeatures.names(attributes: Array(attributeNames))
    }

    /// The predictor of a version, loading its file on first use; nil (and a recorded reason) when unusable.
    func predictor(_ version: Int) async -> MinimumPressurePredictor? {
        if let cached = predictors[version] { return cached }
        guard unusableModels[version] == nil else { return nil }
        do {
            guard let entry = try await store.models().first(where: { $0.version == version }) else {
                unusableModels[version] = "not in the registry"
                return nil
            }
            let model = try TreeModel.load(from: configuration.modelsFolder + "/" + entry.file)
            ProcessUsage.releaseFreedMemory()
            guard model.checksum == entry.checksum else {
                throw ModelError(
                    .checksumMismatch(expected: entry.checksum, computed: model.checksum), file: entry.file)
            }
            let predictor = try MinimumPressurePredictor(version: version, model: model, attributes: attributeNames)
            predictors[version] = predictor
            return predictor
        } catch {
            unusableModels[version] = "\(error)"
            logger.error("model unusable, falling back", metadata: ["model": "\(version)", "error": "\(error)"])
            let now = clock.now()
            try? await store.recordDecision(
                kind: "rejected", device: nil, modelVersion: version,
                summary: "model v\(version) cannot be used (\(error)); its furnaces use the fallback rule",
                details: .object(["error": .string("\(error)")]), at: now,
                messages: [
                    AlarmMessages.decision(
                        kind: "rejected", device: nil, modelVersion: version,
                        summary: "model v\(version) cannot be used",
                        details: .object(["error": .string("\(error)")]), time: now, topics: topics)
                ])
            messagesQueued()
            return nil
        }
    }

    /// Gives a furnace without a champion the fleet's champion (the model that serves the most furnaces).
    func ensureChampion(for device: String, onboarding: Bool) async {
        do {
            deployments = try await store.deployments()
            guard !deployments.contains(where: { $0.device == device && $0.role == "champion" }) else { return }
            let counts = Dictionary(grouping: deployments.filter { $0.role == "champion" }, by: \.version).mapValues(
                \.count)
            let now = clock.now()
            let unadapted = try await store.models().last(where: { $0.targetDevice == nil })?.version
            guard let fleet = counts.max(by: { ($0.value, $0.key) < ($1.value, $1.key) })?.key ?? unadapted else {
                return
            }
            let summary =
                onboarding
                ? "\(device) onboarded: served by the fleet's champion v\(fleet) until a model adapted to it wins"
                : "\(device) served by v\(fleet)"
            try await store.deploy(
                [.champion(device: device, version: fleet, previous: nil)],
                decision: (onboarding ? "onboarded" : "deployed", summary, .object(["model": .number(Double(fleet))])),
                device: device, version: fleet,
                messages: [
                    AlarmMessages.decision(
                        kind: onboarding ? "onboarded" : "deployed", device: device, modelVersion: fleet,
                        summary: summary,
                        details: .object([:]), time: now, topics: topics)
                ], at: now)
            deployments = try await store.deployments()
            messagesQueued()
            narrate("\(PlantTime.readable(now))  \(device)  \(summary)")
        } catch {
            logger.error("no champion assigned", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    /// Makes a model the champion of every furnace.
    func makeFleetChampion(_ version: Int, reason: String) async throws {
        let now = clock.now()
        let changes = furnaces.keys.sorted().map {
            DeploymentChange.champion(device: $0, version: version, previous: nil)
        }
        let summary =
            "model v\(version) is the champion of \(furnaces.keys.sorted().joined(separator: ", ")) (\(reason))"
        try await store.deploy(
            changes, decision: ("deployed", summary, .object([:])), device: nil, version: version,
            messages: [
                AlarmMessages.decision(
                    kind: "deployed", device: nil, modelVersion: version, summary: summary, details: .object([:]),
                    time: now, topics: topics)
            ],
            at: now)
        deployments = try await store.deployments()
        messagesQueued()
        narrate("\(PlantTime.readable(now))  \(summary)")
    }

    /// Writes a trained candidate's file and registers it.
    func saveCandidate(
        _ result: CandidateResult, version: Int, parent: Int?, target: String?, weighting: String,
        reference: [(origin: String, features: [String: Double])], trigger: String
    ) async throws {
        let file = "model-\(version).json"
        try TextFile.writeDurably(result.model.json(), to: configuration.modelsFolder + "/" + file, createFolder: true)
        var metrics = result.metrics.mapValues { JSONValue.number($0) }
        metrics["source_rows"] = .number(Double(result.sourceRows))
        metrics["own_rows"] = .number(Double(result.ownRows))
        let window = JSONValue.object([
            "trigger": .string(trigger), "source_rows": .number(Double(result.sourceRows)),
            "own_rows": .number(Double(result.ownRows)), "weights": .object(result.weighting.mapValues { .number($0) }),
        ])
        let entry = ModelEntry(
            version: version, parent: parent, state: "candidate", algorithm: configuration.policy.algorithm.rawValue,
            weighting: weighting, targetDevice: target, file: file, checksum: result.model.checksum,
            featureSchema: PumpingEventFeatures.schema, created: clock.now(), dataWindow: window.serialized,
            parameters: JSONValue.object((result.model.metadata?.parameters ?? [:]).mapValues { .string($0) })
                .serialized,
            offlineMetrics: JSONValue.object(metrics).serialized, note: trigger)
        let summary =
            "candidate v\(version)\(target.map { " for \($0)" } ?? "") trained (\(weighting) weights, \(result.sourceRows) history rows, \(result.ownRows) own rows): \(trigger)"
        try await register(entry, reference: reference, decision: ("candidate", summary, window))
        predictors[version] = try? MinimumPressurePredictor(
            version: version, model: result.model, attributes: attributeNames)
    }

    private func register(
        _ entry: ModelEntry, reference: [(origin: String, features: [String: Double])],
        decision: (String, String, JSONValue)
    ) async throws {
        let now = clock.now()
        try await store.registerModel(
            entry, reference: reference, decision: decision,
            messages: [
                AlarmMessages.decision(
                    kind: decision.0, device: entry.targetDevice, modelVersion: entry.version, summary: decision.1,
                    details: decision.2, time: now, topics: topics)
            ], at: now)
        messagesQueued()
        narrate("\(PlantTime.readable(now))  \(decision.1)")
    }

    /// Labeled rows from a history CSV (`hearth-sim history`, or exported plant data): every column but the target
    /// is a feature, except `device` and `event` (from `hearth-sim history --ids`), which say where a row comes from.
    static func loadHistory(_ path: String?) throws -> [LabeledRow] {
        guard let path else { return [] }
        let table = try CSVTable(contentsOfFile: path)
        guard let target = table.columnIndex(named: PumpingEventFeatures.target) else {
            throw AgentStartError("\(path) has no \(PumpingEventFeatures.target) column")
        }
        let deviceColumn = table.columnIndex(named: "device")
        let skipped = Set([target, deviceColumn, table.columnIndex(named: "event")].compactMap { $0 })
        var rows: [LabeledRow] = []
        let names = table.columnNames
        for row in 0..<table.rowCount {
            var features: [String: Double] = [:]
            for column in names.indices where !skipped.contains(column) {
                features[names[column]] = Double(try table.number(row: row, column: column))
            }
            let minimum = Double(try table.number(row: row, column: target))
            guard minimum.isFinite, minimum > 0 else { continue }
            let origin = deviceColumn.map { table.cell(row: row, column: $0) } ?? "history"
            rows.append(LabeledRow(features: features, minimum: minimum, origin: origin))
        }
        return rows
    }

    /// A sample of at most `count` rows, spread over the whole set without following its order (rows come in
    /// groups of checkpoints, so an even stride would pick the same checkpoint every time).
    static func sample<Row>(_ rows: [Row], count: Int) -> [Row] {
        guard rows.count > count else { return rows }
        var random = SeededGenerator(seed: UInt64(rows.count))
        var indices = Array(rows.indices)
        for index in 0..<count {
            let other = index + Int(random.next() % UInt64(rows.count - index))
            indices.swapAt(index, other)
        }
        return indices.prefix(count).sorted().map { rows[$0] }
    }
}
