import Agent
import Plant

extension DashboardPages {
    /// `/metrics`: the database's counters and the agent's last status report in the Prometheus text format.
    public func metrics() async throws -> String {
        var out = PrometheusExposition()
        let report = try await statusReport()
        let devices = try await deviceIDs(report: report)

        out.family(
            "hearth_polls_total", .counter,
            "Polls of a furnace stored since the first scrape, by whether any signal read valid.")
        var readings: [(String, String, Int)] = []
        let collected = try await collection.totals(store: store)
        for device in devices {
            var totals = collected[device] ?? CollectionTotals(okPolls: 0, failedPolls: 0, readingsByStatus: [:])
            if totals.readingsByStatus["ok"] == nil { totals.readingsByStatus["ok"] = 0 }
            out.sample("hearth_polls_total", [("device", device), ("result", "ok")], Double(totals.okPolls))
            out.sample("hearth_polls_total", [("device", device), ("result", "failed")], Double(totals.failedPolls))
            for (status, count) in totals.readingsByStatus.sorted(by: { $0.key < $1.key }) {
                readings.append((device, status, count))
            }
        }
        out.family("hearth_readings_total", .counter, "Readings of a furnace stored since the first scrape, by status.")
        for (device, status, count) in readings {
            out.sample("hearth_readings_total", [("device", device), ("status", status)], Double(count))
        }

        if let report {
            out.family(
                "hearth_poll_consecutive_failures", .gauge,
                "Polls in a row that read nothing valid, at the last report.")
            for device in report.devices {
                out.sample(
                    "hearth_poll_consecutive_failures", [("device", device.id)],
                    Double(device.collection.consecutiveFailures))
            }
        }

        out.family(
            "hearth_predictions_total", .counter, "Predictions of the minimum pressure, by furnace, model, role.")
        for count in try await store.predictionCounts() {
            out.sample(
                "hearth_predictions_total",
                [("device", count.device), ("model", String(count.modelVersion)), ("role", count.role.rawValue)],
                Double(count.count))
        }

        let active = try await store.activeAlarms()
        out.family("hearth_alarms_raised_total", .counter, "Alarms raised on a furnace.")
        var performances: [(String, AlarmPerformance, [AlarmRecord])] = []
        for device in devices {
            performances.append(
                (device, try await store.alarmPerformance(device: device), try await store.alarms(device: device)))
        }
        for (device, _, alarms) in performances {
            out.sample("hearth_alarms_raised_total", [("device", device)], Double(alarms.count))
        }
        out.family("hearth_alarms_confirmed_total", .counter, "Alarms of events that did fail.")
        for (device, performance, _) in performances {
            out.sample("hearth_alarms_confirmed_total", [("device", device)], Double(performance.confirmed))
        }
        out.family("hearth_alarms_cleared_total", .counter, "Alarms cleared (their event held).")
        for (device, _, alarms) in performances {
            out.sample(
                "hearth_alarms_cleared_total", [("device", device)],
                Double(alarms.filter { $0.state == .cleared }.count))
        }
        out.family("hearth_alarms_active", .gauge, "Alarms active now.")
        for device in devices {
            out.sample(
                "hearth_alarms_active", [("device", device)], Double(active.filter { $0.device == device }.count))
        }
        out.family("hearth_missed_failures_total", .counter, "Failed events no alarm warned of.")
        for (device, performance, _) in performances {
            out.sample("hearth_missed_failures_total", [("device", device)], Double(performance.missed))
        }
        out.family("hearth_alarm_lead_seconds_mean", .gauge, "Mean time from an alarm to the end of its failed event.")
        for (device, performance, _) in performances {
            if let lead = performance.meanLeadSeconds {
                out.sample("hearth_alarm_lead_seconds_mean", [("device", device)], lead)
            }
        }

        out.family("hearth_drift_checks_total", .counter, "Drift checks of a furnace, by verdict.")
        for device in devices {
            let checks = try await store.driftChecks(device: device, limit: 1_000_000)
            for verdict in [DriftCheckRecord.Verdict.drift, .noDrift, .skipped] {
                out.sample(
                    "hearth_drift_checks_total", [("device", device), ("verdict", verdict.rawValue)],
                    Double(checks.filter { $0.verdict == verdict }.count))
            }
        }

        if let report {
            out.family("hearth_drifting", .gauge, "1 when the agent acts on a drift verdict for the furnace.")
            for device in report.devices {
                out.sample("hearth_drifting", [("device", device.id)], (device.drift?.drifting ?? false) ? 1 : 0)
            }
            out.family("hearth_live_mape_ratio", .gauge, "A model's live mean absolute percentage error, as a ratio.")
            for device in report.devices {
                for model in device.liveMetrics {
                    if let mape = model.mapePercent {
                        out.sample(
                            "hearth_live_mape_ratio", [("device", device.id), ("model", String(model.model))],
                            mape / 100)
                    }
                }
            }
            out.family("hearth_live_mae_millibars", .gauge, "A model's live mean absolute error.")
            for device in report.devices {
                for model in device.liveMetrics {
                    if let mae = model.maeMbar {
                        out.sample(
                            "hearth_live_mae_millibars", [("device", device.id), ("model", String(model.model))], mae)
                    }
                }
            }
            let agent = report.agent
            out.family("hearth_outbox_messages", .gauge, "Messages waiting for the broker.")
            out.sample("hearth_outbox_messages", [], Double(agent.outbox.pending))
            out.family(
                "hearth_outbox_oldest_age_seconds", .gauge, "Plant seconds the oldest waiting message has waited.")
            out.sample("hearth_outbox_oldest_age_seconds", [], agent.outbox.oldestAgeSeconds ?? 0)
            out.family("hearth_agent_resident_memory_bytes", .gauge, "The agent's resident memory.")
            out.sample("hearth_agent_resident_memory_bytes", [], Double(agent.residentBytes))
            out.family("hearth_agent_peak_resident_memory_bytes", .gauge, "The agent's peak resident memory.")
            out.sample("hearth_agent_peak_resident_memory_bytes", [], Double(agent.peakResidentBytes))
            out.family("hearth_agent_cpu_seconds_total", .counter, "CPU time the agent used.")
            out.sample("hearth_agent_cpu_seconds_total", [], agent.cpuSeconds)
            out.family("hearth_database_bytes", .gauge, "Size of the agent's database.")
            out.sample("hearth_database_bytes", [], Double(agent.databaseBytes))
            out.family(
                "hearth_status_report_timestamp_seconds", .gauge, "Real time the last status report was written.")
            out.sample("hearth_status_report_timestamp_seconds", [], Double(report.writtenAtRealMilliseconds) / 1000)
            if let broker = agent.broker {
                out.family("hearth_broker_connected", .gauge, "1 while the agent is connected to its broker.")
                out.sample("hearth_broker_connected", [], broker.connected ? 1 : 0)
            }
        } else {
            let depth = try await store.outboxDepth()
            out.family("hearth_outbox_messages", .gauge, "Messages waiting for the broker.")
            out.sample("hearth_outbox_messages", [], Double(depth.messages))
        }
        return out.text
    }

    /// The status report as the agent wrote it (`hearth status --json`), if there is one.
    public func statusJSON() async throws -> [UInt8]? {
        try await store.status()?.report
    }
}
