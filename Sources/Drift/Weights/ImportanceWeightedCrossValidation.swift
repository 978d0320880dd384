import Glibc
import Support

/// Importance-weighted cross-validation (Sugiyama, Krauledat & Müller 2007, "Covariate shift adaptation by
/// importance weighted cross validation", JMLR 8): the error a learning procedure would make on the target
/// distribution, estimated from labeled source rows alone — each held-out row's loss weighted by its importance
/// w(x) ≈ p_target(x)/p_source(x). Unbiased under covariate shift where ordinary cross-validation is not, so
/// procedures (here: ways of weighting the training rows, "none" among them) can be compared without a single
/// target label.
///
/// Rows are held out by group (all checkpoints of one event together): rows of one group are not independent, and
/// splitting them would let a procedure be judged on rows it has nearly seen.
public struct ImportanceWeightedCrossValidation: Sendable, Equatable {
    /// The number of folds, ≥ 2.
    public var folds: Int
    /// Seeds the assignment of groups to folds.
    public var seed: UInt64

    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for fewer than 2 folds.
    public init(folds: Int = 3, seed: UInt64 = 1) throws(DriftError) {
        guard folds >= 2 else {
            throw .invalidParameter(name: "folds", value: Double(folds), requirement: "an integer ≥ 2")
        }
        self.folds = folds
        self.seed = seed
    }

    /// The held-out rows of each fold: groups shuffled by the seed and dealt round-robin, never split.
    /// - Parameter groups: one group key per row.
    /// - Returns: `min(folds, distinct groups)` folds of row indices, each in row order.
    public func heldOut<Group: Hashable>(groups: [Group]) -> [[Int]] {
        var order: [Group] = []
        var seen: [Group: Int] = [:]
        for group in groups where seen[group] == nil {
            seen[group] = order.count
            order.append(group)
        }
        var generator = SeededGenerator(seed: seed, UInt64(order.count))
        var positions = Array(order.indices)
        generator.shuffle(&positions)
        let count = min(folds, order.count)
        guard count > 0 else { return [] }
        var foldOfGroup = [Int](repeating: 0, count: order.count)
        for (rank, position) in positions.enumerated() { foldOfGroup[position] = rank % count }
        var result = [[Int]](repeating: [], count: count)
        for (row, group) in groups.enumerated() { result[foldOfGroup[seen[group]!]].append(row) }
        return result
    }

    /// One procedure's estimated target risk.
    public struct Estimate: Sendable, Equatable {
        /// Σ wᵢℓᵢ / Σ wᵢ over every held-out row.
        public var risk: Double
        /// Per group (in order of first appearance): Σ wᵢℓᵢ over its rows.
        public var groupLoss: [Double]
        /// Per group: Σ wᵢ over its rows.
        public var groupWeight: [Double]
    }

    /// Each procedure's loss on every row, from the fold that held the row out: procedure `p` is trained on the
    /// other folds' rows and scored on the held-out ones.
    /// - Parameters:
    ///   - groups: one group key per source row.
    ///   - procedures: how many procedures to compare.
    ///   - losses: trains procedure `p` on the `training` rows and returns its loss on each `heldOut` row, in order.
    /// - Returns: per procedure, one loss per row.
    /// - Throws: ``DriftError`` for a count that does not match or a negative or non-finite loss; what `losses`
    ///   throws.
    public func heldOutLosses<Group: Hashable>(
        groups: [Group], procedures: Int,
        losses: (_ procedure: Int, _ training: [Int], _ heldOut: [Int]) throws -> [Double]
    ) throws -> [[Double]] {
        var result = [[Double]](repeating: .init(repeating: 0, count: groups.count), count: procedures)
        for fold in heldOut(groups: groups) {
            let out = Set(fold)
            let training = groups.indices.filter { !out.contains($0) }
            for procedure in 0..<procedures {
                let values = try losses(procedure, training, fold)
                guard values.count == fold.count else {
                    throw DriftError.invalidParameter(
                        name: "held-out losses", value: Double(values.count),
                        requirement: "one per held-out row (\(fold.count))")
                }
                for (row, loss) in zip(fold, values) {
                    guard loss.isFinite, loss >= 0 else {
                        throw DriftError.nonFiniteValue(
                            sample: "held-out losses", row: row, feature: "loss", value: loss)
                    }
                    result[procedure][row] = loss
                }
            }
        }
        return result
    }

    /// A procedure's target risk from its held-out losses, each row weighted by its importance. The losses do not
    /// depend on the importance, so one set of losses can be weighted by several estimates of it.
    /// - Throws: ``DriftError`` for a count that does not match, a negative or non-finite weight, all-zero weights.
    public static func estimate<Group: Hashable>(
        losses: [Double], groups: [Group], importance: [Double]
    ) throws(DriftError) -> Estimate {
        guard importance.count == groups.count, losses.count == groups.count else {
            throw .invalidParameter(
                name: "importance weights and losses", value: Double(min(importance.count, losses.count)),
                requirement: "one of each per row (\(groups.count))")
        }
        let diagnostics = try WeightDiagnostics(importance)
        guard diagnostics.sum > 0 else {
            throw .invalidParameter(name: "importance weights", value: 0, requirement: "not all 0")
        }
        var groupIndex: [Group: Int] = [:]
        for group in groups where groupIndex[group] == nil { groupIndex[group] = groupIndex.count }
        var estimate = Estimate(
            risk: 0, groupLoss: .init(repeating: 0, count: groupIndex.count),
            groupWeight: .init(repeating: 0, count: groupIndex.count))
        for row in groups.indices {
            let group = groupIndex[groups[row]]!
            estimate.groupLoss[group] += importance[row] * losses[row]
            estimate.groupWeight[group] += importance[row]
        }
        estimate.risk = estimate.groupLoss.reduce(0, +) / diagnostics.sum
        return estimate
    }

    /// The difference of two procedures' risks (a − b) and its standard error over groups (a ratio estimator: the
    /// groups are the independent units).
    public static func difference(_ a: Estimate, _ b: Estimate) -> (difference: Double, standardError: Double) {
        let total = a.groupWeight.reduce(0, +)
        let count = a.groupLoss.count
        guard total > 0, count > 1, b.groupLoss.count == count else { return (a.risk - b.risk, .infinity) }
        let difference = (a.groupLoss.reduce(0, +) - b.groupLoss.reduce(0, +)) / total
        var squares = 0.0
        for group in 0..<count {
            let residual = a.groupLoss[group] - b.groupLoss[group] - difference * a.groupWeight[group]
            squares += residual * residual
        }
        let standardError = (Double(count) / Double(count - 1) * squares).squareRoot() / total
        return (difference, standardError)
    }
}
