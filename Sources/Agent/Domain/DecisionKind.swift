/// Every kind of decision the audit log records (and `<prefix>/decisions` publishes); docs/alarms.md lists them.
public enum DecisionKind: String, Sendable, Codable, CaseIterable, Equatable {
    /// A model was trained and registered (the first model, or a candidate for a furnace).
    case candidate
    /// Training a candidate failed.
    case candidateFailed = "candidate_failed"
    /// The initial model file was registered at the first start.
    case imported
    /// The initial model file was refused.
    case initialModelRejected = "initial_model_rejected"
    /// A registered model cannot be used (its file is missing, damaged, or of another feature schema).
    case modelUnusable = "model_unusable"
    /// A model became the champion of furnaces (the first model, or a furnace joining the fleet).
    case deployed
    /// A new device file was picked up; the fleet's champion serves it until an adapted model wins.
    case onboarded
    /// A candidate started predicting beside a furnace's champion.
    case shadow
    /// A shadow beat the champion on that furnace.
    case promotion
    /// A shadow did not win and stops predicting.
    case shadowRejected = "shadow_rejected"
    /// A model was withdrawn from a furnace by hand.
    case withdrawn
    /// A new champion held up over its watch; the one it replaced stops predicting there.
    case confirmed
    /// A new champion did worse than the one it replaced; that one serves again.
    case rollback
    /// A furnace's recent events no longer look like its champion's training data.
    case drift
    /// A furnace that drifted looks like its champion's training data again.
    case driftCleared = "drift_cleared"
    /// A drift check could not run (too few events or reference rows); the reason is in the details.
    case driftCheckSkipped = "drift_check_skipped"
    /// The champion's error on a furnace changed persistently (a worn pump, a recalibrated gauge) without a
    /// covariate shift.
    case conceptDrift = "concept_drift"
    /// No model is usable: the fallback rule serves.
    case fallback
    /// A device file changed.
    case deviceUpdated = "device_updated"
    /// A device file disappeared; the device is no longer collected.
    case deviceRemoved = "device_removed"
    /// A device file has problems; running devices are untouched.
    case deviceFileRejected = "device_file_rejected"
    /// Events a previous run left open were closed and their alarms cleared.
    case restartRecovered = "restart_recovered"
}
