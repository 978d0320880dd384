import Agent
import Plant
import Support

extension DashboardPages {
    /// The decisions that change where a model serves: the registry's timeline.
    static let timelineKinds: Set<DecisionKind> = [
        .imported, .candidate, .deployed, .onboarded, .shadow, .promotion, .shadowRejected, .withdrawn, .confirmed,
        .rollback, .fallback,
    ]

    /// The registry as a lineage (parent → child) with each model's weighting, data, metrics and where it serves,
    /// and the timeline of promotions and rollbacks.
    public func models() async throws -> String {
        let models = try await store.models()
        let deployments = try await store.deployments()
        let report = try await statusReport()
        var body = "<h2>Lineage</h2>"
        let versions = Set(models.map(\.version))
        let children = Dictionary(grouping: models.filter { $0.parent.map(versions.contains) ?? false }) {
            $0.parent ?? 0
        }
        func branch(_ model: ModelEntry) -> String {
            var item =
                "<li><a href=\"#model-\(model.version)\">v\(model.version)</a> "
                + "(\(HTML.escape(model.state.rawValue)), \(HTML.escape(model.weighting))"
                + (model.targetDevice.map { ", for \(HTML.escape($0))" } ?? "") + ")"
            if let next = children[model.version], !next.isEmpty {
                item += "<ul>" + next.sorted { $0.version < $1.version }.map(branch).joined() + "</ul>"
            }
            return item + "</li>"
        }
        let roots = models.filter { !($0.parent.map(versions.contains) ?? false) }
        body +=
            roots.isEmpty
            ? "<p class=\"muted\">No model registered.</p>" : "<ul>" + roots.map(branch).joined() + "</ul>"

        body += "<h2>Registry</h2>"
        body += HTML.table(
            [
                "model", "parent", "state", "algorithm", "weighting", "for", "created", "serves", "data",
                "offline metrics",
                "live MAPE",
            ],
            models.map { model in
                let serving = deployments.filter { $0.version == model.version }.map {
                    "\(Self.furnaceLink($0.device)) as \($0.role.rawValue)"
                }.joined(separator: ", ")
                let live = (report?.devices ?? []).compactMap { device -> String? in
                    guard let metrics = device.liveMetrics.first(where: { $0.model == model.version }) else {
                        return nil
                    }
                    return
                        "\(HTML.escape(device.id)): \(Self.number(metrics.mapePercent)) % over \(metrics.events) events"
                }.joined(separator: "<br>")
                return [
                    "<span id=\"model-\(model.version)\">v\(model.version)</span>",
                    model.parent.map { "v\($0)" } ?? "–", HTML.escape(model.state.rawValue),
                    HTML.escape(model.algorithm), HTML.escape(model.weighting),
                    model.targetDevice.map { Self.furnaceLink($0) } ?? "fleet",
                    HTML.escape(Self.time(model.created)), serving.isEmpty ? "–" : serving,
                    "<code>\(HTML.escape(model.dataWindow.serialized))</code>",
                    "<code>\(HTML.escape(model.offlineMetrics.serialized))</code>", live.isEmpty ? "–" : live,
                ]
            }, empty: "no model registered")

        body += "<h2>Timeline</h2>"
        let decisions = try await store.decisions(limit: 2000).filter { Self.timelineKinds.contains($0.kind) }
        body += decisionTable(decisions)
        return HTML.page(title: "Models", section: .models, refreshSeconds: refreshSeconds, body: body)
    }

    /// Every alarm with its lead time, and each furnace's precision and recall.
    public func alarms() async throws -> String {
        let report = try await statusReport()
        var body = "<h2>Precision and recall</h2>"
        var rows: [[String]] = []
        var all: [AlarmRecord] = []
        var events: [StoredEvent] = []
        for device in try await deviceIDs(report: report) {
            let performance = try await store.alarmPerformance(device: device)
            rows.append([
                Self.furnaceLink(device), String(performance.events), String(performance.failedEvents),
                String(performance.alarms), String(performance.confirmed), String(performance.falseAlarms),
                String(performance.missed), performance.precision.map { NumberFormat.fixed($0, decimals: 2) } ?? "–",
                performance.recall.map { NumberFormat.fixed($0, decimals: 2) } ?? "–",
                performance.meanLeadSeconds.map(Self.seconds) ?? "–",
                performance.minimumLeadSeconds.map(Self.seconds) ?? "–",
            ])
            all += try await store.alarms(device: device)
            events += try await store.events(device: device, limit: 100_000, withFeatures: false)
        }
        body += HTML.table(
            [
                "furnace", "labeled events", "failed", "alarms", "confirmed", "false", "missed", "precision", "recall",
                "mean lead", "shortest lead",
            ], rows, empty: "no furnace")
        body += "<h2>History</h2>"
        body += alarmTable(all.sorted { $0.raisedTime < $1.raisedTime }, events: events)
        return HTML.page(title: "Alarms", section: .alarms, refreshSeconds: refreshSeconds, body: body)
    }
}
