/// One entry point to the importance-weighting methods: w(x) ≈ p_target(x)/p_source(x) at each labeled source row,
/// with diagnostics, so a model retrained on the weighted source rows fits the target distribution.
public struct ImportanceWeighting: Sendable {
    /// The estimators available.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Kernel mean matching, ``KernelMeanMatching``.
        case kmm
        /// Unconstrained least-squares importance fitting, ``UnconstrainedLeastSquaresImportanceFitting``.
        case ulsif
        /// The domain classifier's odds, ``ClassifierDensityRatio``.
        case classifier
    }

    /// The estimator.
    public var method: Method
    /// The Gaussian kernel's γ on raw features (KMM and uLSIF); `nil` standardises and picks γ from the data.
    public var gamma: Double?
    /// KMM's bound B on each weight.
    public var bound: Double
    /// KMM's slack ε; `nil` means (√n − 1)/√n.
    public var epsilon: Double?
    /// Clip the weights at this value after estimating them; `nil` keeps them as estimated.
    public var clippingMaximum: Double?
    /// Seeds random choices (median-heuristic subsamples, uLSIF centres and folds).
    public var seed: UInt64
    /// KMM's solver progress (``KernelMeanMatching/progress``); `nil` by default.
    public var progress: (@Sendable (_ products: Int, _ budget: Int, _ gap: Double) -> Void)?

    /// Configures a method with the defaults of its type.
    public init(
        method: Method, gamma: Double? = nil, bound: Double = 1000, epsilon: Double? = nil,
        clippingMaximum: Double? = nil, seed: UInt64 = 0
    ) {
        self.method = method
        self.gamma = gamma
        self.bound = bound
        self.epsilon = epsilon
        self.clippingMaximum = clippingMaximum
        self.seed = seed
    }

    /// Estimates the weights of the source rows.
    /// - Throws: ``DriftError`` for bad samples or settings, as the chosen method reports them.
    public func weights(source: FeatureMatrix, target: FeatureMatrix) throws(DriftError) -> ImportanceWeights {
        var weights: [Double]
        var ratio: DensityRatio?
        var details: [ImportanceWeights.Detail] = []
        switch method {
        case .kmm:
            var matching = KernelMeanMatching(bound: bound, epsilon: epsilon, gamma: gamma, seed: seed)
            matching.progress = progress
            let fit = try matching.fit(source: source, target: target)
            weights = fit.weights
            details = [
                .init(name: "gamma", value: fit.gamma),
                .init(name: "standardized", value: fit.standardized ? 1 : 0),
                .init(name: "sum lower limit", value: fit.sumRange.lowerBound),
                .init(name: "sum upper limit", value: fit.sumRange.upperBound),
                .init(name: "objective", value: fit.objective),
                .init(name: "Frank-Wolfe gap", value: fit.gap),
                .init(name: "solver iterations", value: Double(fit.iterations)),
            ]
        case .ulsif:
            let fit = try UnconstrainedLeastSquaresImportanceFitting(gamma: gamma, seed: seed)
                .fit(source: source, target: target)
            weights = fit.weights
            ratio = fit.ratio
            details = [
                .init(name: "gamma", value: fit.gamma),
                .init(name: "standardized", value: fit.standardized ? 1 : 0),
                .init(name: "lambda", value: fit.regularization),
                .init(name: "leave-one-out score", value: fit.leaveOneOutScore),
            ]
        case .classifier:
            if let gamma {
                throw .invalidParameter(name: "gamma", value: gamma, requirement: "unset: the classifier has no kernel")
            }
            let fit = try ClassifierDensityRatio().fit(source: source, target: target)
            weights = try fit.ratio(at: source)
            ratio = fit
        }
        if let clippingMaximum {
            weights = try WeightDiagnostics.clipped(weights, maximum: clippingMaximum)
            ratio = ratio?.clipped(at: clippingMaximum)
            details.append(.init(name: "clipped at", value: clippingMaximum))
        }
        return ImportanceWeights(
            method: method, weights: weights, diagnostics: try WeightDiagnostics(weights), details: details,
            ratio: ratio)
    }
}

/// Importance weights for the source rows, with their diagnostics.
public struct ImportanceWeights: Sendable, Equatable {
    /// A named number a method reports about its fit (its γ, λ, objective, ...).
    public struct Detail: Sendable, Equatable {
        /// What the number is.
        public let name: String
        /// The number.
        public let value: Double
    }

    /// The method that produced the weights.
    public let method: ImportanceWeighting.Method
    /// One weight per source row, in row order.
    public let weights: [Double]
    /// Effective sample size, largest weight and concentration.
    public let diagnostics: WeightDiagnostics
    /// Method-specific numbers about the fit, in a fixed order.
    public let details: [Detail]
    /// w as a function of the features, clipped as the weights are, to evaluate at new rows; `nil` for KMM, which
    /// estimates weights at the source rows only.
    public let ratio: DensityRatio?
}
