/// A reason training cannot start: unusable data or an out-of-range parameter.
public struct TrainingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The dataset has no target values.
        case noTargets
        /// The dataset has no rows.
        case noRows
        /// The rows' weights add up to zero.
        case zeroTotalWeight
        /// A parameter is out of its range; the associated values name it, its value and the rule.
        case invalidParameter(name: String, value: String, rule: String)
        /// Training produced a tree with a non-finite value (a learning rate or targets so large that sums
        /// overflow); the associated text says where.
        case diverged(String)
    }

    /// What is wrong.
    public var reason: Reason

    /// Creates an error.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// One sentence saying what to fix.
    public var description: String {
        switch reason {
        case .noTargets: "the training data have no target column"
        case .noRows: "the training data have no rows"
        case .zeroTotalWeight: "the training rows' weights add up to zero"
        case .invalidParameter(let name, let value, let rule): "parameter \(name) = \(value) is invalid: \(rule)"
        case .diverged(let what):
            "training diverged (\(what)); lower the learning rate, or rescale targets this large"
        }
    }

    static func check(
        _ condition: Bool, _ name: String, _ value: some CustomStringConvertible, _ rule: String
    )
        throws(TrainingError)
    {
        if !condition { throw TrainingError(.invalidParameter(name: name, value: value.description, rule: rule)) }
    }
}
