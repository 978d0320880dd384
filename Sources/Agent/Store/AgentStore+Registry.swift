public import Plant
public import SQLite

/// A registered model.
public struct ModelEntry: Sendable, Equatable {
    public var version: Int
    /// The champion it was adapted from, if any.
    public var parent: Int?
    /// Its most important role anywhere, kept by the registry.
    public var state: ModelState
    /// `gbdt`, `rf` or `xgboost` (imported).
    public var algorithm: String
    /// How its training rows were weighted (`none`, `kmm`, ..., `imported`).
    public var weighting: String
    /// The furnace it was adapted toward, if any.
    public var targetDevice: String?
    /// The file, relative to the models folder.
    public var file: String
    public var checksum: String
    public var featureSchema: String
    public var created: Int64
    /// JSON: which data it was trained on.
    public var dataWindow: JSONValue
    /// JSON: training parameters.
    public var parameters: JSONValue
    /// JSON: metrics at training time.
    public var offlineMetrics: JSONValue
    public var note: String?

    public init(
        version: Int = 0, parent: Int?, state: ModelState = .candidate, algorithm: String, weighting: String,
        targetDevice: String?, file: String, checksum: String, featureSchema: String, created: Int64,
        dataWindow: JSONValue, parameters: JSONValue, offlineMetrics: JSONValue, note: String?
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
    public var role: DeploymentRole
    /// Since when, plant time.
    public var since: Int64
    /// For a champion: the champion it replaced (the target of a rollback).
    public var previousChampion: Int?

    public init(device: String, version: Int, role: DeploymentRole, since: Int64, previousChampion: Int? = nil) {
        self.device = device
        self.version = version
        self.role = role
        self.since = since
        self.previousChampion = previousChampion
    }
}

/// A sample of a model's training rows (features at a checkpoint), with the furnace each comes from: the reference
/// its furnaces are checked against for drift.
public struct ReferenceRow: Sendable, Equatable {
    /// A device id, or `history` for the training data file.
    public var origin: String
    public var features: [String: Double]

    public init(origin: String, features: [String: Double]) {
        self.origin = origin
        self.features = features
    }
}

extension AgentStore {
    /// The next free model version.
    public func nextModelVersion() throws(SQLiteError) -> Int {
        Int(try database.query("SELECT coalesce(max(version), 0) + 1 AS next FROM models").first?["next"].integer ?? 1)
    }

    /// Every registered model, oldest first.
    public func models() throws(SQLiteError) -> [ModelEntry] {
        try database.query("SELECT * FROM models ORDER BY version").map(Self.model)
    }

    /// One model, if registered.
    public func model(_ version: Int) throws(SQLiteError) -> ModelEntry? {
        try database.query("SELECT * FROM models WHERE version = ?", version).first.map(Self.model)
    }

    /// A model's reference sample of training features.
    public func reference(of version: Int) throws(SQLiteError) -> [ReferenceRow] {
        try database.query(
            "SELECT origin, features FROM model_reference WHERE model_version = ? ORDER BY row_index", version
        ).map {
            ReferenceRow(
                origin: $0["origin"].text ?? "", features: Self.features(fromJSON: $0["features"].text ?? "{}"))
        }
    }

    /// Every deployment, by device and role.
    public func deployments() throws(SQLiteError) -> [Deployment] {
        try database.query("SELECT * FROM deployments ORDER BY device_id, role, model_version").compactMap { row in
            guard let role = DeploymentRole(rawValue: row["role"].text ?? "") else { return nil }
            return Deployment(
                device: row["device_id"].text ?? "", version: Int(row["model_version"].integer ?? 0), role: role,
                since: row["since_ms"].integer ?? 0, previousChampion: row["previous_champion"].integer.map { Int($0) })
        }
    }

    static func model(_ row: Row) -> ModelEntry {
        func json(_ name: String) -> JSONValue {
            (try? JSONValue.parse(Array((row[name].text ?? "{}").utf8))) ?? .object([:])
        }
        return ModelEntry(
            version: Int(row["version"].integer ?? 0), parent: row["parent"].integer.map { Int($0) },
            state: ModelState(rawValue: row["state"].text ?? "") ?? .retired, algorithm: row["algorithm"].text ?? "",
            weighting: row["weighting"].text ?? "", targetDevice: row["target_device"].text,
            file: row["file"].text ?? "", checksum: row["checksum"].text ?? "",
            featureSchema: row["feature_schema"].text ?? "", created: row["created_ms"].integer ?? 0,
            dataWindow: json("data_window"), parameters: json("parameters"), offlineMetrics: json("offline_metrics"),
            note: row["note"].text)
    }
}
