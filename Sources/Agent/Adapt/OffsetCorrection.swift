import Glibc

/// A model's systematic error on one furnace, learned from that furnace's own labeled events: the factor its
/// predictions are multiplied by there.
///
/// A new furnace's first events say little about how features relate to its minimum, but they say at once
/// whether a model is biased there (a hotter charge, a gauge that reads high: every event's minimum comes out
/// above the prediction). One number per furnace can be learned from a handful of events where a retrained model
/// could not: the mean log error per event (each event counts once, whatever its checkpoints), shrunk toward no
/// correction as if ``priorEvents`` events without error had been seen, each event's error clipped to
/// ±``largestLogError`` so that one leak episode cannot set the furnace's factor.
public struct OffsetCorrection: Sendable, Equatable {
    /// log(factor): positive when the model predicts too low on this furnace.
    public var logFactor: Double
    /// The labeled events it was learned from.
    public var events: Int

    /// Events without error the estimate is shrunk toward, as if they had been seen.
    public static let priorEvents = 3.0
    /// The largest log error one event contributes (a factor of e^1.5 ≈ 4.5).
    public static let largestLogError = 1.5

    public init(logFactor: Double, events: Int) {
        self.logFactor = logFactor
        self.events = events
    }

    /// The factor predictions are multiplied by.
    public var factor: Double { exp(logFactor) }

    /// The correction learned from labeled events.
    /// - Parameters:
    ///   - events: each event's rows (its checkpoints), all with the event's true minimum.
    ///   - predict: the model's predicted minimum for a row, nil when it cannot predict.
    public static func fitted(
        toEvents events: [[LabeledRow]], predict: ([String: Double]) -> Double?
    ) -> OffsetCorrection {
        var total = 0.0
        var counted = 0
        for rows in events {
            let errors = rows.compactMap { row -> Double? in
                guard let predicted = predict(row.features), predicted > 0, row.minimum > 0 else { return nil }
                return log(row.minimum / predicted)
            }
            guard !errors.isEmpty else { continue }
            let mean = errors.reduce(0, +) / Double(errors.count)
            total += max(-largestLogError, min(largestLogError, mean))
            counted += 1
        }
        return OffsetCorrection(logFactor: total / (Double(counted) + priorEvents), events: counted)
    }
}
