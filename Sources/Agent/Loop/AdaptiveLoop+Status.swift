public import Plant

extension AdaptiveLoop {
    /// The status report: per furnace its champion, shadows, running event, live errors per model, alarm
    /// performance and drift; the registry; the agent's own resource use.
    public func statusReport(usage: ProcessUsage, outboxPending: Int, connected: Bool?) async throws -> JSONValue {
        let now = clock.now()
        deployments = try await store.deployments()
        var devices: [JSONValue] = []
        for id in furnaces.keys.sorted() {
            guard let furnace = furnaces[id] else { continue }
            let champion = deployments.first { $0.device == id && $0.role == "champion" }?.version
            let usable = champion != nil && unusableModels[champion!] == nil
            let labeled = try await store.labeledPredictions(device: id)
            var models: [JSONValue] = []
            for (version, rows) in Dictionary(grouping: labeled, by: \.prediction.modelVersion).sorted(by: {
                $0.key < $1.key
            }) {
                let decisive = rows.filter { $0.prediction.checkpoint >= configuration.policy.alarmFromSeconds }
                let metrics = ModelLiveMetrics.compute(
                    device: id, modelVersion: version, role: rows.last?.prediction.role ?? "",
                    pairs: decisive.map { ($0.prediction.predicted, $0.minimum, $0.prediction.eventID) })
                let all = ModelLiveMetrics.compute(
                    device: id, modelVersion: version, role: "",
                    pairs: rows.map { ($0.prediction.predicted, $0.minimum, $0.prediction.eventID) })
                models.append(
                    .object([
                        "model": .number(Double(version)), "events": .number(Double(metrics.events)),
                        "mape_percent": metrics.mape.map { .number($0) } ?? .null,
                        "mae_mbar": metrics.mae.map { .number($0) } ?? .null,
                        "mape_all_checkpoints_percent": all.mape.map { .number($0) } ?? .null,
                    ]))
            }
            let events = try await store.events(device: id, labeledOnly: true, limit: 100_000)
            let alarms = AlarmPerformance.compute(
                device: id, events: events, alarms: try await store.alarms(device: id))
            var entry: [String: JSONValue] = [
                "id": .string(id),
                "champion": champion.map { .number(Double($0)) } ?? .null,
                "prediction_source": .string(usable ? "model v\(champion!)" : "fallback rule"),
                "shadows": .array(
                    deployments.filter { $0.device == id && $0.role == "shadow" }.map { .number(Double($0.version)) }),
                "onboarding": .bool(furnace.onboarding),
                "training": .bool(training.contains(id)),
                "live_metrics": .array(models),
                "alarms": .object([
                    "events": .number(Double(alarms.events)), "failed_events": .number(Double(alarms.failedEvents)),
                    "alarms": .number(Double(alarms.alarms)), "confirmed": .number(Double(alarms.confirmed)),
                    "false_alarms": .number(Double(alarms.falseAlarms)), "missed": .number(Double(alarms.missed)),
                    "precision": alarms.precision.map { .number($0) } ?? .null,
                    "recall": alarms.recall.map { .number($0) } ?? .null,
                    "mean_lead_seconds": alarms.meanLeadSeconds.map { .number($0) } ?? .null,
                    "minimum_lead_seconds": alarms.minimumLeadSeconds.map { .number($0) } ?? .null,
                ]),
            ]
            if let event = furnace.event {
                entry["event"] = .object([
                    "id": .number(Double(event.id)), "start": .string(PlantTime.iso8601(event.start)),
                    "seconds": .number(Double(now - event.start) / 1000),
                    "alarm": event.alarm.map { .string($0.state) } ?? .null,
                ])
            }
            if let drift = lastDrift[id] {
                entry["drift"] = .object([
                    "checked": .string(PlantTime.iso8601(drift.time)), "drift": .bool(drift.drift),
                    "current_rows": .number(Double(drift.currentRows)),
                    "reference_rows": .number(Double(drift.referenceRows)),
                    "mmd_p_value": .number(drift.mmdPValue), "classifier_auc": .number(drift.classifierAUC),
                    "drifted_features": .array(drift.driftedFeatures.map { .string($0) }),
                ])
            }
            devices.append(.object(entry))
        }
        let registry = try await store.models().map { model -> JSONValue in
            .object([
                "model": .number(Double(model.version)), "state": .string(model.state),
                "algorithm": .string(model.algorithm), "weighting": .string(model.weighting),
                "target_device": model.targetDevice.map { .string($0) } ?? .null,
                "parent": model.parent.map { .number(Double($0)) } ?? .null,
                "created": .string(PlantTime.iso8601(model.created)),
                "usable": .bool(unusableModels[model.version] == nil),
            ])
        }
        return .object([
            "time": .string(PlantTime.iso8601(now)),
            "agent": .object([
                "uptime_plant_seconds": .number(Double(now - started) / 1000),
                "speed": .number(clock.speed),
                "cpu_seconds": .number(usage.cpuSeconds),
                "resident_bytes": .number(Double(usage.residentBytes)),
                "peak_resident_bytes": .number(Double(usage.peakResidentBytes)),
                "database_bytes": .number(Double(usage.databaseBytes)),
                "free_disk_bytes": .number(Double(usage.freeDiskBytes)),
                "outbox_pending": .number(Double(outboxPending)),
                "broker_connected": connected.map { .bool($0) } ?? .null,
            ]),
            "devices": .array(devices),
            "models": .array(registry),
        ])
    }
}
