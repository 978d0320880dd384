import Support

/// Kernel mean matching (Huang, Smola, Gretton, Borgwardt & Schölkopf 2007): weights β for the n source rows
/// whose weighted kernel mean embedding is closest to the target's,
///
///     minimise ½ βᵀKβ − κᵀβ   subject to  0 ≤ βᵢ ≤ B,  |Σβᵢ − n| ≤ nε,
///
/// with Kᵢⱼ = k(xᵢ, xⱼ) over source rows and κᵢ = (n/m) Σⱼ k(xᵢ, x′ⱼ) over the m target rows.
///
/// Defaults: B = 1000, ε = (√n − 1)/√n, features standardised on the pooled rows, and the Gaussian kernel's γ by the
/// median heuristic on the pooled standardised rows (γ = 1/median‖xᵢ − xⱼ‖², see ``GaussianKernel``). Giving γ
/// turns standardisation off, so the kernel is exp(−γ‖x − x′‖²) on the features as given, as other tools use it.
///
/// Memory is the n × n kernel's upper triangle in single precision (2n² bytes: 200 MB at n = 10,000) plus a few
/// vectors; target rows are never paired with each other.
public struct KernelMeanMatching: Sendable {
    /// The upper bound B on each weight.
    public var bound: Double
    /// The slack ε of the sum constraint; `nil` means (√n − 1)/√n.
    public var epsilon: Double?
    /// The kernel's γ on raw features; `nil` means standardise and use the median heuristic.
    public var gamma: Double?
    /// Stop when the solver's iterations improve the objective by less than this share of |objective| each, on
    /// average over the last 100.
    public var relativeTolerance: Double
    /// The most products with K the solver may spend.
    public var maximumIterations: Int
    /// Seeds the subsample of rows used by the median heuristic.
    public var seed: UInt64
    /// Called during the solve, at every convergence check: products with K spent, the budget, the Frank–Wolfe
    /// gap. For progress output on long fits (minutes on ten thousand rows); `nil` by default.
    public var progress: (@Sendable (_ products: Int, _ budget: Int, _ gap: Double) -> Void)?

    /// The result of a fit.
    public struct Fit: Sendable {
        /// One weight per source row, in [0, B], with Σβ in ``sumRange``.
        public let weights: [Double]
        /// The γ of the kernel used.
        public let gamma: Double
        /// Whether the features were standardised on the pooled rows before the kernel.
        public let standardized: Bool
        /// The allowed range of Σβ: [n(1 − ε), n(1 + ε)].
        public let sumRange: ClosedRange<Double>
        /// ½ βᵀKβ − κᵀβ at the weights.
        public let objective: Double
        /// An upper bound on how far ``objective`` is above the minimum (Frank–Wolfe gap).
        public let gap: Double
        /// Products with K spent by the solver.
        public let iterations: Int
    }

    /// Configures the method; see the type's documentation for the defaults.
    public init(
        bound: Double = 1000, epsilon: Double? = nil, gamma: Double? = nil, relativeTolerance: Double = 1e-8,
        maximumIterations: Int = 5000, seed: UInt64 = 0
    ) {
        self.bound = bound
        self.epsilon = epsilon
        self.gamma = gamma
        self.relativeTolerance = relativeTolerance
        self.maximumIterations = maximumIterations
        self.seed = seed
    }

    /// Computes weights for the source rows towards the target rows.
    /// - Throws: ``DriftError`` for mismatched features, a constant feature (when standardising), or an invalid
    ///   bound, ε or γ.
    public func fit(source: FeatureMatrix, target: FeatureMatrix) throws(DriftError) -> Fit {
        try source.requireSameFeatures(as: target)
        let n = Double(source.rowCount)
        let slack = epsilon ?? (n.squareRoot() - 1) / n.squareRoot()
        guard bound.isFinite, bound > 0 else {
            throw .invalidParameter(name: "bound B", value: bound, requirement: "a finite number > 0")
        }
        guard slack.isFinite, slack >= 0 else {
            throw .invalidParameter(name: "epsilon", value: slack, requirement: "a finite number ≥ 0")
        }
        guard bound * n >= n * (1 - slack) else {
            throw .invalidParameter(
                name: "bound B", value: bound,
                requirement: "at least 1 − ε = \(1 - slack) so that Σβ can reach n(1 − ε)")
        }
        var sourceRows = source
        var targetRows = target
        let kernel: GaussianKernel
        if let gamma {
            kernel = try GaussianKernel(gamma: gamma)
        } else {
            let scale = try Standardization(pooling: source, target)
            sourceRows = scale.apply(to: source)
            targetRows = scale.apply(to: target)
            kernel = GaussianKernel.medianHeuristic(
                Self.pooled(sourceRows, targetRows), maximumRows: 1000, seed: seed)
        }
        let program = BoxSlabQuadraticProgram(
            kernel: KernelMatrix(sourceRows, kernel: kernel),
            linear: Self.targetKernelMeans(sourceRows, targetRows, kernel: kernel),
            upperBound: bound,
            sumRange: max(0, n * (1 - slack))...(n * (1 + slack)))
        let solution = program.solve(
            relativeTolerance: relativeTolerance, maximumIterations: maximumIterations, progress: progress)
        return Fit(
            weights: solution.weights, gamma: kernel.gamma, standardized: gamma == nil, sumRange: program.sumRange,
            objective: solution.objective, gap: solution.gap, iterations: solution.iterations)
    }

    /// κᵢ = (n/m) Σⱼ k(xᵢ, x′ⱼ), one source row at a time, the rows split over the processor's cores.
    static func targetKernelMeans(
        _ source: FeatureMatrix, _ target: FeatureMatrix, kernel: GaussianKernel
    ) -> [Double] {
        let columns = source.featureCount
        let targetRows = target.rowCount
        let scale = Double(source.rowCount) / Double(targetRows)
        // Below a few hundred rows threads would only add overhead.
        let threads = source.rowCount * targetRows < 250_000 ? 1 : Parallel.processorCount
        let parts = Parallel.balancedRanges(count: source.rowCount, parts: threads) { _ in 1 }
        var means = [Double](repeating: 0, count: source.rowCount)
        source.values.withUnsafeBufferPointer { sourceValues in
            target.values.withUnsafeBufferPointer { targetValues in
                means.withUnsafeMutableBufferPointer { output in
                    let sourceRows = SharedReads(base: sourceValues.baseAddress!)
                    let targetRowsPointer = SharedReads(base: targetValues.baseAddress!)
                    let output = DisjointWrites(base: output.baseAddress!)
                    Parallel.forEach(parts.count) { part in
                        for i in parts[part] {
                            var sum = 0.0
                            let row = sourceRows.base + i * columns
                            for j in 0..<targetRows {
                                sum += kernel(row, targetRowsPointer.base + j * columns, columns)
                            }
                            output.base[i] = scale * sum
                        }
                    }
                }
            }
        }
        return means
    }

    /// Both samples' rows in one matrix.
    static func pooled(_ first: FeatureMatrix, _ second: FeatureMatrix) -> FeatureMatrix {
        FeatureMatrix(
            uncheckedNames: first.featureNames, rowCount: first.rowCount + second.rowCount,
            values: first.values + second.values)
    }
}
