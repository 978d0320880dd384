import Support

/// The kernel two-sample test: the squared maximum mean discrepancy between two samples under a Gaussian kernel,
/// with a permutation p-value (Gretton et al. 2012).
///
/// The statistic is the unbiased estimate
///
///     MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ)/(n(n−1)) − 2 Σᵢⱼ k(xᵢ, yⱼ)/(mn),
///
/// which is near zero (and may be slightly negative) when both samples share a distribution, and is also the effect
/// size: with kernel values in (0, 1], MMD² is at most 2. The p-value is (k + 1)/(P + 1), where k of P random
/// relabellings of the pooled rows give an MMD²ᵤ at least as large; the permutations are seeded.
///
/// Features are standardised on the pooled rows and γ set by the median heuristic on the standardised reference
/// (γ = 1/median‖xᵢ − xⱼ‖², see ``GaussianKernel``), unless a kernel is given, which then applies to the raw
/// features. Each sample is subsampled (seeded) to at most `maximumRows` rows, which bounds the pooled Gram matrix.
public struct MaximumMeanDiscrepancy: Sendable, Equatable {
    /// The unbiased MMD² estimate.
    public let statistic: Double
    /// The permutation p-value, in [1/(P+1), 1].
    public let pValue: Double
    /// The number of permutations P.
    public let permutations: Int
    /// The γ of the kernel used.
    public let gamma: Double
    /// The reference rows that took part (after subsampling).
    public let referenceRows: Int
    /// The current rows that took part (after subsampling).
    public let currentRows: Int

    /// Runs the test.
    /// - Parameters:
    ///   - reference: The reference sample.
    ///   - current: The current sample, with the same features.
    ///   - kernel: A kernel on the raw features, or `nil` to standardise and use the median heuristic.
    ///   - permutations: P ≥ 100.
    ///   - maximumRows: The most rows of each sample to use (≥ 2).
    ///   - seed: Seeds the subsampling and the permutations.
    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature, or
    ///   fewer than 100 permutations.
    public init(
        reference: FeatureMatrix, current: FeatureMatrix, kernel: GaussianKernel? = nil, permutations: Int = 200,
        maximumRows: Int = 1000, seed: UInt64 = 0
    ) throws(DriftError) {
        guard permutations >= 100 else {
            throw .invalidParameter(name: "permutations", value: Double(permutations), requirement: "at least 100")
        }
        guard maximumRows >= 2 else {
            throw .invalidParameter(name: "maximumRows", value: Double(maximumRows), requirement: "at least 2")
        }
        try FeatureMatrix.requireComparable(reference, current, minimumRows: 2, names: ("reference", "current"))
        var generator = SeededGenerator(seed: seed)
        var first = reference
        var second = current
        if first.rowCount > maximumRows {
            first = first.selectingRows(generator.sample(maximumRows, from: first.rowCount))
        }
        if second.rowCount > maximumRows {
            second = second.selectingRows(generator.sample(maximumRows, from: second.rowCount))
        }
        let chosen: GaussianKernel
        if let kernel {
            chosen = kernel
        } else {
            let scale = try Standardization(pooling: first, second)
            first = scale.apply(to: first)
            second = scale.apply(to: second)
            chosen = GaussianKernel.medianHeuristic(first, maximumRows: maximumRows, seed: seed)
        }
        let pooled = KernelMeanMatching.pooled(first, second)
        let gram = Self.upperGram(pooled, kernel: chosen)
        let m = first.rowCount
        let size = pooled.rowCount
        var labels = [Double](repeating: 0, count: size)
        for i in 0..<m { labels[i] = 1 }
        let observed = Self.statistic(gram, labels: labels, firstCount: m)
        var exceed = 0
        for _ in 0..<permutations {
            labels.shuffle(using: &generator)
            if Self.statistic(gram, labels: labels, firstCount: m) >= observed { exceed += 1 }
        }
        statistic = observed
        pValue = Double(exceed + 1) / Double(permutations + 1)
        self.permutations = permutations
        gamma = chosen.gamma
        referenceRows = m
        currentRows = size - m
    }

    /// The pooled Gram matrix's strict upper triangle, row by row: row i holds k(xᵢ, xⱼ) for j > i, and the rows'
    /// sums, so a relabelling costs one dot product per row.
    struct UpperGram {
        let size: Int
        /// Row i starts at offset(i) and has size − i − 1 entries.
        let entries: [Double]
        let rowSums: [Double]

        func offset(_ i: Int) -> Int { i * size - i * (i + 1) / 2 }
    }

    static func upperGram(_ pooled: FeatureMatrix, kernel: GaussianKernel) -> UpperGram {
        let n = pooled.rowCount
        let columns = pooled.featureCount
        var entries = [Double](repeating: 0, count: n * (n - 1) / 2)
        var rowSums = [Double](repeating: 0, count: n)
        pooled.values.withUnsafeBufferPointer { values in
            let rows = values.baseAddress!
            var index = 0
            for i in 0..<n {
                var sum = 0.0
                for j in (i + 1)..<n {
                    let value = kernel(rows + i * columns, rows + j * columns, columns)
                    entries[index] = value
                    sum += value
                    index += 1
                }
                rowSums[i] = sum
            }
        }
        return UpperGram(size: n, entries: entries, rowSums: rowSums)
    }

    /// MMD²ᵤ for a labelling (1 = first sample, 0 = second) with `firstCount` ones.
    static func statistic(_ gram: UpperGram, labels: [Double], firstCount m: Int) -> Double {
        let size = gram.size
        let n = size - m
        var withinFirst = 0.0
        var withinSecond = 0.0
        gram.entries.withUnsafeBufferPointer { entries in
            labels.withUnsafeBufferPointer { labels in
                for i in 0..<(size - 1) {
                    let count = size - i - 1
                    let row = entries.baseAddress! + gram.offset(i)
                    let tail = labels.baseAddress! + i + 1
                    // Σ_{j>i} K_ij · label_j, in four independent sums the optimiser can vectorise.
                    var s0 = 0.0
                    var s1 = 0.0
                    var s2 = 0.0
                    var s3 = 0.0
                    var j = 0
                    while j &+ 4 <= count {
                        s0 += row[j] * tail[j]
                        s1 += row[j &+ 1] * tail[j &+ 1]
                        s2 += row[j &+ 2] * tail[j &+ 2]
                        s3 += row[j &+ 3] * tail[j &+ 3]
                        j &+= 4
                    }
                    while j < count {
                        s0 += row[j] * tail[j]
                        j &+= 1
                    }
                    let towardsFirst = (s0 + s1) + (s2 + s3)
                    if labels[i] == 1 {
                        withinFirst += towardsFirst
                    } else {
                        withinSecond += gram.rowSums[i] - towardsFirst
                    }
                }
            }
        }
        let total = gram.rowSums.reduce(0, +)
        let between = total - withinFirst - withinSecond
        let first = Double(m)
        let second = Double(n)
        return 2 * withinFirst / (first * (first - 1)) + 2 * withinSecond / (second * (second - 1))
            - 2 * between / (first * second)
    }
}
