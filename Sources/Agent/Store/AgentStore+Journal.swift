import Plant
public import SQLite

/// One change of who serves a furnace.
public enum DeploymentChange: Sendable, Equatable {
    /// `version` becomes the furnace's champion; `previous` is the champion it replaces (for rollback).
    case champion(device: String, version: Int, previous: Int?)
    /// `version` predicts alongside the champion as a candidate (`shadow`) or as the replaced champion (`watch`).
    case beside(device: String, version: Int, role: DeploymentRole)
    /// `version` stops predicting for the furnace.
    case withdraw(device: String, version: Int)
}

/// A model to register with its reference sample (its file already written).
public struct ModelRegistration: Sendable {
    public var entry: ModelEntry
    public var reference: [ReferenceRow]

    public init(entry: ModelEntry, reference: [ReferenceRow]) {
        self.entry = entry
        self.reference = reference
    }
}

/// Everything one decision changes, written in one transaction by ``AgentStore/commit(_:)``: so a crash leaves
/// the old state or the new one, and the audit log, the registry and the outbox never disagree.
public struct JournalEntry: Sendable {
    public var decisions: [Decision] = []
    public var registrations: [ModelRegistration] = []
    public var deploymentChanges: [DeploymentChange] = []
    public var alarms: [AlarmRecord] = []
    /// Events a previous run left open, closed without a label.
    public var closedEvents: [Int64] = []
    public var driftChecks: [DriftCheckRecord] = []
    public var furnaceStates: [String: FurnaceAdaptationState] = [:]
    public var messages: [OutboxMessage] = []

    public init() {}

    /// Whether it changes nothing.
    public var isEmpty: Bool {
        decisions.isEmpty && registrations.isEmpty && deploymentChanges.isEmpty && alarms.isEmpty
            && closedEvents.isEmpty && driftChecks.isEmpty && furnaceStates.isEmpty && messages.isEmpty
    }
}

extension AgentStore {
    /// Writes a journal entry in one transaction: models registered, deployments changed (and the models' states
    /// kept in step), alarms, closed events, drift checks, furnace states, the decisions and their messages.
    public func commit(_ entry: JournalEntry, at time: Int64) throws(SQLiteError) {
        guard !entry.isEmpty else { return }
        try database.transaction { () throws(SQLiteError) in
            for registration in entry.registrations { try insert(registration) }
            var touched = Set(entry.registrations.map(\.entry.version))
            for change in entry.deploymentChanges {
                touched.formUnion(try apply(change, at: time))
            }
            for version in touched { try updateState(of: version) }
            for alarm in entry.alarms { try upsert(alarm) }
            for event in entry.closedEvents {
                try database.run("UPDATE events SET end_ms = coalesce(end_ms, start_ms) WHERE id = ?", event)
            }
            for check in entry.driftChecks { try insert(check) }
            for (device, state) in entry.furnaceStates { try save(state, device: device, at: time) }
            for decision in entry.decisions { try insert(decision) }
            try insertOutbox(entry.messages, at: time)
        }
    }

    private func insert(_ registration: ModelRegistration) throws(SQLiteError) {
        let entry = registration.entry
        try database.run(
            """
            INSERT INTO models (version, parent, state, algorithm, weighting, target_device, file, checksum,
                feature_schema, created_ms, data_window, parameters, offline_metrics, note)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, entry.version, entry.parent, entry.state.rawValue, entry.algorithm, entry.weighting,
            entry.targetDevice, entry.file, entry.checksum, entry.featureSchema, entry.created,
            entry.dataWindow.serialized, entry.parameters.serialized, entry.offlineMetrics.serialized, entry.note)
        let statement = try database.prepare(
            "INSERT INTO model_reference (model_version, row_index, origin, features) VALUES (?, ?, ?, ?)")
        for (index, row) in registration.reference.enumerated() {
            try statement.run([entry.version, index, row.origin, Self.json(row.features)])
        }
    }

    /// Applies one change; returns the model versions whose state may have changed.
    private func apply(_ change: DeploymentChange, at time: Int64) throws(SQLiteError) -> [Int] {
        switch change {
        case .champion(let device, let version, let previous):
            let replaced = try database.query(
                "SELECT model_version FROM deployments WHERE device_id = ? AND role = 'champion'", device
            ).compactMap { $0["model_version"].integer.map { Int($0) } }
            try database.run("DELETE FROM deployments WHERE device_id = ? AND role = 'champion'", device)
            try database.run("DELETE FROM deployments WHERE device_id = ? AND model_version = ?", device, version)
            try database.run(
                """
                INSERT INTO deployments (device_id, model_version, role, since_ms, previous_champion)
                VALUES (?, ?, 'champion', ?, ?)
                """, device, version, time, previous)
            return replaced + [version]
        case .beside(let device, let version, let role):
            try database.run(
                """
                INSERT INTO deployments (device_id, model_version, role, since_ms) VALUES (?, ?, ?, ?)
                ON CONFLICT (device_id, model_version) DO UPDATE SET role = excluded.role, since_ms = excluded.since_ms,
                    previous_champion = NULL
                """, device, version, role.rawValue, time)
            return [version]
        case .withdraw(let device, let version):
            try database.run(
                "DELETE FROM deployments WHERE device_id = ? AND model_version = ? AND role <> 'champion'", device,
                version)
            return [version]
        }
    }

    /// A model's state is its most important role anywhere; one that served once and serves nowhere is retired.
    private func updateState(of version: Int) throws(SQLiteError) {
        let roles = Set(
            try database.query("SELECT DISTINCT role FROM deployments WHERE model_version = ?", version).compactMap {
                DeploymentRole(rawValue: $0["role"].text ?? "")
            })
        let current = try database.query("SELECT state FROM models WHERE version = ?", version).first.flatMap {
            ModelState(rawValue: $0["state"].text ?? "")
        }
        guard let current else { return }
        let state: ModelState =
            roles.contains(.champion)
            ? .champion : !roles.isEmpty ? .shadow : current == .candidate ? .candidate : .retired
        if state != current {
            try database.run("UPDATE models SET state = ? WHERE version = ?", state.rawValue, version)
        }
    }
}
