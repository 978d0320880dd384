/// When a predicted minimum pressure becomes an alarm, and how severe it is.
public struct AlarmPolicy: Sendable, Equatable {
    /// An alarm needs the prediction above `threshold × (1 + margin)` (default 0: above the threshold).
    public var margin: Double
    /// How many consecutive checkpoint predictions must be above it (default 1: the first one raises).
    public var confirmations: Int
    /// Predictions above `threshold × criticalFactor` are `critical`, others `warning` (default 2).
    public var criticalFactor: Double

    public init(margin: Double = 0, confirmations: Int = 1, criticalFactor: Double = 2) {
        self.margin = margin
        self.confirmations = max(1, confirmations)
        self.criticalFactor = criticalFactor
    }

    /// Whether the predictions so far (checkpoint order) call for an alarm now.
    public func shouldRaise(predictions: [Double], threshold: Double) -> Bool {
        guard predictions.count >= confirmations else { return false }
        return predictions.suffix(confirmations).allSatisfy { $0 > threshold * (1 + margin) }
    }

    /// `critical` above `threshold × criticalFactor`, else `warning`.
    public func severity(predicted: Double, threshold: Double) -> AlarmSeverity {
        predicted > threshold * criticalFactor ? .critical : .warning
    }
}
