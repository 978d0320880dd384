import Drift

/// A persistent change of the relation between features and minimum on a furnace — a worn pump, a recalibrated
/// gauge — which shows in the champion's error stream while the features themselves look as before.
///
/// Runs a Page–Hinkley test for an increase of the champion's per-event log error from `alarm_from` on (δ = 0.05,
/// λ = `concept_drift_threshold`, at least 10 events), over the events since the champion took over or since the
/// last signal. Stateless: the stream is read back from the stored predictions, so a restart loses nothing.
public struct ConceptDriftMonitor: Sendable, Equatable {
    public let threshold: Double
    /// The tolerated change δ of the mean log error.
    public static let tolerance = 0.05
    /// The fewest events before a signal.
    public static let minimumEvents = 10

    public init(policy: AgentPolicy) { threshold = policy.conceptDriftThreshold }

    /// Where in the error stream (event index) a persistent increase was signalled, if anywhere.
    public func signal(in errors: [Double]) -> Int? {
        guard
            var test = try? PageHinkley(
                delta: Self.tolerance, threshold: threshold, forgettingFactor: 1,
                minimumInstances: Self.minimumEvents, direction: .increase)
        else { return nil }
        for (index, error) in errors.enumerated() where test.update(error) {
            return index
        }
        return nil
    }
}
