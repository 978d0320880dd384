public import SQLite

/// The agent database's schema, one numbered migration per version. Never edit a released migration: add one.
public enum AgentSchema {
    public static let migrator = Migrator([
        .init(
            version: 1,
            sql: """
                CREATE TABLE devices (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    connection TEXT NOT NULL,         -- e.g. "modbus-tcp 127.0.0.1:15021 unit 1"
                    added_ms INTEGER NOT NULL,
                    updated_ms INTEGER NOT NULL
                );
                CREATE TABLE signals (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL REFERENCES devices(id),
                    name TEXT NOT NULL,
                    unit TEXT,
                    UNIQUE (device_id, name)
                );
                -- One row per signal and poll. value is NULL unless status = 'ok'; raw keeps what was decoded.
                CREATE TABLE readings (
                    signal_id INTEGER NOT NULL REFERENCES signals(id),
                    time_ms INTEGER NOT NULL,
                    value REAL,
                    raw REAL,
                    status TEXT NOT NULL,
                    detail TEXT,
                    PRIMARY KEY (signal_id, time_ms)
                ) WITHOUT ROWID;
                CREATE INDEX readings_by_time ON readings (time_ms);
                CREATE VIEW reading_log AS
                    SELECT d.id AS device, s.name AS signal, r.time_ms,
                           strftime('%Y-%m-%dT%H:%M:%fZ', r.time_ms / 1000.0, 'unixepoch') AS time,
                           r.value, s.unit, r.status, r.detail, r.raw
                    FROM readings r JOIN signals s ON s.id = r.signal_id JOIN devices d ON d.id = s.device_id;
                """),
        .init(
            version: 2,
            sql: """
                -- Pumping events as the agent saw them; the label (true minimum) arrives when the event ends.
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL REFERENCES devices(id),
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER,
                    threshold REAL NOT NULL,
                    previous_minimum REAL,
                    minimum REAL,
                    minimum_source TEXT,           -- register | observed
                    failed INTEGER,
                    UNIQUE (device_id, start_ms)
                );
                CREATE INDEX events_by_device ON events (device_id, start_ms);
                -- The features at each checkpoint, as a JSON object (null for missing), for retraining and drift.
                CREATE TABLE event_features (
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    checkpoint_s INTEGER NOT NULL,
                    feature_schema TEXT NOT NULL,
                    features TEXT NOT NULL,
                    PRIMARY KEY (event_id, checkpoint_s)
                ) WITHOUT ROWID;
                CREATE TABLE predictions (
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    checkpoint_s INTEGER NOT NULL,
                    model_version INTEGER NOT NULL,   -- 0 is the fallback rule
                    role TEXT NOT NULL,               -- champion | shadow | fallback
                    predicted REAL NOT NULL,
                    time_ms INTEGER NOT NULL,
                    PRIMARY KEY (event_id, checkpoint_s, model_version)
                ) WITHOUT ROWID;
                CREATE TABLE models (
                    version INTEGER PRIMARY KEY,
                    parent INTEGER REFERENCES models(version),
                    state TEXT NOT NULL,              -- candidate | shadow | champion | retired
                    algorithm TEXT NOT NULL,          -- gbdt | rf | xgboost
                    weighting TEXT NOT NULL,          -- none | kmm | ulsif | classifier | imported
                    target_device TEXT,
                    file TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    feature_schema TEXT NOT NULL,
                    created_ms INTEGER NOT NULL,
                    data_window TEXT NOT NULL,        -- JSON
                    parameters TEXT NOT NULL,         -- JSON
                    offline_metrics TEXT NOT NULL,    -- JSON
                    note TEXT
                );
                -- Which model serves which device: one champion per device, any number of shadows.
                CREATE TABLE deployments (
                    device_id TEXT NOT NULL,
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    role TEXT NOT NULL,               -- champion | shadow
                    since_ms INTEGER NOT NULL,
                    previous_champion INTEGER,        -- for a champion: the one it replaced (rollback target)
                    PRIMARY KEY (device_id, model_version)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX one_champion_per_device ON deployments (device_id) WHERE role = 'champion';
                -- The audit log: every trigger, candidate, promotion and rollback with the numbers behind it.
                CREATE TABLE decisions (
                    id INTEGER PRIMARY KEY,
                    time_ms INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    device_id TEXT,
                    model_version INTEGER,
                    summary TEXT NOT NULL,
                    details TEXT NOT NULL             -- JSON
                );
                CREATE TABLE alarms (
                    id TEXT PRIMARY KEY,              -- <device>/<event start ms>
                    device_id TEXT NOT NULL,
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    state TEXT NOT NULL,              -- active | confirmed | cleared
                    sequence INTEGER NOT NULL,
                    severity TEXT NOT NULL,
                    raised_ms INTEGER NOT NULL,
                    raised_at_s INTEGER NOT NULL,
                    updated_ms INTEGER NOT NULL,
                    predicted REAL NOT NULL,
                    threshold REAL NOT NULL,
                    model_version INTEGER NOT NULL
                );
                -- Messages waiting for the broker's acknowledgement, delivered in id order.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    topic TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    qos INTEGER NOT NULL,
                    retain INTEGER NOT NULL,
                    created_ms INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0
                );
                -- A sample of each model's training features: the reference its furnaces are checked against for drift.
                CREATE TABLE model_reference (
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    row_index INTEGER NOT NULL,
                    origin TEXT NOT NULL,             -- the furnace the row comes from, or `history`
                    features TEXT NOT NULL,
                    PRIMARY KEY (model_version, row_index)
                ) WITHOUT ROWID;
                -- The running agent's last status report (one row).
                CREATE TABLE agent_status (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    time_ms INTEGER NOT NULL,
                    report TEXT NOT NULL              -- JSON
                );
                """),
        .init(
            version: 3,
            sql: """
                -- A champion's predecessor predicting beside it during its watch has a role of its own.
                UPDATE deployments SET role = 'watch'
                    WHERE role = 'shadow' AND EXISTS (
                        SELECT 1 FROM deployments c WHERE c.device_id = deployments.device_id AND c.role = 'champion'
                            AND c.previous_champion = deployments.model_version);
                -- A reading that arrived for a signal and time already stored: the stored (acknowledged) one is kept,
                -- the newcomer recorded here.
                CREATE TABLE reading_conflicts (
                    id INTEGER PRIMARY KEY,
                    signal_id INTEGER NOT NULL REFERENCES signals(id),
                    time_ms INTEGER NOT NULL,
                    value REAL,
                    raw REAL,
                    status TEXT NOT NULL,
                    detail TEXT,
                    received_ms INTEGER NOT NULL
                );
                CREATE INDEX reading_conflicts_by_time ON reading_conflicts (time_ms);
                -- What the agent knows about each furnace's adaptation and keeps across restarts (JSON).
                CREATE TABLE furnace_state (
                    device_id TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_ms INTEGER NOT NULL
                );
                -- Every drift check with its statistics, including checks that could not run and why.
                CREATE TABLE drift_checks (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    time_ms INTEGER NOT NULL,
                    model_version INTEGER,
                    verdict TEXT NOT NULL,            -- drift | no_drift | skipped
                    details TEXT NOT NULL             -- JSON
                );
                CREATE INDEX drift_checks_by_device ON drift_checks (device_id, time_ms);
                CREATE INDEX events_by_start ON events (start_ms);
                CREATE INDEX alarms_by_device ON alarms (device_id, raised_ms);
                CREATE INDEX alarms_by_event ON alarms (event_id);
                CREATE INDEX decisions_by_device ON decisions (device_id, time_ms);
                CREATE INDEX outbox_by_age ON outbox (created_ms);
                """),
        .init(
            version: 4,
            sql: """
                -- The top feature contributions of an alarm's deciding prediction (JSON: feature, value,
                -- contribution_mbar).
                ALTER TABLE alarms ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
                -- How sure its deciding prediction was (JSON: the conformal interval and failure probability).
                ALTER TABLE alarms ADD COLUMN uncertainty TEXT;
                """),
        .init(
            version: 5,
            sql: """
                -- Each prediction's conformal interval and failure probability, from its own model's labeled
                -- predictions on the furnace at the checkpoint. All NULL where the model had too few of them: no value
                -- is made up. An upper end NULL beside a lower one is unbounded.
                ALTER TABLE predictions ADD COLUMN lower REAL;
                ALTER TABLE predictions ADD COLUMN upper REAL;
                ALTER TABLE predictions ADD COLUMN failure_probability REAL;
                ALTER TABLE predictions ADD COLUMN coverage REAL;
                ALTER TABLE predictions ADD COLUMN calibration_events INTEGER;
                -- What raised an alarm: predicted_minimum, failure_probability, or predicted_minimum_no_probability
                -- (policy.alarm_on is failure_probability but none could be computed). NULL before this version.
                ALTER TABLE alarms ADD COLUMN raised_on TEXT;
                """),
        .init(
            version: 6,
            sql: """
                -- A candidate's backtest: its procedure retrained on the events before each of the furnace's latest
                -- labeled events, predicting that event (one model per event, never one that saw it). Judged with
                -- the shadow's live predictions; never served, never in live metrics.
                CREATE TABLE backtest_predictions (
                    model_version INTEGER NOT NULL REFERENCES models(version),
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    checkpoint_s INTEGER NOT NULL,
                    predicted REAL NOT NULL,
                    PRIMARY KEY (model_version, event_id, checkpoint_s)
                );
                """),
    ])
}
