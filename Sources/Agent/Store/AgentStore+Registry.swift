public import Plant
public import SQLite

/// A registered model.
public struct ModelEntry: Sendable, Equatable {
    public var version: Int
    public var parent: Int?
    /// `candidate`, `shadow`, `champion` or `retired` (its most important role on any furnace).
    public var state: String
    public var algorithm: String
    public var weighting: String
    /// The furnace it was adapted toward, if any.
    public var targetDevice: String?
    /// The file, relative to the models folder.
    public var file: String
    public var checksum: String
    public var featureSchema: String
    public var created: Int64
    /// JSON: which data it was trained on.
    public var dataWindow: String
    /// JSON: training parameters.
    public var parameters: String
    /// JSON: metrics at training time.
    public var offlineMetrics: String
    public var note: String?

    public init(
        version: Int = 0, parent: Int?, state: String, algorithm: String, weighting: String, targetDevice: String?,
        file: String, checksum: String, featureSchema: String, created: Int64, dataWindow: String, parameters: String,
        offlineMetrics: String, note: String?
    ) {
        self.version = version
        self.parent = parent
        self.state = state
        self.algorithm = algorithm
        self.weighting = weighting
        self.targetDevice = targetDevice
        self.file = file
        self.checksum = checksum
        self.featureSchema = featureSchema
        self.created = created
        self.dataWindow = dataWindow
        self.parameters = parameters
        self.offlineMetrics = offlineMetrics
        self.note = note
    }
}

/// Which model serves a furnace, and how.
public struct Deployment: Sendable, Equatable {
    public var device: String
    public var version: Int
    /// `champion` (its predictions raise alarms) or `shadow` (predicts alongside, for comparison).
    public var role: String
    public var since: Int64
    /// For a champion: the champion it replaced, the target of a rollback.
    public var previousChampion: Int?
}

extension AgentStore {
    /// The next free model version.
    public func nextModelVersion() throws(SQLiteError) -> Int {
        Int(try database.query("SELECT coalesce(max(version), 0) + 1 FROM models").first?[0].integer ?? 1)
    }

    /// Registers a model (its file already written) with a sample of its training features, and records the
    /// decision, in one transaction.
    public func registerModel(
        _ entry: ModelEntry, reference: [(origin: String, features: [String: Double])],
        decision: (kind: String, summary: String, details: JSONValue),
        messages: [OutboxMessage], at time: Int64
    ) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            try database.run(
                """
                INSERT INTO models (version, parent, state, algorithm, weighting, target_device, file, checksum,
                    feature_schema, created_ms, data_window, parameters, offline_metrics, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, entry.version, entry.parent, entry.state, entry.algorithm, entry.weighting, entry.targetDevice,
                entry.file, entry.checksum, entry.featureSchema, entry.created, entry.dataWindow, entry.parameters,
                entry.offlineMetrics, entry.note)
            let insert = try database.prepare(
                "INSERT INTO model_reference (model_version, row_index, origin, features) VALUES (?, ?, ?, ?)")
            for (index, row) in reference.enumerated() {
                try insert.run([entry.version, index, row.origin, Self.json(row.features)])
            }
            try insertDecision(decision, device: entry.targetDevice, version: entry.version, at: time)
            try insertOutbox(messages, at: time)
        }
    }

    /// Every registered model, oldest first.
    public func models() throws(SQLiteError) -> [ModelEntry] {
        try database.query(
            """
            SELECT version, parent, state, algorithm, weighting, target_device, file, checksum, feature_schema,
                created_ms, data_window, parameters, offline_metrics, note FROM models ORDER BY version
            """
        ).map { row in
            ModelEntry(
                version: Int(row[0].integer ?? 0), parent: row[1].integer.map { Int($0) }, state: row[2].text ?? "",
                algorithm: row[3].text ?? "", weighting: row[4].text ?? "", targetDevice: row[5].text,
                file: row[6].text ?? "", checksum: row[7].text ?? "", featureSchema: row[8].text ?? "",
                created: row[9].integer ?? 0, dataWindow: row[10].text ?? "{}", parameters: row[11].text ?? "{}",
                offlineMetrics: row[12].text ?? "{}", note: row[13].text)
        }
    }

    /// A model's reference sample of training features, with the furnace each row comes from.
    public func reference(of version: Int) throws(SQLiteError) -> [(origin: String, features: [String: Double])] {
        try database.query(
            "SELECT origin, features FROM model_reference WHERE model_version = ? ORDER BY row_index", version
        ).map { ($0[0].text ?? "", Self.features(fromJSON: $0[1].text ?? "{}")) }
    }

    /// Every deployment.
    public func deployments() throws(SQLiteError) -> [Deployment] {
        try database.query(
            "SELECT device_id, model_version, role, since_ms, previous_champion FROM deployments ORDER BY device_id, role"
        ).map { row in
            Deployment(
                device: row[0].text ?? "", version: Int(row[1].integer ?? 0), role: row[2].text ?? "",
                since: row[3].integer ?? 0, previousChampion: row[4].integer.map { Int($0) })
        }
    }

    /// Changes deployments atomically: every change, the models' states, the decision and its messages commit
    /// together, so a crash leaves either the old champion or the new one serving, never neither.
    public func deploy(
        _ changes: [DeploymentChange], decision: (kind: String, summary: String, details: JSONValue), device: String?,
        version: Int?, messages: [OutboxMessage], at time: Int64
    ) throws(SQLiteError) {
        try database.transaction { () throws(SQLiteError) in
            for change in changes {
                switch change {
                case .champion(let device, let version, let previous):
                    try database.run("DELETE FROM deployments WHERE device_id = ? AND role = 'champion'", device)
                    try database.run(
                        "DELETE FROM deployments WHERE device_id = ? AND model_version = ?", device, version)
                    try database.run(
                        """
                        INSERT INTO deployments (device_id, model_version, role, since_ms, previous_champion)
                        VALUES (?, ?, 'champion', ?, ?)
                        """, device, version, time, previous)
                case .shadow(let device, let version):
                    try database.run(
                        """
                        INSERT INTO deployments (device_id, model_version, role, since_ms) VALUES (?, ?, 'shadow', ?)
                        ON CONFLICT (device_id, model_version) DO UPDATE SET role = 'shadow', since_ms = excluded.since_ms
                        """, device, version, time)
                case .withdraw(let device, let version):
                    try database.run(
                        "DELETE FROM deployments WHERE device_id = ? AND model_version = ? AND role = 'shadow'", device,
                        version)
                }
            }
            // A model's state is its most important role anywhere.
            try database.execute(
                """
                UPDATE models SET state = CASE
                    WHEN EXISTS (SELECT 1 FROM deployments d WHERE d.model_version = version AND d.role = 'champion')
                        THEN 'champion'
                    WHEN EXISTS (SELECT 1 FROM deployments d WHERE d.model_version = version AND d.role = 'shadow')
                        THEN 'shadow'
                    WHEN state = 'candidate' THEN 'candidate'
                    ELSE 'retired' END
                """)
            try insertDecision(decision, device: device, version: version, at: time)
            try insertOutbox(messages, at: time)
        }
    }

    private func insertDecision(
        _ decision: (kind: String, summary: String, details: JSONValue), device: String?, version: Int?, at time: Int64
    ) throws(SQLiteError) {
        try database.run(
            "INSERT INTO decisions (time_ms, kind, device_id, model_version, summary, details) VALUES (?, ?, ?, ?, ?, ?)",
            time, decision.kind, device, version, decision.summary, decision.details.serialized)
    }
}

/// One change of who serves a furnace.
public enum DeploymentChange: Sendable, Equatable {
    /// `version` becomes the furnace's champion; `previous` is the champion it replaces (for rollback).
    case champion(device: String, version: Int, previous: Int?)
    /// `version` predicts alongside the champion.
    case shadow(device: String, version: Int)
    /// `version` stops predicting for the furnace.
    case withdraw(device: String, version: Int)
}
