public import Agent
import Plant
import Support

/// The dashboard's pages and metrics, rendered from the agent's database through its store's read-only queries.
public struct DashboardPages: Sendable {
    /// The agent's database, opened read-only.
    public let store: AgentStore
    /// Seconds between the pages' automatic reloads (none when nil).
    public var refreshSeconds: Int?
    /// The polls and readings counters of `/metrics`, kept across scrapes.
    let collection = CollectionCounter()

    /// - Parameters:
    ///   - store: the database, opened read-only (`AgentStore(path:readOnly: true)`).
    ///   - refreshSeconds: how often a page reloads itself in the browser (nil: never).
    public init(store: AgentStore, refreshSeconds: Int? = 15) {
        self.store = store
        self.refreshSeconds = refreshSeconds
    }

    /// The agent's last status report, if it wrote one and it is of this program's version.
    func statusReport() async throws -> StatusReport? {
        guard let (_, bytes) = try await store.status() else { return nil }
        return try? JSONCoding.decode(StatusReport.self, from: bytes)
    }

    /// The furnaces: those of the status report, then any others the database knows.
    func deviceIDs(report: StatusReport?) async throws -> [String] {
        var ids = report?.devices.map(\.id) ?? []
        for id in try await store.deviceIDs() where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The signal whose readings are the pump-down curve: the chamber pressure by name, else any pressure.
    func pressureSignal(device: String) async throws -> String? {
        let names = try await store.signalNames(device: device)
        return names.first { $0 == "chamber_pressure" } ?? names.first {
            $0.contains("chamber") && $0.contains("pressure")
        }
            ?? names.first { $0.contains("pressure") }
    }

    static func time(_ milliseconds: Int64) -> String { PlantTime.iso8601(milliseconds) }

    static func number(_ value: Double?) -> String { value.map { NumberFormat.reading($0) } ?? "–" }

    /// A prediction's interval, `low–high` (`low–∞` when unbounded); `–` without one (too few labeled events).
    static func interval(_ uncertainty: PredictionUncertainty?) -> String {
        guard let uncertainty else { return "–" }
        return "\(NumberFormat.reading(uncertainty.lowMbar))–"
            + (uncertainty.highMbar.map { NumberFormat.reading($0) } ?? "∞")
    }

    /// A failure probability as a percentage; `–` without one.
    static func probability(_ value: Double?) -> String {
        value.map { NumberFormat.percent(100 * $0) } ?? "–"
    }

    /// An alarm's reasons: `feature = value (+0.42 mbar)`, one a line; `–` without any (the fallback rule).
    static func reasons(_ reasons: [AlarmReason]) -> String {
        guard !reasons.isEmpty else { return "–" }
        return reasons.map { reason in
            let sign = reason.contributionMbar >= 0 ? "+" : ""
            return "\(HTML.escape(reason.feature)) = \(reason.value.map { NumberFormat.reading($0) } ?? "missing") "
                + "(\(sign)\(NumberFormat.reading(reason.contributionMbar)) mbar)"
        }.joined(separator: "<br>")
    }

    static func modelName(_ version: Int) -> String { version == 0 ? "fallback rule" : "v\(version)" }

    static func furnaceLink(_ device: String) -> String {
        "<a href=\"/furnaces/\(HTML.pathSegment(device))\">\(HTML.escape(device))</a>"
    }

    static func seconds(_ value: Double) -> String {
        if value >= 3600 { return NumberFormat.fixed(value / 3600, decimals: 1, trimmingZeros: true) + " h" }
        if value >= 60 { return NumberFormat.fixed(value / 60, decimals: 1, trimmingZeros: true) + " min" }
        return NumberFormat.fixed(value, decimals: 0) + " s"
    }
}
