import Glibc
import Support
import Testing

@testable import Drift

@Suite("Split-conformal intervals, ordinary and weighted")
struct ConformalCalibrationTests {
    @Test(
        "Equal weights follow the ⌈(n + 1)(1 − α)⌉ rule, +∞ when the rank exceeds n",
        arguments: [(0.5, 5.0), (0.7, 7), (0.8, 8), (0.9, 9), (0.91, .infinity), (0.95, .infinity)])
    func ordinaryRank(coverage: Double, expected: Double) throws {
        // n = 9: the rank is ⌈10 × coverage⌉; 10 × 0.7 is 7.000000000000001 in floating point and must stay 7.
        let calibration = try ConformalCalibration(scores: [9, 3, 1, 7, 5, 2, 8, 4, 6], space: .absolute)
        #expect(try calibration.scoreQuantile(coverage: coverage) == expected)
    }

    @Test("Tied scores: the quantile is the tied value, whichever copy reaches the level")
    func ties() throws {
        let calibration = try ConformalCalibration(scores: [2, 1, 2, 2, 3], space: .absolute)
        // Cumulative shares of 1, 2, 2, 2, 3, +∞: 1/6, 2/6, 3/6, 4/6, 5/6, 1.
        #expect(try calibration.scoreQuantile(coverage: 0.2) == 2)
        #expect(try calibration.scoreQuantile(coverage: 0.5) == 2)
        #expect(try calibration.scoreQuantile(coverage: 2 / 3) == 2)
        #expect(try calibration.scoreQuantile(coverage: 0.8) == 3)
        #expect(try calibration.scoreQuantile(coverage: 0.84) == .infinity)
    }

    @Test("Weighted quantiles computed by hand, with the test point's weight on +∞")
    func weightedByHand() throws {
        // Scores 4, 1, 3, 2 with weights 4, 1, 3, 2; sorted: (1, 1), (2, 2), (3, 3), (4, 4).
        let calibration = try ConformalCalibration(scores: [4, 1, 3, 2], weights: [4, 1, 3, 2], space: .absolute)
        // Test weight 2: total 12, cumulative 1, 3, 6, 10, then 12 with +∞.
        #expect(try calibration.scoreQuantile(coverage: 0.25, testWeight: 2) == 2)
        #expect(try calibration.scoreQuantile(coverage: 0.5, testWeight: 2) == 3)
        #expect(try calibration.scoreQuantile(coverage: 0.8, testWeight: 2) == 4)
        #expect(try calibration.scoreQuantile(coverage: 10 / 12, testWeight: 2) == 4)
        #expect(try calibration.scoreQuantile(coverage: 0.85, testWeight: 2) == .infinity)
        // Test weight 0: total 10, so 0.9 is reached at the last score.
        #expect(try calibration.scoreQuantile(coverage: 0.9, testWeight: 0) == 4)
        #expect(try calibration.scoreQuantile(coverage: 0.6, testWeight: 0) == 3)
        // A heavy test point: 10 / 30 < 0.5.
        #expect(try calibration.scoreQuantile(coverage: 0.5, testWeight: 20) == .infinity)
        #expect(try calibration.scoreQuantile(coverage: 0.3, testWeight: 20) == 4)
    }

    @Test("A zero-weight row never counts, and all-zero weights give an infinite interval")
    func zeroWeights() throws {
        let some = try ConformalCalibration(scores: [1, 2, 3], weights: [0, 1, 1], space: .absolute)
        // Cumulative 0, 1, 2 of total 3.
        #expect(try some.scoreQuantile(coverage: 0.3) == 2)
        let none = try ConformalCalibration(scores: [1, 2, 3], weights: [0, 0, 0], space: .absolute)
        #expect(try none.scoreQuantile(coverage: 0.5, testWeight: 0) == .infinity)
        #expect(try none.scoreQuantile(coverage: 0.5, testWeight: 1) == .infinity)
        #expect(try none.exceedanceProbability(prediction: 1, threshold: 100, testWeight: 0) == 1)
    }

    @Test("Intervals: ŷ ± q in the absolute space, ŷ·e^(±q) in the logarithmic one")
    func intervals() throws {
        let absolute = try ConformalCalibration(scores: [0.5, 1, 1.5, 2], space: .absolute)
        // n = 4, coverage 0.6: rank ⌈3⌉ = 3.
        let interval = try absolute.interval(prediction: 10, coverage: 0.6)
        #expect(interval == ConformalInterval(lower: 8.5, upper: 11.5, scoreQuantile: 1.5))
        #expect(interval.contains(8.5) && !interval.contains(11.6))
        let wide = try absolute.interval(prediction: 10, coverage: 0.9)
        #expect(wide.lower == -.infinity && wide.upper == .infinity)

        let logarithmic = try ConformalCalibration(
            predictions: [1, 2, 4, 8], observations: [2, 2, 1, 16], space: .logarithmic)
        // Scores log 2, 0, log 4, log 2: sorted 0, log 2, log 2, log 4.
        let multiplicative = try logarithmic.interval(prediction: 3, coverage: 0.6)
        #expect(abs(multiplicative.lower - 1.5) < 1e-12 && abs(multiplicative.upper - 6) < 1e-12)
        let open = try logarithmic.interval(prediction: 3, coverage: 0.9)
        #expect(open.lower == 0 && open.upper == .infinity)
    }

    @Test("Exceedance: the share of prediction + score above the threshold, the test weight always above")
    func exceedance() throws {
        let ordinary = try ConformalCalibration(scores: [1, 2, 3, 4], space: .absolute)
        // Prediction 10, threshold 12: scores above 2 are 3 and 4, plus +∞: 3 of 5.
        #expect(try ordinary.exceedanceProbability(prediction: 10, threshold: 12) == 0.6)
        #expect(try ordinary.exceedanceProbability(prediction: 10, threshold: 10) == 1)
        #expect(try ordinary.exceedanceProbability(prediction: 10, threshold: 20) == 0.2)
        #expect(try ordinary.exceedanceProbability(prediction: 10, threshold: 11.5) == 0.8)

        let weighted = try ConformalCalibration(scores: [1, 2, 3, 4], weights: [1, 2, 3, 4], space: .absolute)
        #expect(try weighted.exceedanceProbability(prediction: 10, threshold: 12, testWeight: 2) == 0.75)
        #expect(try weighted.exceedanceProbability(prediction: 10, threshold: 12, testWeight: 0) == 0.7)

        let logarithmic = try ConformalCalibration(scores: [log(1.5), log(2), log(3)], space: .logarithmic)
        // ŷ = 2: ŷ·e^V = 3, 4, 6, +∞; above 5: 6 and +∞, 2 of 4.
        #expect(try logarithmic.exceedanceProbability(prediction: 2, threshold: 5) == 0.5)
        #expect(try logarithmic.exceedanceProbability(prediction: 2, threshold: 0) == 1)
    }

    @Test("Bad input is refused with the row and the field")
    func errors() throws {
        #expect(throws: DriftError.emptySample(sample: "calibration")) {
            try ConformalCalibration(scores: [], space: .absolute)
        }
        #expect(
            throws: DriftError.invalidCalibration(
                row: 1, field: "weight", value: -1, requirement: "a finite number ≥ 0")
        ) {
            try ConformalCalibration(scores: [1, 2], weights: [1, -1], space: .absolute)
        }
        #expect(
            throws: DriftError.invalidCalibration(
                row: 2, field: "observation", value: 0, requirement: "a finite number > 0 (logarithmic scores)")
        ) {
            try ConformalCalibration(predictions: [1, 1, 1], observations: [1, 2, 0], space: .logarithmic)
        }
        let calibration = try ConformalCalibration(scores: [1, 2], space: .logarithmic)
        #expect(
            throws: DriftError.invalidParameter(name: "coverage", value: 1, requirement: "strictly between 0 and 1")
        ) {
            try calibration.interval(prediction: 1, coverage: 1)
        }
        #expect(throws: DriftError.self) { try calibration.interval(prediction: -1, coverage: 0.5) }
        #expect(throws: DriftError.self) { try calibration.interval(prediction: 1, coverage: 0.5, testWeight: .nan) }
        #expect(
            DriftError.invalidCalibration(row: 1, field: "weight", value: -1, requirement: "a finite number ≥ 0")
                .description == "Calibration row 1 has weight -1.0, but it must be a finite number ≥ 0.")
    }

    @Test("Marginal coverage on exchangeable data: 4000 seeded trials within a binomial tolerance")
    func marginalCoverage() throws {
        // With n = 19 continuous scores and coverage 0.9, the rank is 18 of 20, so P(covered) = 18/20 exactly; over
        // 4000 independent trials the standard deviation of the share is 0.0047, and 4.5 of them is 0.021.
        var covered = 0
        let trials = 4000
        for trial in 0..<trials {
            var sampler = NormalSampler(seed: UInt64(1000 + trial))
            var predictions: [Double] = []
            var observations: [Double] = []
            for _ in 0..<20 {
                let x = sampler.next()
                predictions.append(2 * x)
                observations.append(2 * x + sampler.next(deviation: 0.5 + abs(x)))
            }
            let calibration = try ConformalCalibration(
                predictions: Array(predictions[0..<19]), observations: Array(observations[0..<19]), space: .absolute)
            let interval = try calibration.interval(prediction: predictions[19], coverage: 0.9)
            if interval.contains(observations[19]) { covered += 1 }
        }
        let share = Double(covered) / Double(trials)
        #expect(abs(share - 0.9) <= 0.021, "coverage \(share)")
    }

    /// One trial under covariate shift: 400 calibration rows with x ~ N(0, 1), a test point with x ~ N(1, 1), noise
    /// growing with x². Measured: weighted 0.905, unweighted 0.779 (true ratio); 0.907 (classifier ratio).
    static func shiftedTrial(seed: UInt64, ratio: (Double) -> Double) throws -> (weighted: Bool, unweighted: Bool) {
        var sampler = NormalSampler(seed: seed)
        var scores: [Double] = []
        var weights: [Double] = []
        for _ in 0..<400 {
            let x = sampler.next()
            scores.append(abs(sampler.next(deviation: 0.2 + x * x)))
            weights.append(ratio(x))
        }
        let x = sampler.next(mean: 1)
        let score = abs(sampler.next(deviation: 0.2 + x * x))
        let weighted = try ConformalCalibration(scores: scores, weights: weights, space: .absolute)
        let unweighted = try ConformalCalibration(scores: scores, space: .absolute)
        return (
            score <= (try weighted.scoreQuantile(coverage: 0.9, testWeight: ratio(x))),
            score <= (try unweighted.scoreQuantile(coverage: 0.9))
        )
    }

    @Test("Under covariate shift, weighting by the true density ratio restores coverage the ordinary interval misses")
    func weightedCoverageUnderShift() throws {
        var weightedCovered = 0
        var unweightedCovered = 0
        let trials = 3000
        for trial in 0..<trials {
            let outcome = try Self.shiftedTrial(seed: UInt64(50_000 + trial)) { exp($0 - 0.5) }
            if outcome.weighted { weightedCovered += 1 }
            if outcome.unweighted { unweightedCovered += 1 }
        }
        let weighted = Double(weightedCovered) / Double(trials)
        let unweighted = Double(unweightedCovered) / Double(trials)
        // The binomial standard deviation at 3000 trials is 0.0055; 0.025 is 4.5 of them.
        #expect(abs(weighted - 0.9) <= 0.025, "weighted coverage \(weighted)")
        #expect(unweighted < 0.85, "unweighted coverage \(unweighted)")
    }

    @Test("A classifier ratio fitted on other rows, evaluated out of sample, also restores coverage")
    func estimatedRatioCoverage() throws {
        var sampler = NormalSampler(seed: 77)
        let source = sampler.matrix(rows: 2000, means: [0], deviations: [1])
        let target = sampler.matrix(rows: 2000, means: [1], deviations: [1])
        let ratio = try ClassifierDensityRatio().fit(source: source, target: target)
        var covered = 0
        let trials = 2000
        for trial in 0..<trials {
            let outcome = try Self.shiftedTrial(seed: UInt64(90_000 + trial)) { try! ratio.ratio(at: [$0]) }
            if outcome.weighted { covered += 1 }
        }
        let share = Double(covered) / Double(trials)
        #expect(abs(share - 0.9) <= 0.03, "coverage \(share)")
    }

    @Test("Fitted density ratios evaluate to the source weights at the source rows and extend to new rows")
    func ratioAtNewRows() throws {
        var sampler = NormalSampler(seed: 12)
        let source = sampler.matrix(rows: 300, means: [0, 0], deviations: [1, 1])
        let target = sampler.matrix(rows: 200, means: [0.5, 0], deviations: [1, 1])
        let fit = try UnconstrainedLeastSquaresImportanceFitting(basisSize: 50).fit(source: source, target: target)
        let atSource = try fit.ratio.ratio(at: source)
        for (a, b) in zip(atSource, fit.weights) { #expect(abs(a - b) <= 1e-12 * max(1, b)) }
        let classifier = ClassifierDensityRatio()
        #expect(
            try classifier.fit(source: source, target: target).ratio(at: source)
                == classifier.weights(source: source, target: target))
        // The true ratio is exp(0.5 x₀ − 0.125): larger toward the target's side.
        let ratio = try classifier.fit(source: source, target: target)
        let left = try ratio.ratio(at: [-1, 0])
        let right = try ratio.ratio(at: [1, 0])
        #expect(abs(log(right / left) - 1) < 0.35, "log ratio \(log(right / left))")
        #expect(throws: DriftError.self) { try ratio.ratio(at: [1]) }
        let clipped = ratio.clipped(at: 0.5)
        #expect(try clipped.ratio(at: [3, 0]) == 0.5)
        let weighting = try ImportanceWeighting(method: .ulsif, clippingMaximum: 2).weights(
            source: source, target: target)
        #expect(try weighting.ratio?.ratio(at: [50, 0]) ?? 0 <= 2)
        #expect(try ImportanceWeighting(method: .kmm).weights(source: source, target: target).ratio == nil)
    }
}
