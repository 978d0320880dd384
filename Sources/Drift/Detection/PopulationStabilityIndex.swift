import Glibc

/// The Population Stability Index of one feature: Σ (aᵢ − eᵢ) ln(aᵢ / eᵢ) over bins, where eᵢ and aᵢ are the
/// shares of the reference and current values in bin i.
///
/// Bins are cut at the reference quantiles (by default deciles), so each holds about the same share of the
/// reference; the outer bins are open-ended, so current values outside the reference range still count. Repeated
/// quantiles (heavily tied features) merge into one bin; a constant reference gets three bins: below, at and above its
/// value. A share of zero is floored at ``smallestShare`` so an empty
/// bin adds a large but finite amount. Common reading: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major.
public struct PopulationStabilityIndex: Sendable, Equatable {
    /// The floor for an empty bin's share.
    public static let smallestShare = 1e-4

    /// The index, ≥ 0.
    public let value: Double
    /// The inner bin edges: a value v falls in the first bin whose edge is ≥ v, or in the last bin.
    public let edges: [Double]
    /// The reference share of each bin.
    public let referenceShares: [Double]
    /// The current share of each bin.
    public let currentShares: [Double]

    /// Computes the index.
    /// - Parameters:
    ///   - reference: The reference values of the feature, which place the bin edges.
    ///   - current: The current values.
    ///   - bins: The number of quantile bins wanted (≥ 2); fewer result when quantiles repeat.
    /// - Throws: ``DriftError/emptySample(sample:)`` for an empty sample, ``DriftError/invalidParameter`` for
    ///   fewer than 2 bins, ``DriftError/nonFiniteValue`` for NaN or infinity.
    public init(reference: [Double], current: [Double], bins: Int = 10) throws(DriftError) {
        guard bins >= 2 else { throw .invalidParameter(name: "bins", value: Double(bins), requirement: "at least 2") }
        for (name, sample) in [("reference", reference), ("current", current)] {
            guard !sample.isEmpty else { throw .emptySample(sample: name) }
            if let row = sample.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(sample: name, row: row, feature: "-", value: sample[row])
            }
        }
        let sorted = reference.sorted()
        var edges: [Double] = []
        for bin in 1..<bins {
            let edge = Self.quantile(sorted, Double(bin) / Double(bins))
            // An edge at the maximum would leave the last bin empty of reference values.
            if edge < sorted[sorted.count - 1], edges.last.map({ edge > $0 }) ?? true { edges.append(edge) }
        }
        // A constant reference leaves no edge, and one bin holds everything: the index would be 0 however far the
        // current values moved. Bins below, at and above the one value keep a move visible.
        if edges.isEmpty { edges = [sorted[0].nextDown, sorted[0]] }
        let referenceShares = Self.shares(reference, edges: edges)
        let currentShares = Self.shares(current, edges: edges)
        var value = 0.0
        for bin in referenceShares.indices {
            let expected = max(referenceShares[bin], Self.smallestShare)
            let actual = max(currentShares[bin], Self.smallestShare)
            value += (actual - expected) * log(actual / expected)
        }
        self.value = value
        self.edges = edges
        self.referenceShares = referenceShares
        self.currentShares = currentShares
    }

    /// The linear-interpolation quantile of sorted values (the usual "type 7" definition).
    static func quantile(_ sorted: [Double], _ probability: Double) -> Double {
        let position = probability * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + fraction * (sorted[above] - sorted[below])
    }

    private static func shares(_ values: [Double], edges: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for value in values {
            // First edge ≥ value, by binary search.
            var low = 0
            var high = edges.count
            while low < high {
                let middle = (low + high) / 2
                if edges[middle] >= value { high = middle } else { low = middle + 1 }
            }
            counts[low] += 1
        }
        return counts.map { Double($0) / Double(values.count) }
    }
}
