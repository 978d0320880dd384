import Glibc
import Testing

@testable import Drift

@Suite("Kernel mean matching")
struct KernelMeanMatchingTests {
    /// The exact optimum of ½βᵀKβ − κᵀβ over 0 ≤ β ≤ B, L ≤ Σβ ≤ U, by trying every face: each weight at 0, at B or
    /// free, and the sum free or at either limit; on each face the stationary point solves a small linear system,
    /// and the best feasible one is the optimum (the optimum is stationary on its own face).
    static func bruteForceOptimum(
        kernel: [[Double]], linear: [Double], bound: Double, sumRange: ClosedRange<Double>
    )
        -> Double
    {
        let n = linear.count
        var best = Double.infinity
        var assignment = [Int](repeating: 0, count: n)
        func objective(_ beta: [Double]) -> Double {
            var value = 0.0
            for i in 0..<n {
                var row = 0.0
                for j in 0..<n { row += kernel[i][j] * beta[j] }
                value += beta[i] * (0.5 * row - linear[i])
            }
            return value
        }
        for code in 0..<Int(pow(3.0, Double(n))) {
            var rest = code
            for i in 0..<n {
                assignment[i] = rest % 3
                rest /= 3
            }
            let free = (0..<n).filter { assignment[$0] == 2 }
            var fixed = [Double](repeating: 0, count: n)
            for i in 0..<n where assignment[i] == 1 { fixed[i] = bound }
            for sumState in 0..<3 {
                let holdsSum = sumState > 0
                let size = free.count + (holdsSum ? 1 : 0)
                var beta = fixed
                if size > 0 {
                    var matrix = [[Double]](repeating: [Double](repeating: 0, count: size + 1), count: size)
                    for (row, i) in free.enumerated() {
                        for (column, j) in free.enumerated() { matrix[row][column] = kernel[i][j] }
                        var rightHandSide = linear[i]
                        for j in 0..<n where assignment[j] == 1 { rightHandSide -= kernel[i][j] * bound }
                        if holdsSum { matrix[row][size - 1] = 1 }
                        matrix[row][size] = rightHandSide
                    }
                    if holdsSum {
                        let target = sumState == 1 ? sumRange.lowerBound : sumRange.upperBound
                        for column in 0..<free.count { matrix[size - 1][column] = 1 }
                        matrix[size - 1][size] = target - fixed.reduce(0, +)
                    }
                    guard let solution = solve(matrix) else { continue }
                    for (row, i) in free.enumerated() { beta[i] = solution[row] }
                } else if holdsSum {
                    continue
                }
                let total = beta.reduce(0, +)
                guard beta.allSatisfy({ $0 >= -1e-9 && $0 <= bound + 1e-9 }),
                    total >= sumRange.lowerBound - 1e-9, total <= sumRange.upperBound + 1e-9
                else { continue }
                best = min(best, objective(beta))
            }
        }
        return best
    }

    /// Gaussian elimination with partial pivoting on an augmented matrix.
    static func solve(_ augmented: [[Double]]) -> [Double]? {
        var a = augmented
        let size = a.count
        for column in 0..<size {
            let pivot = (column..<size).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            guard abs(a[pivot][column]) > 1e-12 else { return nil }
            a.swapAt(column, pivot)
            for row in 0..<size where row != column {
                let factor = a[row][column] / a[column][column]
                for k in column...size { a[row][k] -= factor * a[column][k] }
            }
        }
        return (0..<size).map { a[$0][size] / a[$0][$0] }
    }

    static func problem(seed: UInt64) -> (source: FeatureMatrix, target: FeatureMatrix) {
        var sampler = NormalSampler(seed: seed)
        return (
            sampler.matrix(rows: 6, means: [0, 0], deviations: [1, 1]),
            sampler.matrix(rows: 6, means: [0.7, -0.3], deviations: [0.6, 0.8])
        )
    }

    @Test(
        "The solver reaches the exact optimum on every kind of face, and its weights meet the constraints exactly",
        arguments: [
            (1000.0, nil, 11), (1.2, 0.05, 12), (1.6, 0.0, 13), (4.0, 0.5, 14), (1000.0, 0.02, 15),
        ] as [(Double, Double?, UInt64)])
    func exactOptimum(bound: Double, epsilon: Double?, seed: UInt64) throws {
        let (source, target) = Self.problem(seed: seed)
        let gamma = 0.4
        // A tight tolerance: this test is about where the solver converges, not when it should stop.
        let fit = try KernelMeanMatching(
            bound: bound, epsilon: epsilon, gamma: gamma, relativeTolerance: 1e-13, maximumIterations: 20000
        ).fit(source: source, target: target)
        let n = source.rowCount
        func k(_ a: FeatureMatrix, _ i: Int, _ b: FeatureMatrix, _ j: Int) -> Double {
            var sum = 0.0
            for f in 0..<a.featureCount { sum += (a[i, f] - b[j, f]) * (a[i, f] - b[j, f]) }
            return exp(-gamma * sum)
        }
        let kernel = (0..<n).map { i in (0..<n).map { j in k(source, i, source, j) } }
        let linear = (0..<n).map { i in
            Double(n) / Double(target.rowCount) * (0..<target.rowCount).reduce(0) { $0 + k(source, i, target, $1) }
        }
        let slack = epsilon ?? (Double(n).squareRoot() - 1) / Double(n).squareRoot()
        let sumRange = (Double(n) * (1 - slack))...(Double(n) * (1 + slack))
        #expect(fit.sumRange == sumRange)
        // Constraints hold exactly, as summed by the caller.
        #expect(fit.weights.allSatisfy { $0 >= 0 && $0 <= bound })
        let total = fit.weights.reduce(0, +)
        #expect(total >= sumRange.lowerBound && total <= sumRange.upperBound, "Σβ = \(total) outside \(sumRange)")
        let optimum = Self.bruteForceOptimum(kernel: kernel, linear: linear, bound: bound, sumRange: sumRange)
        var exactObjective = 0.0
        for i in 0..<n {
            var row = 0.0
            for j in 0..<n { row += kernel[i][j] * fit.weights[j] }
            exactObjective += fit.weights[i] * (0.5 * row - linear[i])
        }
        // The solver keeps K in single precision: its reported objective is within 1e-6, the weights' true
        // objective within 1e-6 of the optimum.
        #expect(abs(fit.objective - exactObjective) <= 1e-6 * abs(optimum))
        #expect(exactObjective - optimum <= 1e-6 * abs(optimum), "objective \(exactObjective), optimum \(optimum)")
        #expect(fit.gap >= -1e-9)
    }

    @Test("The projection onto box ∩ slab is a common shift then a clip, and meets the slab as the caller sums it")
    func projection() throws {
        var sampler = NormalSampler(seed: 31)
        for trial in 0..<200 {
            let n = 5 + trial % 40
            let point = (0..<n).map { _ in sampler.next(mean: 1, deviation: 3) }
            let total = Double(n) * (0.5 + Double(trial % 7) * 0.25)
            let slack = trial % 3 == 0 ? 0 : 0.1
            let program = BoxSlabQuadraticProgram(
                kernel: KernelMatrix(try FeatureMatrix(rows: [[0]]), kernel: try GaussianKernel(gamma: 1)),
                linear: [], upperBound: 2.5, sumRange: (total * (1 - slack))...(total * (1 + slack)))
            let projected = program.project(point)
            let sum = projected.reduce(0, +)
            #expect(projected.allSatisfy { $0 >= 0 && $0 <= 2.5 })
            #expect(program.sumRange.contains(sum), "Σ = \(sum) outside \(program.sumRange)")
            // Entries strictly inside the box all moved by the same shift ν.
            let shifts = projected.indices.filter { projected[$0] > 0 && projected[$0] < 2.5 }.map {
                point[$0] - projected[$0]
            }
            if let first = shifts.first {
                let spread = shifts.map { abs($0 - first) }.max()!
                #expect(spread < 1e-9, "spread \(spread), n \(n), total \(total), slack \(slack), sum \(sum)")
            }
        }
    }

    @Test("Defaults: standardised features, median-heuristic γ, ε = (√n − 1)/√n, weights pulled towards the target")
    func defaults() throws {
        var sampler = NormalSampler(seed: 5)
        let source = sampler.matrix(rows: 200, means: [0, 10], deviations: [1, 5])
        let target = sampler.matrix(rows: 100, means: [1, 10], deviations: [0.5, 5])
        let fit = try KernelMeanMatching().fit(source: source, target: target)
        #expect(fit.standardized)
        let n = 200.0
        let epsilon = (n.squareRoot() - 1) / n.squareRoot()
        let expectedRange: ClosedRange<Double> = (n * (1 - epsilon))...(n * (1 + epsilon))
        #expect(fit.sumRange == expectedRange)
        // Rows near the target's mean in the first feature get more weight than rows far from it.
        let near = (0..<200).filter { abs(source[$0, 0] - 1) < 0.5 }.map { fit.weights[$0] }
        let far = (0..<200).filter { source[$0, 0] < -1 }.map { fit.weights[$0] }
        let nearMean = near.reduce(0, +) / Double(near.count)
        let farMean = far.reduce(0, +) / Double(far.count)
        #expect(nearMean > 5 * farMean)
    }

    @Test("Invalid settings are named")
    func badSettings() throws {
        let (source, target) = Self.problem(seed: 1)
        #expect(throws: DriftError.invalidParameter(name: "gamma", value: -1, requirement: "a finite number > 0")) {
            try KernelMeanMatching(gamma: -1).fit(source: source, target: target)
        }
        #expect(throws: DriftError.invalidParameter(name: "bound B", value: 0, requirement: "a finite number > 0")) {
            try KernelMeanMatching(bound: 0).fit(source: source, target: target)
        }
        #expect(throws: DriftError.self) {
            try KernelMeanMatching(bound: 0.5, epsilon: 0.1).fit(source: source, target: target)
        }
    }
}
