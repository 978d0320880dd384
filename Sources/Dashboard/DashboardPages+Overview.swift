import Agent
import Plant
import Support

extension DashboardPages {
    /// Every furnace: connection health, champion, the event under way (or the last one) with its pump-down curve
    /// and checkpoint predictions, active alarms.
    public func overview() async throws -> String {
        let report = try await statusReport()
        let active = try await store.activeAlarms()
        var body = ""
        if let report {
            let agent = report.agent
            body +=
                "<p>Status report of \(HTML.escape(report.time)) (plant time) · agent \(HTML.escape(agent.version)) · "
                + "memory \(NumberFormat.fixed(Double(agent.residentBytes) / 1_048_576, decimals: 1)) MiB · cpu "
                + "\(NumberFormat.reading(agent.cpuSeconds)) s · outbox \(agent.outbox.pending) waiting"
                + (agent.broker.map {
                    " · broker \(HTML.escape($0.address)) "
                        + ($0.connected ? "connected" : "<span class=\"bad\">not connected</span>")
                } ?? "")
                + "</p>"
        } else {
            body += "<p class=\"muted\">The agent has written no status report yet.</p>"
        }
        body += "<div class=\"cards\">"
        for device in try await deviceIDs(report: report) {
            body += try await furnaceCard(device, section: report?.devices.first { $0.id == device }, active: active)
        }
        body += "</div>"
        return HTML.page(title: "Overview", section: .overview, refreshSeconds: refreshSeconds, body: body)
    }

    private func furnaceCard(
        _ device: String, section: StatusReport.DeviceSection?, active: [AlarmRecord]
    ) async throws -> String {
        var card = "<section class=\"card\" id=\"furnace-\(HTML.escape(device))\"><h2>\(Self.furnaceLink(device))</h2>"
        if let section {
            let collection = section.collection
            let health =
                collection.consecutiveFailures > 0
                ? "<span class=\"bad\">not read for \(collection.consecutiveFailures) polls</span>"
                    + (collection.lastError.map { " (\(HTML.escape($0)))" } ?? "")
                : "<span class=\"ok\">read</span>"
            card +=
                "<p>\(HTML.escape(collection.connection)): \(health); last good poll "
                + "\(HTML.escape(collection.lastGoodPoll ?? "never")); last hour \(collection.lastHour.ok) ok, "
                + "\(collection.lastHour.invalid) invalid, \(collection.lastHour.missing) missing</p>"
            var serving = "<p>Champion: <strong>\(HTML.escape(section.predictionSource))</strong>"
            if !section.shadows.isEmpty {
                serving += ", shadows " + section.shadows.map { "v\($0)" }.joined(separator: ", ")
            }
            if let watch = section.watch { serving += ", watched against v\(watch)" }
            if section.onboarding { serving += " (onboarding)" }
            card += serving + "</p>"
        } else {
            card += "<p class=\"muted\">Not in the agent's last status report.</p>"
        }
        let alarms = active.filter { $0.device == device }
        card +=
            alarms.isEmpty
            ? "<p>No active alarm.</p>"
            : "<p class=\"bad\">Active alarms: "
                + alarms.map { "\(HTML.escape($0.id)) (\($0.severity.rawValue), event \($0.eventID))" }.joined(
                    separator: ", ") + "</p>"
        if let event = try await store.events(device: device, limit: 1, withFeatures: false).last {
            card += try await eventChart(event, underWay: section?.event?.id == event.id)
        } else {
            card += "<p class=\"muted\">No pumping event yet.</p>"
        }
        return card + "</section>"
    }

    /// The pump-down curve of one event with every checkpoint prediction on it.
    func eventChart(_ event: StoredEvent, underWay: Bool) async throws -> String {
        var series: [SVGChart.Series] = []
        if let signal = try await pressureSignal(device: event.device) {
            let readings = try await store.readings(
                device: event.device, signal: signal, from: event.start, to: event.end ?? .max, limit: 20_000)
            series.append(
                SVGChart.Series(
                    name: signal,
                    points: readings.compactMap { reading in
                        reading.value.map { (Double(reading.timeMilliseconds - event.start) / 1000, $0) }
                    }, color: "#23303d"))
        }
        let predictions = try await store.predictions(eventID: event.id)
        let models = Array(Set(predictions.map(\.modelVersion))).sorted()
        for (index, model) in models.enumerated() {
            series.append(
                SVGChart.Series(
                    name: "predicted by \(Self.modelName(model))",
                    points: predictions.filter { $0.modelVersion == model }.map {
                        (Double($0.checkpoint), $0.predicted)
                    },
                    color: SVGChart.palette[(index + 1) % SVGChart.palette.count], pointsOnly: true,
                    intervals: predictions.filter { $0.modelVersion == model }.compactMap { prediction in
                        prediction.uncertainty.map { (Double(prediction.checkpoint), $0.lowMbar, $0.highMbar) }
                    }, offset: 6 * (Double(index) - Double(models.count - 1) / 2)))
        }
        var rules = [SVGChart.Rule(name: "threshold", y: event.threshold, color: "#b3261e")]
        if let minimum = event.minimum {
            rules.append(SVGChart.Rule(name: "true minimum", y: minimum, color: "#2e933c"))
        }
        let title =
            "event \(event.id) " + (underWay ? "under way" : "of \(Self.time(event.start))")
            + (event.minimum.map { ", minimum \(NumberFormat.reading($0)) mbar" } ?? "")
        let chart = SVGChart(
            title: title, xLabel: "seconds into the event", yLabel: "mbar (log scale)", series: series, rules: rules,
            xFormat: { NumberFormat.fixed($0, decimals: 0) }, logY: true)
        let rows = predictions.map {
            [
                String($0.checkpoint), Self.modelName($0.modelVersion), $0.role.rawValue,
                NumberFormat.reading($0.predicted), Self.interval($0.uncertainty),
                Self.probability($0.uncertainty?.failureProbability),
            ]
        }
        return chart.render()
            + HTML.table(
                [
                    "checkpoint (s)", "model", "role", "predicted minimum (mbar)", "90 % interval (mbar)",
                    "failure probability",
                ], rows, empty: "no prediction yet")
    }
}
