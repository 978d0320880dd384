import Agent
import Plant
import Support

extension DashboardPages {
    /// One furnace: its events with predicted against true minimum, MAPE over time per model version, drift checks
    /// over time, its alarms and decisions. Nil when the database knows no such furnace.
    public func furnace(_ device: String) async throws -> String? {
        guard try await store.deviceIDs().contains(device) else { return nil }
        let events = try await store.events(device: device, limit: 500, withFeatures: false)
        let versions = [0] + (try await store.models().map(\.version))
        let labeled = try await store.labeledPredictions(device: device, models: versions)
        // The last checkpoint's prediction of each model per event: what the model finally said.
        var final: [Int64: [Int: (checkpoint: Int, predicted: Double)]] = [:]
        for prediction in labeled {
            if let known = final[prediction.eventID]?[prediction.modelVersion], known.checkpoint > prediction.checkpoint
            {
                continue
            }
            final[prediction.eventID, default: [:]][prediction.modelVersion] = (
                prediction.checkpoint, prediction.predicted
            )
        }
        let models = Array(Set(labeled.map(\.modelVersion))).sorted()
        var body = ""

        let labeledEvents = events.filter { $0.minimum != nil }
        var outcome = [
            SVGChart.Series(
                name: "true minimum",
                points: labeledEvents.enumerated().map { (Double($0.offset + 1), $0.element.minimum ?? 0) },
                color: "#23303d")
        ]
        for (index, model) in models.enumerated() {
            outcome.append(
                SVGChart.Series(
                    name: Self.modelName(model),
                    points: labeledEvents.enumerated().compactMap { item in
                        final[item.element.id]?[model].map { (Double(item.offset + 1), $0.predicted) }
                    }, color: SVGChart.palette[(index + 1) % SVGChart.palette.count], pointsOnly: true))
        }
        body += "<h2>Predicted against true minimum</h2>"
        body +=
            SVGChart(
                title: "final prediction and true minimum per labeled event", xLabel: "labeled event",
                yLabel: "mbar", series: outcome, xFormat: { NumberFormat.fixed($0, decimals: 0) }
            ).render()

        body += "<h2>MAPE over time</h2>"
        body += SVGChart(
            title: "MAPE of the last 20 labeled events, per model version", xLabel: "event start (plant time)",
            yLabel: "%", series: mapeSeries(labeled, models: models), xFormat: { Self.time(Int64($0)) }
        ).render()

        body += "<h2>Events</h2>"
        let eventRows = events.reversed().prefix(100).map { event -> [String] in
            let predictions = (final[event.id] ?? [:]).sorted { $0.key < $1.key }.map {
                "\(Self.modelName($0.key)): \(NumberFormat.reading($0.value.predicted))"
            }.joined(separator: ", ")
            return [
                String(event.id), HTML.escape(Self.time(event.start)),
                event.end.map { Self.seconds(Double($0 - event.start) / 1000) } ?? "under way",
                Self.number(event.threshold), Self.number(event.minimum),
                event.failed.map { $0 ? "<span class=\"bad\">failed</span>" : "ok" } ?? "–",
                HTML.escape(predictions),
            ]
        }
        body += HTML.table(
            [
                "event", "start", "length", "threshold (mbar)", "true minimum (mbar)", "outcome",
                "final predictions (mbar)",
            ], Array(eventRows), empty: "no event yet")

        let checks = try await store.driftChecks(device: device, limit: 500)
        body += "<h2>Drift checks</h2>"
        func statistic(_ key: String) -> [(x: Double, y: Double)] {
            checks.compactMap { check in
                guard case .number(let value)? = check.details.value(atPath: key) else { return nil }
                return (Double(check.time), value)
            }
        }
        body += SVGChart(
            title: "drift statistics per check", xLabel: "check time (plant time)", yLabel: "",
            series: [
                SVGChart.Series(name: "classifier AUC", points: statistic("classifier_auc"), color: "#1f6fb2"),
                SVGChart.Series(name: "MMD p-value", points: statistic("mmd_p_value"), color: "#d1495b"),
            ], xFormat: { Self.time(Int64($0)) }
        ).render()
        body += HTML.table(
            ["time", "model", "verdict", "statistics"],
            checks.reversed().prefix(50).map { check in
                [
                    HTML.escape(Self.time(check.time)), check.modelVersion.map { "v\($0)" } ?? "–",
                    check.verdict == .drift ? "<span class=\"bad\">drift</span>" : check.verdict.rawValue,
                    "<code>\(HTML.escape(check.details.serialized))</code>",
                ]
            }, empty: "no drift check yet")

        body += "<h2>Alarms</h2>"
        body += alarmTable(try await store.alarms(device: device), events: events)

        body += "<h2>Decisions</h2>"
        body += decisionTable(try await store.decisions(limit: 100, device: device))
        return HTML.page(title: "Furnace \(device)", section: nil, refreshSeconds: refreshSeconds, body: body)
    }

    /// Per model, the MAPE of its last 20 labeled events at each event (its mean error over all checkpoints).
    private func mapeSeries(_ labeled: [LabeledPrediction], models: [Int]) -> [SVGChart.Series] {
        models.enumerated().map { index, model in
            var perEvent: [(start: Int64, ape: Double)] = []
            var current: (id: Int64, start: Int64, sum: Double, count: Int)?
            for prediction in labeled where prediction.modelVersion == model && prediction.minimum > 0 {
                let ape = abs(prediction.predicted - prediction.minimum) / prediction.minimum * 100
                if let open = current, open.id == prediction.eventID {
                    current = (open.id, open.start, open.sum + ape, open.count + 1)
                } else {
                    if let open = current { perEvent.append((open.start, open.sum / Double(open.count))) }
                    current = (prediction.eventID, prediction.eventStart, ape, 1)
                }
            }
            if let open = current { perEvent.append((open.start, open.sum / Double(open.count))) }
            var points: [(x: Double, y: Double)] = []
            for position in perEvent.indices {
                let window = perEvent[max(0, position - 19)...position]
                points.append((Double(perEvent[position].start), window.map(\.ape).reduce(0, +) / Double(window.count)))
            }
            return SVGChart.Series(
                name: Self.modelName(model), points: points, color: SVGChart.palette[index % SVGChart.palette.count])
        }
    }

    func decisionTable(_ decisions: [Decision]) -> String {
        HTML.table(
            ["time", "kind", "furnace", "model", "summary"],
            decisions.reversed().map { decision in
                [
                    HTML.escape(Self.time(decision.time)), HTML.escape(decision.kind.rawValue),
                    decision.device.map { Self.furnaceLink($0) } ?? "–",
                    decision.modelVersion.map { Self.modelName($0) } ?? "–", HTML.escape(decision.summary),
                ]
            }, empty: "no decision yet")
    }

    /// Alarms with their lead time (from raising to the end of a failed event), why they were raised (the deciding
    /// prediction's largest feature contributions) and how sure it was (its interval and failure probability).
    func alarmTable(_ alarms: [AlarmRecord], events: [StoredEvent]) -> String {
        let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return HTML.table(
            [
                "alarm", "furnace", "event", "state", "severity", "raised", "at (s into event)", "predicted (mbar)",
                "90 % interval (mbar)", "failure probability", "threshold (mbar)", "model", "raised on", "reasons",
                "outcome", "lead time",
            ],
            alarms.reversed().map { alarm in
                let event = byID[alarm.eventID]
                let lead: String
                if let event, event.failed == true, let end = event.end {
                    lead = Self.seconds(Double(end - alarm.raisedTime) / 1000)
                } else {
                    lead = "–"
                }
                let outcome =
                    event?.failed.map { $0 ? "failed (alarm confirmed)" : "held (false alarm)" } ?? "not known yet"
                return [
                    "<code>\(HTML.escape(alarm.id))</code>", Self.furnaceLink(alarm.device), String(alarm.eventID),
                    alarm.state == .active ? "<span class=\"bad\">active</span>" : alarm.state.rawValue,
                    alarm.severity.rawValue, HTML.escape(Self.time(alarm.raisedTime)), String(alarm.raisedAtSeconds),
                    NumberFormat.reading(alarm.predicted), Self.interval(alarm.uncertainty),
                    Self.probability(alarm.uncertainty?.failureProbability), NumberFormat.reading(alarm.threshold),
                    Self.modelName(alarm.modelVersion), alarm.raisedOn.map { Self.basis($0) } ?? "–",
                    Self.reasons(alarm.reasons), outcome, lead,
                ]
            }, empty: "no alarm")
    }

    /// What raised an alarm, in words.
    static func basis(_ basis: AlarmPolicy.Basis) -> String {
        switch basis {
        case .predictedMinimum: "predicted minimum"
        case .failureProbability: "failure probability"
        case .predictedMinimumNoProbability: "predicted minimum (no failure probability yet)"
        }
    }
}
