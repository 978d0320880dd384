-- 90 days of 4 furnaces, polled every 30 s (8 signals), a 20-minute pumping event every 2 hours with its readings
-- every 30 s, six checkpoint predictions by two models, alarms on the failed ones, a drift check a day. Applied to a
-- database the agent created (schema only), so the dashboard reads exactly the agent's layout.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
CREATE TEMP TABLE furnace (n INTEGER PRIMARY KEY, id TEXT);
INSERT INTO furnace VALUES (1, 'furnace-a'), (2, 'furnace-b'), (3, 'furnace-c'), (4, 'furnace-d');
-- 2026-09-04T00:00:00Z: 90 days before 2026-12-03.
CREATE TEMP TABLE span AS SELECT 1788480000000 AS start_ms, 90 * 86400000 AS length_ms, 30000 AS poll_ms;
INSERT INTO devices SELECT id, 'modbus-tcp', id, 'modbus-tcp 127.0.0.1:1502' || n || ' unit ' || n,
    (SELECT start_ms FROM span), (SELECT start_ms FROM span) FROM furnace;
CREATE TEMP TABLE signal_name (k INTEGER PRIMARY KEY, name TEXT, unit TEXT);
INSERT INTO signal_name VALUES (1, 'chamber_pressure', 'mbar'), (2, 'foreline_pressure', 'mbar'),
    (3, 'chamber_temperature', '°C'), (4, 'cooling_water_temperature', '°C'), (5, 'pump_current', 'A'),
    (6, 'valve_position', '%'), (7, 'leak_rate', 'mbar·l/s'), (8, 'pumping', NULL);
INSERT INTO signals (id, device_id, name, unit) SELECT f.n * 10 + s.k, f.id, s.name, s.unit FROM furnace f, signal_name s;
-- Polls: time t; an event runs in the first 20 minutes of every second hour, the pressure falling from atmosphere.
CREATE TEMP TABLE poll AS
    WITH RECURSIVE t(ms) AS (
        SELECT (SELECT start_ms FROM span)
        UNION ALL SELECT ms + (SELECT poll_ms FROM span) FROM t
        WHERE ms + (SELECT poll_ms FROM span) < (SELECT start_ms + length_ms FROM span))
    SELECT ms FROM t;
INSERT INTO readings (signal_id, time_ms, value, raw, status, detail)
SELECT f.n * 10 + s.k, p.ms,
    CASE s.k
        WHEN 1 THEN CASE WHEN (p.ms % 7200000) < 1200000
            THEN 0.2 + f.n * 0.05 + 1000.0 / (1 + (p.ms % 7200000) / 2000.0) ELSE 1013.0 END
        WHEN 2 THEN 0.05 + (p.ms % 997) / 10000.0
        WHEN 3 THEN 45 + f.n + (p.ms % 600000) / 100000.0
        WHEN 4 THEN 28 + (p.ms % 300000) / 100000.0
        WHEN 5 THEN 16 + (p.ms % 400000) / 200000.0
        WHEN 6 THEN 100
        WHEN 7 THEN 0.001
        ELSE CASE WHEN (p.ms % 7200000) < 1200000 THEN 1 ELSE 0 END
    END, NULL, 'ok', NULL
FROM poll p, furnace f, signal_name s;
-- Events: every 2 hours; one in 12 fails (its true minimum above the 1 mbar threshold).
INSERT INTO events (id, device_id, start_ms, end_ms, threshold, previous_minimum, minimum, minimum_source, failed)
SELECT f.n * 10000000 + p.ms / 7200000, f.id, p.ms, p.ms + 1200000, 1.0, NULL,
    CASE WHEN (p.ms / 7200000 + f.n) % 12 = 0 THEN 1.6 + f.n * 0.1 ELSE 0.25 + f.n * 0.05 END, 'observed',
    CASE WHEN (p.ms / 7200000 + f.n) % 12 = 0 THEN 1 ELSE 0 END
FROM poll p, furnace f WHERE p.ms % 7200000 = 0;
INSERT INTO models (version, parent, state, algorithm, weighting, target_device, file, checksum, feature_schema,
    created_ms, data_window, parameters, offline_metrics, note)
VALUES
    (1, NULL, 'champion', 'gbdt', 'none', NULL, 'model-1.json', 'x', 'pumping-event-v1',
        (SELECT start_ms FROM span), '{"rows":5400}', '{}', '{"mape_percent":11.2}', 'first model'),
    (2, 1, 'champion', 'gbdt', 'kmm', 'furnace-d', 'model-2.json', 'x', 'pumping-event-v1',
        (SELECT start_ms FROM span) + 86400000 * 30, '{"rows":5600}', '{}', '{"mape_percent":8.4}', NULL);
INSERT INTO deployments VALUES ('furnace-a', 1, 'champion', (SELECT start_ms FROM span), NULL),
    ('furnace-b', 1, 'champion', (SELECT start_ms FROM span), NULL),
    ('furnace-c', 1, 'champion', (SELECT start_ms FROM span), NULL),
    ('furnace-d', 2, 'champion', (SELECT start_ms FROM span) + 86400000 * 31, 1);
CREATE TEMP TABLE checkpoint (s INTEGER PRIMARY KEY);
INSERT INTO checkpoint VALUES (30), (60), (90), (120), (150), (180);
INSERT INTO predictions (event_id, checkpoint_s, model_version, role, predicted, time_ms)
SELECT e.id, c.s, m.v, CASE WHEN m.v = 1 AND e.device_id <> 'furnace-d' THEN 'champion'
        WHEN m.v = 2 AND e.device_id = 'furnace-d' THEN 'champion' ELSE 'shadow' END,
    e.minimum * (1 + ((e.id + c.s + m.v) % 21 - 10) / 50.0), e.start_ms + c.s * 1000
FROM events e, checkpoint c, (SELECT 1 AS v UNION ALL SELECT 2) m
WHERE m.v = 1 OR e.device_id = 'furnace-d';
INSERT INTO alarms (id, device_id, event_id, state, sequence, severity, raised_ms, raised_at_s, updated_ms, predicted,
    threshold, model_version)
SELECT e.device_id || '/' || e.start_ms, e.device_id, e.id, 'confirmed', 1, 'critical', e.start_ms + 150000, 150,
    e.end_ms, e.minimum, 1.0, 1
FROM events e WHERE e.failed = 1;
INSERT INTO drift_checks (device_id, time_ms, model_version, verdict, details)
SELECT e.device_id, e.start_ms, 1, 'no_drift',
    '{"classifier_auc":0.55,"mmd_p_value":0.4,"flagged":false,"alpha":0.01,"current_rows":30,"reference_rows":500}'
FROM events e WHERE e.start_ms % 86400000 = 0;
INSERT INTO decisions (time_ms, kind, device_id, model_version, summary, details)
VALUES ((SELECT start_ms FROM span), 'deployed', NULL, 1, 'model v1 is the champion of every furnace (first model)', '{}'),
    ((SELECT start_ms FROM span) + 86400000 * 31, 'promotion', 'furnace-d', 2,
        'v2 promoted on furnace-d: MAPE 9 % vs 29 % for v1 over 10 events', '{}');
COMMIT;
ANALYZE;
