import Glibc
import Testing

@testable import Drift

@Suite("uLSIF, classifier weights and weight diagnostics")
struct DensityRatioTests {
    @Test("uLSIF's closed-form leave-one-out score equals refitting without each pair")
    func leaveOneOutClosedForm() throws {
        var sampler = NormalSampler(seed: 21)
        let source = sampler.matrix(rows: 25, means: [0, 0], deviations: [1, 1])
        let target = sampler.matrix(rows: 18, means: [0.5, 0], deviations: [0.7, 1])
        let centres = target.selectingRows([0, 3, 5, 8, 13, 17])
        let design = BasisDesign(
            source: source, target: target, centres: centres, kernel: try GaussianKernel(gamma: 0.5))
        let leftOutSource = [0, 4, 9, 24, 11]
        let leftOutTarget = [2, 7, 17, 1, 0]
        let b = design.basis
        for lambda in [0.01, 0.3, 2.0] {
            let closedForm = try #require(
                design.leaveOneOutScore(lambda: lambda, leftOutSource: leftOutSource, leftOutTarget: leftOutTarget))
            var total = 0.0
            for (i, j) in zip(leftOutSource, leftOutTarget) {
                var matrix = [Double](repeating: 0, count: b * b)
                for row in 0..<source.rowCount where row != i {
                    for a in 0..<b {
                        for c in 0..<b {
                            matrix[a * b + c] += design.sourceBasis[row * b + a] * design.sourceBasis[row * b + c]
                        }
                    }
                }
                for a in 0..<b { for c in 0..<b { matrix[a * b + c] /= Double(source.rowCount - 1) } }
                for a in 0..<b { matrix[a * b + a] += lambda }
                var mean = [Double](repeating: 0, count: b)
                for row in 0..<target.rowCount where row != j {
                    for a in 0..<b { mean[a] += design.targetBasis[row * b + a] / Double(target.rowCount - 1) }
                }
                let alpha = try #require(CholeskyFactorization(matrix, size: b)).solve(mean).map { max(0, $0) }
                var atSource = 0.0
                var atTarget = 0.0
                for a in 0..<b {
                    atSource += alpha[a] * design.sourceBasis[i * b + a]
                    atTarget += alpha[a] * design.targetBasis[j * b + a]
                }
                total += 0.5 * atSource * atSource - atTarget
            }
            let refitted = total / Double(leftOutSource.count)
            #expect(abs(closedForm - refitted) <= 1e-10 * max(1, abs(refitted)))
        }
    }

    /// p_target/p_source for one-dimensional normal densities.
    static func normalRatio(_ x: Double, target: (Double, Double), source: (Double, Double)) -> Double {
        func density(_ x: Double, _ mean: Double, _ deviation: Double) -> Double {
            exp(-0.5 * (x - mean) * (x - mean) / (deviation * deviation)) / deviation
        }
        return density(x, target.0, target.1) / density(x, source.0, source.1)
    }

    @Test("Classifier weights recover the ratio of two normal densities")
    func classifierRatio() throws {
        var sampler = NormalSampler(seed: 8)
        let source = sampler.matrix(rows: 2000, means: [0], deviations: [1])
        let target = sampler.matrix(rows: 1000, means: [0.5], deviations: [0.8])
        let weights = try ClassifierDensityRatio().weights(source: source, target: target)
        var errors: [Double] = []
        for row in 0..<source.rowCount where abs(source[row, 0]) < 1.5 {
            let truth = Self.normalRatio(source[row, 0], target: (0.5, 0.8), source: (0, 1))
            errors.append(abs(weights[row] - truth) / truth)
        }
        errors.sort()
        #expect(errors[errors.count / 2] < 0.1, "median relative error \(errors[errors.count / 2])")
    }

    @Test("uLSIF weights follow the density ratio and are never negative")
    func unconstrainedLeastSquares() throws {
        var sampler = NormalSampler(seed: 4)
        let source = sampler.matrix(rows: 300, means: [0], deviations: [1])
        let target = sampler.matrix(rows: 200, means: [0.5], deviations: [0.8])
        let fit = try UnconstrainedLeastSquaresImportanceFitting(basisSize: 50).fit(source: source, target: target)
        #expect(fit.weights.allSatisfy { $0 >= 0 })
        #expect(fit.standardized)
        let truth = (0..<300).map { Self.normalRatio(source[$0, 0], target: (0.5, 0.8), source: (0, 1)) }
        // Rank agreement: rows with a high true ratio get high weights.
        let meanWeight = fit.weights.reduce(0, +) / 300
        let meanTruth = truth.reduce(0, +) / 300
        var covariance = 0.0
        var weightSpread = 0.0
        var truthSpread = 0.0
        for row in 0..<300 {
            covariance += (fit.weights[row] - meanWeight) * (truth[row] - meanTruth)
            weightSpread += (fit.weights[row] - meanWeight) * (fit.weights[row] - meanWeight)
            truthSpread += (truth[row] - meanTruth) * (truth[row] - meanTruth)
        }
        #expect(covariance / (weightSpread * truthSpread).squareRoot() > 0.9)
    }

    @Test("Diagnostics: Kish's effective sample size, the largest weight and the top-1% share")
    func diagnostics() throws {
        let even = try WeightDiagnostics([1, 1, 1, 1])
        #expect(even.effectiveSampleSize == 4)
        #expect(even.effectiveSampleShare == 1)
        #expect(even.maximumOverMean == 1)
        #expect(even.topOnePercentShare == 0.25)
        let single = try WeightDiagnostics([4, 0, 0, 0])
        #expect(single.effectiveSampleSize == 1)
        #expect(single.maximum == 4)
        #expect(single.topOnePercentShare == 1)
        // 200 weights: the top 1% is the two largest.
        let skewed = try WeightDiagnostics([Double](repeating: 1, count: 198) + [51, 51])
        #expect(skewed.topOnePercentShare == 102.0 / 300)
        #expect(abs(skewed.effectiveSampleSize - 300 * 300 / (198 + 2 * 2601.0)) < 1e-12)
        #expect(try WeightDiagnostics.clipped([0.5, 3, 10], maximum: 2) == [0.5, 2, 2])
        #expect(throws: DriftError.nonFiniteValue(sample: "weights", row: 1, feature: "weight", value: -1)) {
            try WeightDiagnostics([1, -1])
        }
    }

    @Test("The one entry point reports each method's fit and rejects settings a method cannot use")
    func entryPoint() throws {
        var sampler = NormalSampler(seed: 2)
        let source = sampler.matrix(rows: 60, means: [0, 0], deviations: [1, 1])
        let target = sampler.matrix(rows: 40, means: [0.5, 0], deviations: [1, 1])
        let kmm = try ImportanceWeighting(method: .kmm, clippingMaximum: 3).weights(source: source, target: target)
        #expect(kmm.weights.count == 60)
        #expect(kmm.weights.allSatisfy { $0 <= 3 })
        #expect(kmm.details.map(\.name).contains("objective"))
        #expect(kmm.details.last == ImportanceWeights.Detail(name: "clipped at", value: 3))
        #expect(throws: DriftError.self) {
            try ImportanceWeighting(method: .classifier, gamma: 1).weights(source: source, target: target)
        }
    }
}

@Suite("Flattened importance weights")
struct FlattenedWeightTests {
    @Test("Weights below the effective-share floor are flattened to the largest exponent that keeps it")
    func flattening() throws {
        // 1 heavy row of 100: effective share ≈ 0.04.
        let weights = [50.0] + [Double](repeating: 0.5, count: 99)
        #expect(try WeightDiagnostics(weights).effectiveSampleShare < 0.1)
        let (flat, exponent) = try WeightDiagnostics.flattened(weights, minimumShare: 0.5)
        #expect(exponent > 0 && exponent < 1)
        #expect(abs(try WeightDiagnostics(flat).effectiveSampleShare - 0.5) < 1e-6, "exactly at the floor")
        #expect(flat[0] == pow(50, exponent) && flat[1] == pow(0.5, exponent))
        let kept = try WeightDiagnostics.flattened(weights, minimumShare: 0.01)
        #expect(kept.exponent == 1 && kept.weights == weights, "weights above the floor are untouched")
        #expect(throws: DriftError.self) { try WeightDiagnostics.flattened(weights, minimumShare: 1.5) }
    }
}
