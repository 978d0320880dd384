import Support

/// Unconstrained least-squares importance fitting, uLSIF (Kanamori, Hido & Sugiyama 2009): the density ratio
/// w(x) = p_target(x)/p_source(x) as a non-negative combination of Gaussian basis functions centred on target rows,
/// fitted in closed form, with the kernel width and ridge chosen by leave-one-out cross-validation, also in closed
/// form.
///
/// With φ(x) the b basis values, Ĥ = mean over source rows of φφᵀ and ĥ = mean over target rows of φ, the fit is
/// α = max(0, (Ĥ + λI)⁻¹ĥ) and w(x) = αᵀφ(x). Leaving out one source and one target row changes Ĥ and ĥ by rank-one
/// terms, so by the Sherman–Morrison formula every leave-one-out fit comes from one factorisation per (γ, λ); the
/// score is the squared-loss criterion ½ w(x_source)² − w(x_target) averaged over the left-out pairs.
///
/// Defaults: features standardised on the pooled rows; b = min(100, target rows) centres drawn (seeded) from the
/// target; γ from γ₀ × {1/4, 1/2, 1, 2, 4} with γ₀ = 1/median‖xᵢ − xⱼ‖² on the pooled standardised rows; λ from
/// {10⁻³, 10⁻², 10⁻¹, 1, 10}; at most 1000 leave-one-out pairs (seeded). Giving γ fixes it (on raw features, no
/// standardisation) and leaves only λ to choose.
public struct UnconstrainedLeastSquaresImportanceFitting: Sendable {
    /// The kernel's γ on raw features, or `nil` to standardise and choose γ by leave-one-out.
    public var gamma: Double?
    /// The candidate ridge parameters λ.
    public var regularizations: [Double]
    /// Multiples of the median-heuristic γ₀ to try when ``gamma`` is `nil`.
    public var gammaFactors: [Double]
    /// The most basis functions b.
    public var basisSize: Int
    /// The most left-out pairs in the cross-validation.
    public var maximumLeaveOneOutPairs: Int
    /// Seeds the choice of centres and of left-out pairs.
    public var seed: UInt64

    /// The result of a fit.
    public struct Fit: Sendable {
        /// w(x) at each source row, ≥ 0.
        public let weights: [Double]
        /// The chosen γ.
        public let gamma: Double
        /// The chosen λ.
        public let regularization: Double
        /// The leave-one-out score of the chosen pair (lower is better).
        public let leaveOneOutScore: Double
        /// Whether the features were standardised on the pooled rows.
        public let standardized: Bool
        /// w as a function, to evaluate at rows other than the source rows (new points, calibration rows).
        public let ratio: DensityRatio
    }

    /// Configures the method; see the type's documentation for the defaults.
    public init(
        gamma: Double? = nil, regularizations: [Double] = [1e-3, 1e-2, 1e-1, 1, 10],
        gammaFactors: [Double] = [0.25, 0.5, 1, 2, 4], basisSize: Int = 100, maximumLeaveOneOutPairs: Int = 1000,
        seed: UInt64 = 0
    ) {
        self.gamma = gamma
        self.regularizations = regularizations
        self.gammaFactors = gammaFactors
        self.basisSize = basisSize
        self.maximumLeaveOneOutPairs = maximumLeaveOneOutPairs
        self.seed = seed
    }

    /// Estimates w at the source rows.
    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature (when
    ///   standardising), or invalid γ, λ or basis size.
    public func fit(source: FeatureMatrix, target: FeatureMatrix) throws(DriftError) -> Fit {
        try FeatureMatrix.requireComparable(source, target, minimumRows: 2, names: ("source", "target"))
        guard basisSize >= 1 else {
            throw .invalidParameter(name: "basisSize", value: Double(basisSize), requirement: "at least 1")
        }
        for lambda in regularizations where !(lambda.isFinite && lambda > 0) {
            throw .invalidParameter(name: "regularization λ", value: lambda, requirement: "a finite number > 0")
        }
        guard !regularizations.isEmpty else {
            throw .invalidParameter(name: "regularizations", value: 0, requirement: "a non-empty list")
        }
        var sourceRows = source
        var targetRows = target
        var gammas: [Double]
        var scaling: Standardization?
        if let gamma {
            gammas = [try GaussianKernel(gamma: gamma).gamma]
        } else {
            let scale = try Standardization(pooling: source, target)
            scaling = scale
            sourceRows = scale.apply(to: source)
            targetRows = scale.apply(to: target)
            let base = GaussianKernel.medianHeuristic(
                KernelMeanMatching.pooled(sourceRows, targetRows), maximumRows: 1000, seed: seed
            ).gamma
            gammas = gammaFactors.map { base * $0 }
            for factor in gammaFactors where !(factor.isFinite && factor > 0) {
                throw .invalidParameter(name: "gamma factor", value: factor, requirement: "a finite number > 0")
            }
        }
        var generator = SeededGenerator(seed: seed)
        let centres = targetRows.selectingRows(generator.sample(basisSize, from: targetRows.rowCount))
        let pairs = min(sourceRows.rowCount, targetRows.rowCount, maximumLeaveOneOutPairs)
        let leftOutSource = generator.sample(pairs, from: sourceRows.rowCount)
        let leftOutTarget = generator.sample(pairs, from: targetRows.rowCount)

        var best: (score: Double, gamma: Double, lambda: Double)?
        for gamma in gammas {
            let kernel = GaussianKernel(uncheckedGamma: gamma)
            let design = BasisDesign(source: sourceRows, target: targetRows, centres: centres, kernel: kernel)
            for lambda in regularizations {
                guard
                    let score = design.leaveOneOutScore(
                        lambda: lambda, leftOutSource: leftOutSource, leftOutTarget: leftOutTarget)
                else { continue }
                if best == nil || score < best!.score { best = (score, gamma, lambda) }
            }
        }
        guard let best else {
            throw .invalidParameter(
                name: "regularization λ", value: regularizations.max() ?? 0,
                requirement: "large enough for a solvable system; every candidate failed")
        }
        let kernel = GaussianKernel(uncheckedGamma: best.gamma)
        let design = BasisDesign(source: sourceRows, target: targetRows, centres: centres, kernel: kernel)
        let alpha = design.coefficients(lambda: best.lambda) ?? [Double](repeating: 0, count: design.basis)
        let weights = (0..<sourceRows.rowCount).map { row in
            var value = 0.0
            for l in 0..<design.basis { value += alpha[l] * design.sourceBasis[row * design.basis + l] }
            return value
        }
        let ratio = DensityRatio(
            featureNames: source.featureNames, scale: scaling,
            form: .kernelExpansion(centres: centres, gamma: best.gamma, coefficients: alpha))
        return Fit(
            weights: weights, gamma: best.gamma, regularization: best.lambda, leaveOneOutScore: best.score,
            standardized: gamma == nil, ratio: ratio)
    }
}

/// The basis values of both samples for one kernel, and the sums uLSIF needs from them.
struct BasisDesign {
    let basis: Int
    let sourceRows: Int
    let targetRows: Int
    /// φ(x) for each source row, row-major `sourceRows × basis`.
    let sourceBasis: [Double]
    /// φ(x′) for each target row.
    let targetBasis: [Double]
    /// Ĥ = mean φφᵀ over source rows, row-major `basis × basis`.
    let second: [Double]
    /// ĥ = mean φ over target rows.
    let first: [Double]

    init(source: FeatureMatrix, target: FeatureMatrix, centres: FeatureMatrix, kernel: GaussianKernel) {
        let b = centres.rowCount
        basis = b
        sourceRows = source.rowCount
        targetRows = target.rowCount
        func evaluate(_ sample: FeatureMatrix) -> [Double] {
            let columns = sample.featureCount
            var values = [Double](repeating: 0, count: sample.rowCount * b)
            sample.values.withUnsafeBufferPointer { rows in
                centres.values.withUnsafeBufferPointer { centre in
                    for row in 0..<sample.rowCount {
                        for l in 0..<b {
                            values[row * b + l] = kernel(
                                rows.baseAddress! + row * columns, centre.baseAddress! + l * columns, columns)
                        }
                    }
                }
            }
            return values
        }
        sourceBasis = evaluate(source)
        targetBasis = evaluate(target)
        var second = [Double](repeating: 0, count: b * b)
        for row in 0..<sourceRows {
            let base = row * b
            for a in 0..<b {
                let value = sourceBasis[base + a]
                if value == 0 { continue }
                for c in 0...a { second[a * b + c] += value * sourceBasis[base + c] }
            }
        }
        for a in 0..<b {
            for c in 0...a {
                second[a * b + c] /= Double(sourceRows)
                second[c * b + a] = second[a * b + c]
            }
        }
        self.second = second
        var means = [Double](repeating: 0, count: b)
        for row in 0..<target.rowCount {
            for l in 0..<b { means[l] += targetBasis[row * b + l] }
        }
        let count = Double(target.rowCount)
        first = means.map { $0 / count }
    }

    /// α = max(0, (Ĥ + λI)⁻¹ĥ), or `nil` if the system is not positive definite.
    func coefficients(lambda: Double) -> [Double]? {
        var matrix = second
        for a in 0..<basis { matrix[a * basis + a] += lambda }
        guard let factor = CholeskyFactorization(matrix, size: basis) else { return nil }
        return factor.solve(first).map { max(0, $0) }
    }

    /// The mean leave-one-out score over the given pairs of source and target rows.
    ///
    /// Leaving out source row φ and target row ψ turns Ĥ + λI into (nₛ/(nₛ−1))(B − φφᵀ/nₛ) with
    /// B = Ĥ + λ(nₛ−1)/nₛ I, and ĥ into (n_t ĥ − ψ)/(n_t − 1). With a = B⁻¹ĥ, u = B⁻¹φ, v = B⁻¹ψ and
    /// c = nₛ − φᵀu, Sherman–Morrison gives the left-out solution
    /// ((nₛ−1)/(nₛ(n_t−1))) [n_t (a + u φᵀa/c) − (v + u φᵀv/c)], clipped at zero.
    func leaveOneOutScore(lambda: Double, leftOutSource: [Int], leftOutTarget: [Int]) -> Double? {
        let ns = Double(sourceRows)
        let nt = Double(targetRows)
        var matrix = second
        for a in 0..<basis { matrix[a * basis + a] += lambda * (ns - 1) / ns }
        guard let factor = CholeskyFactorization(matrix, size: basis) else { return nil }
        let a = factor.solve(first)
        let scale = (ns - 1) / (ns * (nt - 1))
        let b = basis
        var total = 0.0
        var scratch = [Double](repeating: 0, count: 2 * b)
        sourceBasis.withUnsafeBufferPointer { sourceValues in
            targetBasis.withUnsafeBufferPointer { targetValues in
                a.withUnsafeBufferPointer { a in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        let u = scratch.baseAddress!
                        let v = u + b
                        for (sourceRow, targetRow) in zip(leftOutSource, leftOutTarget) {
                            let phi = sourceValues.baseAddress! + sourceRow &* b
                            let psi = targetValues.baseAddress! + targetRow &* b
                            var l = 0
                            while l < b {
                                u[l] = phi[l]
                                v[l] = psi[l]
                                l &+= 1
                            }
                            factor.solveInPlace(u)
                            factor.solveInPlace(v)
                            var phiU = 0.0
                            var phiA = 0.0
                            var phiV = 0.0
                            l = 0
                            while l < b {
                                phiU += phi[l] * u[l]
                                phiA += phi[l] * a[l]
                                phiV += phi[l] * v[l]
                                l &+= 1
                            }
                            let c = ns - phiU
                            guard c > 0 else {
                                total = .nan
                                return
                            }
                            var atSource = 0.0
                            var atTarget = 0.0
                            l = 0
                            while l < b {
                                let withA = a[l] + u[l] * phiA / c
                                let withV = v[l] + u[l] * phiV / c
                                let alpha = max(0, scale * (nt * withA - withV))
                                atSource += alpha * phi[l]
                                atTarget += alpha * psi[l]
                                l &+= 1
                            }
                            total += 0.5 * atSource * atSource - atTarget
                        }
                    }
                }
            }
        }
        guard !total.isNaN else { return nil }
        return total / Double(leftOutSource.count)
    }
}
