import Glibc

/// Split-conformal prediction intervals from a model's scores on calibration rows it did not train on, ordinary or
/// weighted for covariate shift (Tibshirani, Barber, Candès & Ramdas 2019, "Conformal prediction under covariate
/// shift").
///
/// Each calibration row i has a score Vᵢ (its residual in ``space``) and a weight wᵢ = w(xᵢ), the density ratio
/// p_target(x)/p_source(x) at its features (1 for every row when there is no shift). For a new point x with weight
/// w(x), the scores form the distribution
///
///     Σᵢ pᵢ δ(Vᵢ) + p₊ δ(+∞),   pᵢ = wᵢ / (Σⱼ wⱼ + w(x)),   p₊ = w(x) / (Σⱼ wⱼ + w(x)),
///
/// and the interval at coverage 1 − α is the prediction widened by q, the smallest score whose cumulative share
/// reaches 1 − α. The new point's own weight sits on +∞, so q is infinite, honestly, when too little calibration
/// weight lies near the point: with equal weights q is the ⌈(n + 1)(1 − α)⌉-th smallest score, +∞ when that rank
/// exceeds n. If the calibration rows are exchangeable with the new one (after weighting), the interval covers the
/// true value with probability at least 1 − α, marginally.
///
/// A cumulative share within 10⁻¹⁰ (relative) of 1 − α counts as reaching it, so a rank such as
/// ⌈10 × 0.7⌉ = 7 is not pushed to 8 by rounding. Scores are sorted once with prefix sums of their weights; a
/// quantile or an exceedance probability then costs O(log n).
public struct ConformalCalibration: Sendable, Equatable {
    /// The space the scores measure residuals in.
    public let space: ConformalScoreSpace
    /// The scores, ascending.
    public let sortedScores: [Double]
    /// The weights in the order of ``sortedScores``.
    public let sortedWeights: [Double]
    /// cumulativeWeights[k] = the sum of the first k sorted weights; k = 0...n.
    private let cumulativeWeights: [Double]
    /// The signed residuals (y − ŷ, or log(y/ŷ) in the logarithmic space), ascending: the calibration's predictive
    /// distribution (``failureProbability(prediction:threshold:testWeight:)``); nil when calibrated from scores.
    public let sortedResiduals: [Double]?
    /// cumulativeResidualWeights[k] = the sum of the weights of the first k sorted residuals.
    private let cumulativeResidualWeights: [Double]

    /// The number of calibration rows.
    public var count: Int { sortedScores.count }
    /// The sum of the calibration weights.
    public var totalWeight: Double { cumulativeWeights[count] }

    /// Calibrates from scores already computed.
    /// - Parameters:
    ///   - scores: One score per calibration row, each finite and ≥ 0.
    ///   - weights: One weight per row, each finite and ≥ 0 (the density ratio toward the target at the row);
    ///     `nil` gives every row weight 1, ordinary split conformal.
    ///   - space: The space the scores were measured in.
    /// - Throws: ``DriftError/emptySample(sample:)`` without scores, ``DriftError/invalidParameter(name:value:requirement:)``
    ///   when the weights are not one per score, ``DriftError/invalidCalibration(row:field:value:requirement:)``
    ///   for a negative or non-finite score or weight.
    public init(scores: [Double], weights: [Double]? = nil, space: ConformalScoreSpace) throws(DriftError) {
        try self.init(scores: scores, residuals: nil, weights: weights, space: space)
    }

    private init(
        scores: [Double], residuals: [Double]?, weights: [Double]?, space: ConformalScoreSpace
    ) throws(DriftError) {
        guard !scores.isEmpty else { throw .emptySample(sample: "calibration") }
        let weights = weights ?? [Double](repeating: 1, count: scores.count)
        guard weights.count == scores.count else {
            throw .invalidParameter(
                name: "the number of calibration weights", value: Double(weights.count),
                requirement: "one per score (\(scores.count))")
        }
        for (row, score) in scores.enumerated() where !(score.isFinite && score >= 0) {
            throw .invalidCalibration(row: row, field: "score", value: score, requirement: "a finite number ≥ 0")
        }
        for (row, weight) in weights.enumerated() where !(weight.isFinite && weight >= 0) {
            throw .invalidCalibration(row: row, field: "weight", value: weight, requirement: "a finite number ≥ 0")
        }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        self.space = space
        sortedScores = order.map { scores[$0] }
        sortedWeights = order.map { weights[$0] }
        var cumulative = [Double](repeating: 0, count: scores.count + 1)
        for (index, weight) in sortedWeights.enumerated() { cumulative[index + 1] = cumulative[index] + weight }
        cumulativeWeights = cumulative
        if let residuals {
            let byResidual = residuals.indices.sorted { residuals[$0] < residuals[$1] }
            sortedResiduals = byResidual.map { residuals[$0] }
            var sums = [Double](repeating: 0, count: residuals.count + 1)
            for (index, row) in byResidual.enumerated() { sums[index + 1] = sums[index] + weights[row] }
            cumulativeResidualWeights = sums
        } else {
            sortedResiduals = nil
            cumulativeResidualWeights = []
        }
    }

    /// Calibrates from a model's predictions on labeled rows it did not train on.
    /// - Parameters:
    ///   - predictions: The model's prediction for each calibration row.
    ///   - observations: The true value of each row.
    ///   - weights: One weight per row, as in ``init(scores:weights:space:)``.
    ///   - space: The space to measure residuals in.
    /// - Throws: The errors of ``init(scores:weights:space:)``, and
    ///   ``DriftError/invalidCalibration(row:field:value:requirement:)`` for a pair the space cannot score.
    public init(
        predictions: [Double], observations: [Double], weights: [Double]? = nil, space: ConformalScoreSpace
    ) throws(DriftError) {
        guard predictions.count == observations.count else {
            throw .invalidParameter(
                name: "the number of calibration observations", value: Double(observations.count),
                requirement: "one per prediction (\(predictions.count))")
        }
        var scores: [Double] = []
        var residuals: [Double] = []
        scores.reserveCapacity(predictions.count)
        residuals.reserveCapacity(predictions.count)
        for (row, (prediction, observation)) in zip(predictions, observations).enumerated() {
            guard let score = space.score(prediction: prediction, observation: observation) else {
                let requirement = space == .logarithmic ? "a finite number > 0 (logarithmic scores)" : "a finite number"
                if !(prediction.isFinite && (space == .absolute || prediction > 0)) {
                    throw .invalidCalibration(
                        row: row, field: "prediction", value: prediction, requirement: requirement)
                }
                throw .invalidCalibration(row: row, field: "observation", value: observation, requirement: requirement)
            }
            scores.append(score)
            residuals.append(space == .absolute ? observation - prediction : log(observation / prediction))
        }
        try self.init(scores: scores, residuals: residuals, weights: weights, space: space)
    }

    /// The score quantile q at a coverage, for a new point of the given weight: the smallest calibration score whose
    /// cumulative share of the weighted distribution (with `testWeight` on +∞) reaches `coverage`.
    /// - Parameters:
    ///   - coverage: 1 − α, strictly between 0 and 1.
    ///   - testWeight: w(x), the density ratio at the new point, finite and ≥ 0; 1 without shift.
    /// - Returns: q ≥ 0, or +∞ when the calibration weight below +∞ falls short of the coverage (also when every
    ///   weight, the test point's included, is 0).
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for a coverage or test weight out of range.
    public func scoreQuantile(coverage: Double, testWeight: Double = 1) throws(DriftError) -> Double {
        try Self.check(coverage: coverage, testWeight: testWeight)
        let total = totalWeight + testWeight
        guard total > 0 else { return .infinity }
        let needed = coverage * total - 1e-10 * total
        guard cumulativeWeights[count] >= needed else { return .infinity }
        // The first k with cumulativeWeights[k] ≥ needed; k ≥ 1 because needed > 0.
        var low = 1
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if cumulativeWeights[middle] >= needed { high = middle } else { low = middle + 1 }
        }
        return sortedScores[low - 1]
    }

    /// The conformal interval for a new prediction.
    /// - Parameters:
    ///   - prediction: The model's prediction at the new point (in the observations' unit; > 0 in the logarithmic
    ///     space).
    ///   - coverage: 1 − α, strictly between 0 and 1.
    ///   - testWeight: w(x), the density ratio at the new point; 1 without shift.
    /// - Returns: [ŷ − q, ŷ + q] in the absolute space, [ŷ·e^(−q), ŷ·e^q] in the logarithmic one; an infinite q gives
    ///   (−∞, +∞) or [0, +∞).
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for a coverage, test weight or prediction out
    ///   of range.
    public func interval(
        prediction: Double, coverage: Double, testWeight: Double = 1
    ) throws(DriftError)
        -> ConformalInterval
    {
        try check(prediction: prediction)
        let q = try scoreQuantile(coverage: coverage, testWeight: testWeight)
        switch space {
        case .absolute:
            return ConformalInterval(lower: prediction - q, upper: prediction + q, scoreQuantile: q)
        case .logarithmic:
            return ConformalInterval(lower: prediction * exp(-q), upper: prediction * exp(q), scoreQuantile: q)
        }
    }

    /// The probability that the true value exceeds a threshold, read from the conformal distribution of
    /// prediction + score: the share of the weighted distribution (the test weight on +∞) whose ŷ ⊕ Vᵢ — ŷ + Vᵢ, or
    /// ŷ·e^(Vᵢ) in the logarithmic space — lies strictly above the threshold.
    ///
    /// Since y ≤ ŷ ⊕ |residual| always, this bounds the probability of exceeding from above: it is the conservative
    /// probability to alarm on. A threshold at or below the prediction gives 1 whenever no score is 0.
    /// - Parameters:
    ///   - prediction: The model's prediction at the new point (> 0 in the logarithmic space).
    ///   - threshold: The value not to exceed, in the observations' unit.
    ///   - testWeight: w(x), the density ratio at the new point; 1 without shift.
    /// - Returns: A probability in [0, 1]; 1 when every weight is 0.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for a test weight, prediction or threshold
    ///   out of range.
    public func exceedanceProbability(
        prediction: Double, threshold: Double, testWeight: Double = 1
    ) throws(DriftError)
        -> Double
    {
        try shareAbove(
            threshold, prediction: prediction, testWeight: testWeight, sorted: sortedScores,
            cumulative: cumulativeWeights)
    }

    /// The probability that the true value exceeds a threshold, from the calibration's conformal predictive
    /// distribution (Vovk, Shen, Manokhin & Xie 2019, "Nonparametric predictive distributions based on conformal
    /// prediction", in its split form): the weighted share of calibration rows whose signed residual, added to this
    /// prediction (ŷ + rᵢ, or ŷ·e^(rᵢ) in the logarithmic space), lies strictly above the threshold, with the test
    /// point's weight on +∞ — so it never falls below w(x)/(Σwᵢ + w(x)): with few or distant calibration rows the
    /// event is never called safe. Where ``exceedanceProbability(prediction:threshold:testWeight:)`` bounds the
    /// chance from above (every past error counted as upward), this estimates it: a model that over-predicted in
    /// the past gives a lower probability at the same prediction than one that under-predicted.
    /// - Returns: A probability in [0, 1]; that upper bound when the calibration was made from scores alone (no
    ///   signs); 1 when every weight is 0.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for a test weight, prediction or threshold
    ///   out of range.
    public func failureProbability(
        prediction: Double, threshold: Double, testWeight: Double = 1
    ) throws(DriftError) -> Double {
        guard let residuals = sortedResiduals else {
            return try exceedanceProbability(prediction: prediction, threshold: threshold, testWeight: testWeight)
        }
        return try shareAbove(
            threshold, prediction: prediction, testWeight: testWeight, sorted: residuals,
            cumulative: cumulativeResidualWeights)
    }

    /// The weighted share of prediction ⊕ vᵢ strictly above the threshold, vᵢ ascending with prefix sums of their
    /// weights, the test weight counting as above.
    private func shareAbove(
        _ threshold: Double, prediction: Double, testWeight: Double, sorted: [Double], cumulative: [Double]
    ) throws(DriftError) -> Double {
        try check(prediction: prediction)
        try Self.check(coverage: 0.5, testWeight: testWeight)
        guard !threshold.isNaN else {
            throw .invalidParameter(name: "threshold", value: threshold, requirement: "a number")
        }
        let total = totalWeight + testWeight
        guard total > 0 else { return 1 }
        // The largest value of vᵢ that keeps prediction ⊕ vᵢ at or below the threshold.
        let margin: Double
        switch space {
        case .absolute: margin = threshold - prediction
        case .logarithmic: margin = threshold > 0 ? log(threshold / prediction) : -.infinity
        }
        // The first index whose value exceeds the margin.
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] > margin { high = middle } else { low = middle + 1 }
        }
        let above = totalWeight - cumulative[low] + testWeight
        return min(1, max(0, above / total))
    }

    private func check(prediction: Double) throws(DriftError) {
        switch space {
        case .absolute:
            guard prediction.isFinite else {
                throw .invalidParameter(name: "prediction", value: prediction, requirement: "a finite number")
            }
        case .logarithmic:
            guard prediction.isFinite, prediction > 0 else {
                throw .invalidParameter(
                    name: "prediction", value: prediction, requirement: "a finite number > 0 (logarithmic scores)")
            }
        }
    }

    private static func check(coverage: Double, testWeight: Double) throws(DriftError) {
        guard coverage > 0, coverage < 1 else {
            throw .invalidParameter(name: "coverage", value: coverage, requirement: "strictly between 0 and 1")
        }
        guard testWeight.isFinite, testWeight >= 0 else {
            throw .invalidParameter(name: "test weight", value: testWeight, requirement: "a finite number ≥ 0")
        }
    }
}

/// A prediction interval, with the score quantile that set its width.
public struct ConformalInterval: Sendable, Equatable {
    /// The lower end (−∞ or 0 when the quantile is infinite).
    public let lower: Double
    /// The upper end (+∞ when the quantile is infinite).
    public let upper: Double
    /// The score quantile q: the half-width in the absolute space, the log of the upper end over the prediction in
    /// the logarithmic one.
    public let scoreQuantile: Double

    /// Whether a value lies in the interval (ends included).
    public func contains(_ value: Double) -> Bool { value >= lower && value <= upper }
    /// upper − lower.
    public var width: Double { upper - lower }
}
