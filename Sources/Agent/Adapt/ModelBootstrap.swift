import Glibc
import Plant
import Support
import Trees

/// The agent's first model, when the registry is empty: imported from `<models>/initial.json` (Hearth's or
/// XGBoost's JSON), else trained on `training_data`, made the champion of every furnace known at the first start;
/// without either, the fallback rule serves and the audit log says so.
public struct ModelBootstrap: Sendable {
    let registry: ModelRegistry
    let builder: CandidateBuilder
    let modelsFolder: String
    let trainingData: String?
    let policy: AgentPolicy

    public init(
        registry: ModelRegistry, builder: CandidateBuilder, modelsFolder: String, trainingData: String?,
        policy: AgentPolicy
    ) {
        self.registry = registry
        self.builder = builder
        self.modelsFolder = modelsFolder
        self.trainingData = trainingData
        self.policy = policy
    }

    /// The initial model's path.
    public var initialModelPath: String { TextFile.join(modelsFolder, "initial.json") }

    /// Readies the first model if there is none.
    /// - Parameters:
    ///   - devices: the furnaces known now (the first model's furnaces).
    ///   - attributes: every static attribute name the furnaces have (a model may use them as features).
    public func run(devices: [String], attributes: Set<String>, at time: Int64) async throws {
        guard try await registry.allModels().isEmpty else { return }
        if access(initialModelPath, F_OK) == 0 {
            do {
                let version = try await importInitial(attributes: attributes, at: time)
                try await deploy(version, to: devices, at: time)
                return
            } catch {
                try await registry.journal.record(
                    Decision(
                        .initialModelRejected, summary: "\(initialModelPath) rejected: \(error)",
                        details: .object(["file": .string(initialModelPath), "error": .string("\(error)")]), at: time))
            }
        }
        if let trainingData, !builder.history.isEmpty {
            do {
                let version = try await builder.firstModel(
                    featureNames: PumpingEventFeatures.names(attributes: Array(attributes)), source: trainingData,
                    at: time)
                try await deploy(version, to: devices, at: time)
                return
            } catch {
                try await registry.journal.record(
                    Decision(
                        .candidateFailed, summary: "the first model could not be trained on \(trainingData): \(error)",
                        details: .object(["error": .string("\(error)")]), at: time))
            }
        }
        try await registry.journal.record(
            Decision(
                .fallback,
                summary:
                    "no model yet: alarms come from the fallback rule (\(NumberFormat.exact(policy.fallbackFactor)) × pressure from \(policy.alarmFromSeconds) s)",
                at: time))
    }

    private func importInitial(attributes: Set<String>, at time: Int64) async throws -> Int {
        let model = try TreeModel.load(from: initialModelPath)
        defer { ProcessUsage.releaseFreedMemory() }
        // Refused here, with the reason, rather than at the first prediction.
        _ = try MinimumPressurePredictor(version: 1, model: model, attributes: attributes)
        let version = try await registry.nextVersion()
        let entry = ModelEntry(
            version: version, parent: nil, state: .candidate, algorithm: model.metadata?.algorithm ?? "xgboost",
            weighting: "imported", targetDevice: nil, file: "initial.json", checksum: model.checksum,
            featureSchema: PumpingEventFeatures.schema, created: time,
            dataWindow: .object(["source": .string(initialModelPath)]),
            parameters: .object((model.metadata?.parameters ?? [:]).mapValues { .string($0) }),
            offlineMetrics: .object([:]), note: "imported at first start")
        try await registry.register(
            ModelRegistration(
                entry: entry,
                reference: CandidateBuilder.sample(
                    builder.history.map { ReferenceRow(origin: $0.origin, features: $0.features) }, count: 600,
                    seed: 1)),
            decision: Decision(
                .imported, model: version, summary: "model v\(version) imported from \(initialModelPath)",
                details: .object(["file": .string(initialModelPath)]), at: time))
        return version
    }

    private func deploy(_ version: Int, to devices: [String], at time: Int64) async throws {
        guard !devices.isEmpty else { return }
        try await registry.assignChampion(
            version, to: devices, kind: .deployed,
            summary: "model v\(version) is the champion of \(devices.joined(separator: ", ")) (first model)", at: time)
    }

    /// Labeled rows from a history CSV (`hearth-sim history`, or exported plant data): every column but the target
    /// is a feature, except `device` and `event` (from `hearth-sim history --ids`), which say where a row comes from.
    public static func loadHistory(_ path: String?) throws -> [LabeledRow] {
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
}
