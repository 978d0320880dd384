import Drift
import Plant

/// When a furnace's recent events no longer look like its champion's training data, with a false-alarm rate
/// that is stated and controlled over repeated checks.
///
/// Each check compares the features at the last checkpoint of the furnace's `drift_window` most recent labeled
/// events with the model's reference sample — the furnace's own rows when the model saw at least 20 of them (a
/// furnace is exchangeable with its own past, not with the fleet's mix), the whole sample otherwise — by the
/// `Drift` module's detector at `drift_alpha` over all its tests. Checks run on fresh events only (no two share an
/// event), so consecutive verdicts are nearly independent, and a furnace the models know is treated as drifting
/// only after `drift_confirmations` flagged checks in a row: about `drift_alpha`^confirmations per check for an
/// unchanged furnace. A furnace being onboarded is new anyway: one flagged check is enough.
public struct DriftMonitor: Sendable, Equatable {
    public let alpha: Double
    public let confirmations: Int
    public let window: Int
    public let seed: UInt64
    /// The checkpoint whose features are compared (the last: the most of each event seen).
    public static let checkpoint = Int(PumpingEventFeatures.checkpoints.last!)
    /// The fewest rows of the furnace's own in a reference sample for it to be compared with itself.
    public static let ownReferenceRows = 20
    /// The features compared: how the pump-down unfolds and the conditions driving it. Left out: the checkpoint
    /// (constant here) and the previous event's minimum (it carries the last event over, so neighbours are not
    /// independent).
    public static let features = PumpingEventFeatures.dynamicNames.filter {
        $0 != "seconds_into_event" && $0 != "previous_event_minimum_mbar"
    }

    public init(policy: AgentPolicy) {
        alpha = policy.driftAlpha
        confirmations = policy.driftConfirmations
        window = policy.driftWindow
        seed = policy.seed
    }

    /// What one check found.
    public enum Outcome: Sendable, Equatable {
        case checked(DriftSummary)
        /// It could not run, and why.
        case skipped(reason: String)
    }

    /// Whether a check is due: `window` fresh labeled events since the last one.
    public func isDue(_ state: DriftState, labeledEvents: Int) -> Bool {
        labeledEvents >= state.labeledAtLastCheck + window
    }

    /// Runs one check (seconds of CPU for large references: call it off the loop).
    /// - Parameters:
    ///   - events: the furnace's most recent events (features by checkpoint).
    ///   - reference: the champion's reference sample.
    public func check(device: String, events: [[Int: [String: Double]]], reference: [ReferenceRow]) -> Outcome {
        let current = events.suffix(window).compactMap { $0[Self.checkpoint] }
        let atCheckpoint = reference.filter { $0.features["seconds_into_event"] == Double(Self.checkpoint) }
        let own = atCheckpoint.filter { $0.origin == device }
        let useOwn = own.count >= Self.ownReferenceRows
        let rows = (useOwn ? own : atCheckpoint).map(\.features)
        guard current.count >= min(window, 5) else {
            return .skipped(reason: "\(current.count) of \(window) recent events have features at \(Self.checkpoint) s")
        }
        guard rows.count >= 10 else {
            return .skipped(reason: "the model's reference sample has \(rows.count) rows at \(Self.checkpoint) s")
        }
        let report: DriftReport
        do {
            let (first, second) = try Self.matrices(rows, current)
            var settings = DriftDetector.Configuration()
            settings.significanceLevel = alpha
            // Enough permutations that the smallest p-values of the MMD and the classifier lie well below their
            // share of α.
            settings.permutations = max(200, Int((15 / alpha).rounded(.up)))
            settings.classifierPermutations = settings.permutations
            settings.seed = seed
            report = try DriftDetector(configuration: settings).detect(reference: first, current: second)
        } catch {
            return .skipped(reason: "\(error)")
        }
        return .checked(
            DriftSummary(
                flagged: report.drift, currentRows: report.currentRows, referenceRows: report.referenceRows,
                reference: useOwn ? "own" : "fleet", mmdPValue: report.maximumMeanDiscrepancy.pValue,
                classifierAUC: report.domainClassifier.areaUnderCurve,
                classifierPValue: report.domainClassifier.pValue,
                driftedFeatures: report.features.filter(\.drifted).map(\.feature), alpha: alpha))
    }

    /// What a check means for the agent.
    public enum Change: Sendable, Equatable {
        case none
        /// The furnace is now treated as drifting.
        case driftConfirmed
        /// It drifted and no longer does.
        case driftCleared
    }

    /// The furnace's drift state after a check.
    /// - Parameter onboarding: a furnace being onboarded needs one flagged check.
    public func record(
        _ outcome: Outcome, into state: DriftState, labeledEvents: Int, onboarding: Bool, at time: Int64
    ) -> (DriftState, Change) {
        var next = state
        next.lastCheck = time
        guard case .checked(let summary) = outcome else { return (next, .none) }
        next.labeledAtLastCheck = labeledEvents
        next.lastSummary = summary
        next.consecutiveFlags = summary.flagged ? state.consecutiveFlags + 1 : 0
        let needed = onboarding ? 1 : confirmations
        if !state.drifting, next.consecutiveFlags >= needed {
            next.drifting = true
            return (next, .driftConfirmed)
        }
        if state.drifting, !summary.flagged {
            next.drifting = false
            return (next, .driftCleared)
        }
        return (next, .none)
    }

    /// Reference and current matrices on the compared features: missing values imputed with the pooled median,
    /// features constant across both samples dropped.
    static func matrices(
        _ reference: [[String: Double]], _ current: [[String: Double]]
    ) throws -> (
        FeatureMatrix, FeatureMatrix
    ) {
        var names: [String] = []
        var columns: [([Double], [Double])] = []
        for name in features {
            let first = reference.map { $0[name] ?? .nan }
            let second = current.map { $0[name] ?? .nan }
            let present = (first + second).filter(\.isFinite).sorted()
            guard !present.isEmpty, present.first! != present.last! else { continue }
            let median = present[present.count / 2]
            names.append(name)
            columns.append((first.map { $0.isFinite ? $0 : median }, second.map { $0.isFinite ? $0 : median }))
        }
        guard !names.isEmpty else {
            throw DriftError.invalidParameter(name: "features", value: 0, requirement: "one that varies")
        }
        return (
            try FeatureMatrix(
                rows: reference.indices.map { row in columns.map { $0.0[row] } }, featureNames: names,
                sample: "reference"),
            try FeatureMatrix(
                rows: current.indices.map { row in columns.map { $0.1[row] } }, featureNames: names, sample: "current")
        )
    }
}
