/// What the agent knows about one furnace's adaptation, kept in the database (`furnace_state`) so that a restart
/// resumes where it was: whether it is being onboarded, when its last candidate was built, its drift checks.
public struct FurnaceAdaptationState: Codable, Sendable, Equatable {
    /// It joined after the models were made and waits for its first adapted candidate.
    public var onboarding = false
    /// Its own labeled events when its last candidate was started (0: none yet).
    public var ownEventsAtLastCandidate = 0
    /// Candidates built for it.
    public var candidates = 0
    /// Its drift checks so far.
    public var drift = DriftState()
    /// When the champion's error on it last changed persistently (concept drift), plant time.
    public var conceptDriftAt: Int64?

    public init(onboarding: Bool = false) { self.onboarding = onboarding }

    enum CodingKeys: String, CodingKey {
        case onboarding
        case ownEventsAtLastCandidate = "own_events_at_last_candidate"
        case candidates, drift
        case conceptDriftAt = "concept_drift_at"
    }
}

/// A furnace's drift checks: how many in a row flagged it, whether the agent treats it as drifting.
public struct DriftState: Codable, Sendable, Equatable {
    /// Consecutive checks (on fresh events) whose own verdict was drift.
    public var consecutiveFlags = 0
    /// The verdict the agent acts on (confirmed by `drift_confirmations` checks).
    public var drifting = false
    /// When it was last checked, plant time.
    public var lastCheck: Int64?
    /// Its labeled events at the last check (the next check waits for fresh ones).
    public var labeledAtLastCheck = 0
    /// The last check's statistics, for status.
    public var lastSummary: DriftSummary?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case consecutiveFlags = "consecutive_flags"
        case drifting
        case lastCheck = "last_check"
        case labeledAtLastCheck = "labeled_at_last_check"
        case lastSummary = "last_summary"
    }
}

/// The statistics of one drift check, as status and the audit log show them.
public struct DriftSummary: Codable, Sendable, Equatable {
    /// This check's own verdict.
    public var flagged: Bool
    public var currentRows: Int
    public var referenceRows: Int
    /// `own` when the furnace was compared with its own rows of the model's training data, `fleet` otherwise.
    public var reference: String
    public var mmdPValue: Double
    public var classifierAUC: Double
    public var classifierPValue: Double
    public var driftedFeatures: [String]
    /// The check's false-alarm rate α (over all its tests).
    public var alpha: Double

    enum CodingKeys: String, CodingKey {
        case flagged
        case currentRows = "current_rows"
        case referenceRows = "reference_rows"
        case reference
        case mmdPValue = "mmd_p_value"
        case classifierAUC = "classifier_auc"
        case classifierPValue = "classifier_p_value"
        case driftedFeatures = "drifted_features"
        case alpha
    }
}
