import Glibc
import TestSupport
import Testing

@testable import Drift

@Suite("Multivariate and classifier two-sample tests")
struct DetectionTests {
    @Test("MMD² matches a direct evaluation of the unbiased estimate, and the p-value is (k+1)/(P+1)")
    func maximumMeanDiscrepancy() throws {
        var sampler = NormalSampler(seed: 7)
        let reference = sampler.matrix(rows: 30, means: [0, 0], deviations: [1, 1])
        let current = sampler.matrix(rows: 20, means: [0.8, 0], deviations: [1, 1])
        let kernel = try GaussianKernel(gamma: 0.3)
        let test = try MaximumMeanDiscrepancy(
            reference: reference, current: current, kernel: kernel, permutations: 100, seed: 1)
        func k(_ a: FeatureMatrix, _ i: Int, _ b: FeatureMatrix, _ j: Int) -> Double {
            var sum = 0.0
            for f in 0..<2 { sum += (a[i, f] - b[j, f]) * (a[i, f] - b[j, f]) }
            return exp(-0.3 * sum)
        }
        var xx = 0.0
        var yy = 0.0
        var xy = 0.0
        for i in 0..<30 { for j in 0..<30 where i != j { xx += k(reference, i, reference, j) } }
        for i in 0..<20 { for j in 0..<20 where i != j { yy += k(current, i, current, j) } }
        for i in 0..<30 { for j in 0..<20 { xy += k(reference, i, current, j) } }
        let direct = xx / (30 * 29) + yy / (20 * 19) - 2 * xy / (30 * 20)
        #expect(abs(test.statistic - direct) < 1e-12)
        #expect(test.pValue * 101 == (test.pValue * 101).rounded())
        #expect(test.pValue >= 1.0 / 101)
        #expect(test.pValue < 0.05)
        // Seeded: the same call gives the same answer.
        #expect(
            test
                == (try MaximumMeanDiscrepancy(
                    reference: reference, current: current, kernel: kernel, permutations: 100, seed: 1)))
    }

    @Test("The median heuristic sets γ to the reciprocal median squared distance")
    func medianHeuristic() throws {
        // Pairwise squared distances of 0, 1, 3 on a line: 1, 9, 4 → median 4.
        let sample = try FeatureMatrix(rows: [[0], [1], [3]])
        #expect(GaussianKernel.medianHeuristic(sample).gamma == 0.25)
    }

    @Test("AUC counts ties as half and is ½ for exchangeable scores")
    func areaUnderCurve() {
        let scores: [Double] = [0.1, 0.4, 0.4, 0.8]
        let labels = [false, false, true, true]
        // Pairs (positive, negative): (0.4, 0.1) win, (0.4, 0.4) tie, (0.8, 0.1) win, (0.8, 0.4) win → 3.5/4.
        #expect(AreaUnderCurve.of(scores: scores, labels: labels) == 0.875)
        #expect(abs(AreaUnderCurve.pValue(0.5, positives: 50, negatives: 50) - 0.5) < 1e-15)
    }

    @Test("The domain classifier separates a variance change that leaves the mean alone")
    func domainClassifier() throws {
        var sampler = NormalSampler(seed: 3)
        let reference = sampler.matrix(rows: 200, means: [0, 0], deviations: [1, 1])
        let current = sampler.matrix(rows: 200, means: [0, 0], deviations: [2.5, 1])
        let test = try DomainClassifier(reference: reference, current: current)
        #expect(test.areaUnderCurve > 0.7)
        #expect(test.pValue < 1e-6)
        let same = try DomainClassifier(
            reference: reference, current: sampler.matrix(rows: 200, means: [0, 0], deviations: [1, 1]))
        #expect(abs(same.areaUnderCurve - 0.5) < 0.1)
    }

    /// The out-of-fold scores come from different fitted models, so the Mann–Whitney approximation, which treats
    /// them as exchangeable, understates the p-value; shuffling the sample labels and cross-validating again gives
    /// p-values that hold their level.
    @Test(
        "On samples from one distribution, the classifier's permutation p-value holds its level where the approximation does not",
        .timeLimit(.minutes(10)))
    func classifierPermutationLevel() async throws {
        let trials = 200
        let (permutation, approximation, shuffles) = try await onOwnThread("classifier level") {
            var sampler = NormalSampler(seed: 11)
            var permutation = 0
            var approximation = 0
            var shuffles = 0
            var areasAgree = true
            for trial in 0..<trials {
                let reference = sampler.matrix(rows: 40, means: [0, 0, 0, 0], deviations: [1, 1, 1, 1])
                let current = sampler.matrix(rows: 11, means: [0, 0, 0, 0], deviations: [1, 1, 1, 1])
                let exact = try DomainClassifier(
                    reference: reference, current: current, seed: UInt64(trial), permutations: 200)
                let approximate = try DomainClassifier(reference: reference, current: current, seed: UInt64(trial))
                areasAgree =
                    areasAgree && exact.areaUnderCurve == approximate.areaUnderCurve
                    && approximate.permutationsRun == 0
                shuffles += exact.permutationsRun
                if exact.pValue < 0.05 { permutation += 1 }
                if approximate.pValue < 0.05 { approximation += 1 }
            }
            return areasAgree ? (permutation, approximation, shuffles) : (-1, -1, -1)
        }
        #expect(permutation >= 0, "the shuffled and unshuffled tests disagree on the observed AUC")
        print(
            "classifier test on equal samples (40 vs 11 rows): p < 0.05 in \(permutation) of \(trials) by permutation, "
                + "\(approximation) by the approximation; \(shuffles / trials) shuffles per test on average")
        // 5 % of 200 is 10, with a binomial standard deviation of about 3.
        #expect(permutation <= 17)
        #expect(permutation < approximation)
        // Early stopping: most samples that look alike need a few dozen shuffles, not the 200 allowed.
        #expect(shuffles / trials < 100)
    }

    @Test(
        "The permutation p-value detects a shift; the detector shuffles only when its verdict hangs on the classifier")
    func classifierPermutationPower() throws {
        var sampler = NormalSampler(seed: 5)
        let reference = sampler.matrix(rows: 40, means: [0, 0, 0], deviations: [1, 1, 1])
        let current = sampler.matrix(rows: 12, means: [1.5, 0, 0], deviations: [1, 1, 1])
        let test = try DomainClassifier(reference: reference, current: current, permutations: 400)
        #expect(test.areaUnderCurve > 0.8)
        // None of 400 shuffles reaches the observed AUC: p = 1/401.
        #expect(test.pValue < 0.005)
        #expect(test.permutationsRun == 400)
        var settings = DriftDetector.Configuration()
        settings.significanceLevel = 0.01
        settings.classifierPermutations = 400
        let detector = DriftDetector(configuration: settings)
        // A shift of 1.5 σ in one feature: the per-feature test flags it, so the classifier's p-value cannot change
        // the verdict and stays the approximation.
        let shifted = try detector.detect(reference: reference, current: current)
        #expect(shifted.drift && shifted.features[0].drifted)
        #expect(shifted.domainClassifier.permutationsRun == 0)
        // A sample like the reference: the approximation is far from the level, no shuffles either.
        let same = try detector.detect(
            reference: reference, current: sampler.matrix(rows: 12, means: [0, 0, 0], deviations: [1, 1, 1]))
        #expect(!same.drift)
        #expect(same.domainClassifier.permutationsRun == 0 || same.domainClassifier.areaUnderCurve >= 0.6)
        // Two features whose spread shrinks to a quarter: with 12 rows neither the per-feature tests nor the MMD
        // reach their share of α, the quadratic classifier does, so the verdict is the classifier's and its p-value
        // comes from the shuffles (none of 400 reaching the observed AUC).
        let narrower = try detector.detect(
            reference: sampler.matrix(rows: 60, means: [0, 0, 0], deviations: [1, 1, 1]),
            current: sampler.matrix(rows: 12, means: [0, 0, 0], deviations: [0.25, 0.25, 1]))
        #expect(!narrower.multivariateDrifted && !narrower.features.contains(where: \.drifted))
        #expect(narrower.domainClassifier.permutationsRun == 400)
        #expect(narrower.classifierDrifted && narrower.drift)
        #expect(throws: DriftError.self) {
            try DomainClassifier(reference: reference, current: current, permutations: -1)
        }
    }
}
