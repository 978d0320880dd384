import Glibc

/// How usable a set of importance weights is: a few huge weights mean the reweighted data rest on a few rows.
public struct WeightDiagnostics: Sendable, Equatable {
    /// The number of weights.
    public let count: Int
    /// Σw.
    public let sum: Double
    /// Kish's effective sample size (Σw)²/Σw²: the number of equally weighted rows carrying as much information.
    public let effectiveSampleSize: Double
    /// ``effectiveSampleSize`` / ``count``, in (0, 1].
    public let effectiveSampleShare: Double
    /// The largest weight.
    public let maximum: Double
    /// The largest weight over the mean weight.
    public let maximumOverMean: Double
    /// The share of Σw held by the largest 1% of the weights (at least one weight).
    public let topOnePercentShare: Double

    /// Computes the diagnostics.
    /// - Throws: ``DriftError/emptySample(sample:)`` for no weights, ``DriftError/nonFiniteValue`` for a NaN,
    ///   infinite or negative weight.
    public init(_ weights: [Double]) throws(DriftError) {
        guard !weights.isEmpty else { throw .emptySample(sample: "weights") }
        if let row = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw .nonFiniteValue(sample: "weights", row: row, feature: "weight", value: weights[row])
        }
        count = weights.count
        sum = weights.reduce(0, +)
        let squares = weights.reduce(0) { $0 + $1 * $1 }
        effectiveSampleSize = squares > 0 ? sum * sum / squares : 0
        effectiveSampleShare = effectiveSampleSize / Double(count)
        maximum = weights.max()!
        maximumOverMean = sum > 0 ? maximum / (sum / Double(count)) : 0
        let top = max(1, (weights.count + 99) / 100)
        let largest = weights.sorted(by: >).prefix(top).reduce(0, +)
        topOnePercentShare = sum > 0 ? largest / sum : 0
    }

    /// The weights with every value above `maximum` lowered to it (truncated importance weighting): some bias for
    /// much less variance when a few rows dominate.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` unless `maximum` > 0.
    public static func clipped(_ weights: [Double], maximum: Double) throws(DriftError) -> [Double] {
        guard maximum > 0, !maximum.isNaN else {
            throw .invalidParameter(name: "clipping maximum", value: maximum, requirement: "a number > 0")
        }
        return weights.map { min($0, maximum) }
    }

    /// The weights flattened to w^λ with the largest λ in [0, 1] whose effective sample size is at least
    /// `minimumShare` of the rows (Shimodaira 2000: λ = 1 is the full correction, λ = 0 none; in between, less
    /// variance for some bias). Weights that already keep that share are returned as they are.
    /// - Returns: the weights and λ.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` unless `minimumShare` is in [0, 1].
    public static func flattened(
        _ weights: [Double], minimumShare: Double
    ) throws(DriftError) -> (weights: [Double], exponent: Double) {
        guard (0...1).contains(minimumShare) else {
            throw .invalidParameter(name: "minimum effective share", value: minimumShare, requirement: "within 0...1")
        }
        func share(_ exponent: Double) -> Double {
            let powered = weights.map { $0 > 0 ? pow($0, exponent) : 0 }
            let sum = powered.reduce(0, +)
            let squares = powered.reduce(0) { $0 + $1 * $1 }
            return squares > 0 ? sum * sum / squares / Double(weights.count) : 0
        }
        guard !weights.isEmpty, share(1) < minimumShare else { return (weights, 1) }
        // The share falls as λ grows (the weights spread further apart); bisect for the largest λ that keeps it.
        var low = 0.0
        var high = 1.0
        for _ in 0..<40 {
            let middle = (low + high) / 2
            if share(middle) >= minimumShare { low = middle } else { high = middle }
        }
        return (weights.map { $0 > 0 ? pow($0, low) : 0 }, low)
    }
}
