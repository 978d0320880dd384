import Glibc

/// How one model did on one labeled event, from `alarm_from` on.
public struct EventScore: Sendable, Equatable, Codable {
    /// Mean |log(predicted ÷ true minimum)| over the checkpoints: symmetric (an under-prediction by half costs
    /// what an over-prediction by double does, where MAPE would cap it at 50 %).
    public var logError: Double
    /// Mean absolute percentage error over the checkpoints, %.
    public var percentError: Double
    /// Whether its predictions would have raised an alarm (the alarm policy on its own predictions).
    public var alarmed: Bool
    /// Log error by checkpoint (seconds).
    public var checkpointLogErrors: [Int: Double]
    /// Of its predictions compared, how many were stored with an interval, and how many of those held the true
    /// minimum.
    public var intervals = 0
    public var intervalsHeld = 0

    public init(
        logError: Double, percentError: Double, alarmed: Bool, checkpointLogErrors: [Int: Double], intervals: Int = 0,
        intervalsHeld: Int = 0
    ) {
        self.logError = logError
        self.percentError = percentError
        self.alarmed = alarmed
        self.checkpointLogErrors = checkpointLogErrors
        self.intervals = intervals
        self.intervalsHeld = intervalsHeld
    }

    enum CodingKeys: String, CodingKey {
        case logError = "log_error"
        case percentError = "percent_error"
        case alarmed
        case checkpointLogErrors = "checkpoint_log_errors"
    }
}

/// One labeled event both models predicted for.
public struct PairedEvent: Sendable, Equatable {
    public var eventID: Int64
    public var start: Int64
    public var failed: Bool
    public var challenger: EventScore
    public var incumbent: EventScore

    public init(eventID: Int64, start: Int64, failed: Bool, challenger: EventScore, incumbent: EventScore) {
        self.eventID = eventID
        self.start = start
        self.failed = failed
        self.challenger = challenger
        self.incumbent = incumbent
    }
}

/// Two models' live errors on the same labeled events of one furnace, event by event: the evidence promotions and
/// rollbacks are decided on. Pure: built from the stored predictions and outcomes.
public struct LiveComparison: Sendable, Equatable {
    public var device: String
    public var challenger: Int
    public var incumbent: Int
    /// In event order.
    public var events: [PairedEvent]

    /// Pairs the two models' predictions per event, from `fromCheckpoint` on, keeping the events where both
    /// predicted at the same checkpoints (at least one).
    /// - Parameters:
    ///   - rows: labeled predictions of (at least) the two models.
    ///   - policy: the alarm rule, to tell whether each model's own predictions would have alarmed (with
    ///     `alarm_on: failure_probability`, by the failure probabilities stored with them).
    public init(
        device: String, challenger: Int, incumbent: Int, rows: [LabeledPrediction], fromCheckpoint: Int,
        policy: AlarmPolicy
    ) {
        self.device = device
        self.challenger = challenger
        self.incumbent = incumbent
        var byEvent: [Int64: [LabeledPrediction]] = [:]
        for row in rows where row.checkpoint >= fromCheckpoint && row.minimum > 0 && row.predicted > 0 {
            byEvent[row.eventID, default: []].append(row)
        }
        events = byEvent.values.compactMap { rows -> PairedEvent? in
            let a = Dictionary(
                rows.filter { $0.modelVersion == challenger }.map { ($0.checkpoint, $0) },
                uniquingKeysWith: { f, _ in f })
            let b = Dictionary(
                rows.filter { $0.modelVersion == incumbent }.map { ($0.checkpoint, $0) },
                uniquingKeysWith: { f, _ in f })
            let shared = Set(a.keys).intersection(b.keys).sorted()
            guard let first = shared.first.flatMap({ a[$0] }) else { return nil }
            func score(_ predictions: [Int: LabeledPrediction]) -> EventScore {
                let ordered = shared.compactMap { predictions[$0] }
                let logs = ordered.map { abs(log($0.predicted / $0.minimum)) }
                let percents = ordered.map { 100 * abs($0.predicted - $0.minimum) / $0.minimum }
                let stored = ordered.compactMap { row in row.uncertainty.map { (row.minimum, $0) } }
                return EventScore(
                    logError: logs.reduce(0, +) / Double(logs.count),
                    percentError: percents.reduce(0, +) / Double(percents.count),
                    alarmed: policy.raisesDuring(
                        observations: ordered.map {
                            AlarmPolicy.Observation(predicted: $0.predicted, failureProbability: $0.failureProbability)
                        }, threshold: first.threshold),
                    checkpointLogErrors: Dictionary(uniqueKeysWithValues: zip(shared, logs)),
                    intervals: stored.count,
                    intervalsHeld: stored.filter { minimum, interval in interval.contains(minimum) }.count)
            }
            return PairedEvent(
                eventID: first.eventID, start: first.eventStart, failed: first.failed, challenger: score(a),
                incumbent: score(b))
        }.sorted { $0.start < $1.start }
    }

    public init(device: String, challenger: Int, incumbent: Int, events: [PairedEvent]) {
        self.device = device
        self.challenger = challenger
        self.incumbent = incumbent
        self.events = events
    }

    /// Mean MAPE of each model over the paired events, % (for people; decisions use log errors and alarms).
    public var challengerMAPE: Double { Self.mean(events.map(\.challenger.percentError)) }
    public var incumbentMAPE: Double { Self.mean(events.map(\.incumbent.percentError)) }
    public var challengerLogError: Double { Self.mean(events.map(\.challenger.logError)) }
    /// The share of each model's stored intervals over the paired events that held the true minimum; nil without any.
    public var challengerIntervalCoverage: Double? { Self.coverage(events.map(\.challenger)) }
    public var incumbentIntervalCoverage: Double? { Self.coverage(events.map(\.incumbent)) }

    static func coverage(_ scores: [EventScore]) -> Double? {
        let intervals = scores.map(\.intervals).reduce(0, +)
        return intervals > 0 ? Double(scores.map(\.intervalsHeld).reduce(0, +)) / Double(intervals) : nil
    }
    public var incumbentLogError: Double { Self.mean(events.map(\.incumbent.logError)) }

    /// Failed events a model's predictions would not have alarmed.
    public var challengerMissed: Int { events.filter { $0.failed && !$0.challenger.alarmed }.count }
    public var incumbentMissed: Int { events.filter { $0.failed && !$0.incumbent.alarmed }.count }
    /// Events that reached their vacuum but a model's predictions would have alarmed.
    public var challengerFalseAlarms: Int { events.filter { !$0.failed && $0.challenger.alarmed }.count }
    public var incumbentFalseAlarms: Int { events.filter { !$0.failed && $0.incumbent.alarmed }.count }

    /// Mean log error per checkpoint of each model.
    public func checkpointLogErrors() -> [Int: (challenger: Double, incumbent: Double)] {
        var sums: [Int: (Double, Double, Int)] = [:]
        for event in events {
            for (checkpoint, error) in event.challenger.checkpointLogErrors {
                guard let other = event.incumbent.checkpointLogErrors[checkpoint] else { continue }
                let current = sums[checkpoint] ?? (0, 0, 0)
                sums[checkpoint] = (current.0 + error, current.1 + other, current.2 + 1)
            }
        }
        return sums.mapValues { ($0.0 / Double($0.2), $0.1 / Double($0.2)) }
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }
}
