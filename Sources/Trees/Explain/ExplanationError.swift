/// A prediction that cannot be explained: the model's trees lack the node covers TreeSHAP weighs paths by, or the
/// rows to explain lack one of the model's features.
public struct ExplanationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The tree's root splits but has no cover (`sum_hessian` is 0 or absent): the file does not say how the
        /// training rows divided at its splits.
        case missingCover(tree: Int)
        /// A node's cover is negative, infinite or NaN.
        case invalidCover(tree: Int, node: Int, value: Float)
        /// The rows to explain do not fit the model (a feature column is missing).
        case data(DatasetError)
    }

    /// What is wrong.
    public var reason: Reason

    /// Creates an error.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// One sentence saying what is wrong and what to do.
    public var description: String {
        switch reason {
        case .missingCover(let tree):
            "cannot explain the model's predictions: tree \(tree) has no node covers (sum_hessian), so it does not "
                + "record how its training rows divided; recompute the covers from the rows it was trained on, "
                + "or retrain it"
        case .invalidCover(let tree, let node, let value):
            "cannot explain the model's predictions: node \(node) of tree \(tree) has cover \(value), "
                + "which must be a finite number ≥ 0"
        case .data(let error): "cannot explain the rows: \(error)"
        }
    }
}
