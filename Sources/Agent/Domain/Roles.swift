/// How a model serves a furnace (the `deployments` table's `role`).
public enum DeploymentRole: String, Sendable, Codable, CaseIterable, Equatable {
    /// Its predictions raise the furnace's alarms.
    case champion
    /// A candidate predicting beside the champion, judged on the furnace's labeled events.
    case shadow
    /// The champion a promotion replaced, predicting beside the new champion during its watch: the evidence for
    /// confirming the new champion or rolling it back.
    case watch
}

/// Which prediction a stored row is (the `predictions` table's `role`).
public enum PredictionRole: String, Sendable, Codable, CaseIterable, Equatable {
    case champion
    case shadow
    case watch
    /// The documented fallback rule (model version 0), when no model is usable.
    case fallback

    /// The prediction role of a deployment.
    public init(_ role: DeploymentRole) {
        switch role {
        case .champion: self = .champion
        case .shadow: self = .shadow
        case .watch: self = .watch
        }
    }
}

/// A registered model's most important role anywhere (the `models` table's `state`), kept by the registry.
public enum ModelState: String, Sendable, Codable, CaseIterable, Equatable {
    /// Trained, not (yet) serving.
    case candidate
    /// Predicting beside a champion somewhere (as a shadow or during a watch).
    case shadow
    /// The champion of at least one furnace.
    case champion
    /// Served once, serves nowhere now.
    case retired
}

/// An alarm's life: raised `active`, then `confirmed` (the event failed) or `cleared` (it reached its vacuum, or
/// the agent restarted and could not follow the event).
public enum AlarmState: String, Sendable, Codable, CaseIterable, Equatable {
    case active
    case confirmed
    case cleared
}

/// How far above the threshold an alarm's prediction lies.
public enum AlarmSeverity: String, Sendable, Codable, CaseIterable, Equatable, Comparable {
    case warning
    case critical

    public static func < (lhs: AlarmSeverity, rhs: AlarmSeverity) -> Bool { lhs == .warning && rhs == .critical }
}

/// Where an event's true minimum came from.
public enum MinimumSource: String, Sendable, Codable, CaseIterable, Equatable {
    /// The PLC's minimum-pressure register.
    case register
    /// The lowest pressure the agent polled during the event.
    case observed
}
