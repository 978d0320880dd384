import Glibc
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
}
