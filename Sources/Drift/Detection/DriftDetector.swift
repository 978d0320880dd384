/// Decides whether a current sample has drifted from a reference sample, feature by feature and as a whole.
///
/// Three families of tests run on the same data:
/// - per feature, the two-sample Kolmogorov–Smirnov test and the Population Stability Index;
/// - on all features at once, the kernel maximum mean discrepancy with a permutation p-value;
/// - a domain classifier's cross-validated AUC.
///
/// With large samples every test becomes significant for trivial shifts, so each verdict needs both a small
/// p-value and a large enough effect. The familywise false-alarm rate α of the overall verdict is split equally
/// among the three families (α/3 each); within the per-feature family the p-values are corrected for the number of
/// features (Bonferroni by default). The defaults (``Configuration``):
///
/// | family | significant when | and the effect is at least |
/// |---|---|---|
/// | feature | corrected KS p < α/3 | KS D ≥ 0.1 or PSI ≥ 0.1 |
/// | MMD | permutation p < α/3 | MMD² ≥ 0.005 |
/// | classifier | permutation p of the AUC < α/3 | AUC ≥ 0.6 |
///
/// A KS statistic of 0.1 is about a quarter of a standard deviation of mean shift; PSI 0.1 is the usual start of
/// "moderate shift"; MMD² = 0.005 under the median-heuristic kernel is about a 0.3 σ shift of one feature among four;
/// AUC 0.6 means a random current row out-scores a random reference row 60% of the time.
public struct DriftDetector: Sendable {
    /// The detector's settings; every threshold is documented on ``DriftDetector``.
    public struct Configuration: Sendable, Equatable {
        /// The familywise false-alarm rate α of the overall verdict.
        public var significanceLevel: Double = 0.05
        /// How per-feature p-values are corrected.
        public var correction: MultipleTestingCorrection = .bonferroni
        /// The smallest KS statistic that counts as drift.
        public var minimumKolmogorovSmirnov: Double = 0.1
        /// The smallest PSI that counts as drift.
        public var minimumPopulationStability: Double = 0.1
        /// Quantile bins for the PSI.
        public var populationStabilityBins: Int = 10
        /// The smallest MMD² that counts as drift.
        public var minimumMeanDiscrepancy: Double = 0.005
        /// Permutations for the MMD p-value.
        public var permutations: Int = 200
        /// The most rows of each sample in the MMD test.
        public var maximumMeanDiscrepancyRows: Int = 1000
        /// The smallest classifier AUC that counts as drift.
        public var minimumAreaUnderCurve: Double = 0.6
        /// Cross-validation folds of the domain classifier.
        public var classifierFolds: Int = 5
        /// The most label shuffles for the classifier's permutation p-value (0: the Mann–Whitney approximation,
        /// which understates p-values of cross-validated scores; see ``DomainClassifier``). They run only when the
        /// verdict depends on the classifier; otherwise its p-value is the approximation
        /// (``DomainClassifier/permutationsRun`` is 0).
        public var classifierPermutations: Int = 200
        /// Seeds every random choice (subsamples, permutations, folds).
        public var seed: UInt64 = 0

        /// The default configuration.
        public init() {}
    }

    /// The settings in use.
    public let configuration: Configuration

    /// Makes a detector.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Compares the samples.
    /// - Throws: ``DriftError`` for an empty or too small sample (each needs 5 rows), mismatched features, a
    ///   constant feature, or an invalid configuration value.
    public func detect(reference: FeatureMatrix, current: FeatureMatrix) throws(DriftError) -> DriftReport {
        let settings = configuration
        guard settings.significanceLevel > 0, settings.significanceLevel < 1 else {
            throw .invalidParameter(
                name: "significance level α", value: settings.significanceLevel, requirement: "in (0, 1)")
        }
        try FeatureMatrix.requireComparable(reference, current, minimumRows: 5, names: ("reference", "current"))
        // Rejects constant features up front, with the feature's name.
        _ = try Standardization(pooling: reference, current)
        let familyLevel = settings.significanceLevel / 3

        var tests: [KolmogorovSmirnov] = []
        var stabilities: [PopulationStabilityIndex] = []
        for feature in 0..<reference.featureCount {
            let first = reference.column(feature)
            let second = current.column(feature)
            tests.append(try KolmogorovSmirnov(first, second))
            stabilities.append(
                try PopulationStabilityIndex(reference: first, current: second, bins: settings.populationStabilityBins))
        }
        let adjusted = settings.correction.adjust(tests.map(\.pValue))
        let features = (0..<reference.featureCount).map { feature in
            let test = tests[feature]
            let stability = stabilities[feature].value
            let large =
                test.statistic >= settings.minimumKolmogorovSmirnov
                || stability >= settings.minimumPopulationStability
            return FeatureDrift(
                feature: reference.featureNames[feature], kolmogorovSmirnov: test.statistic, pValue: test.pValue,
                adjustedPValue: adjusted[feature], populationStability: stability,
                drifted: adjusted[feature] < familyLevel && large)
        }

        let discrepancy = try MaximumMeanDiscrepancy(
            reference: reference, current: current, permutations: settings.permutations,
            maximumRows: settings.maximumMeanDiscrepancyRows, seed: settings.seed)
        let multivariateDrift =
            discrepancy.pValue < familyLevel && discrepancy.statistic >= settings.minimumMeanDiscrepancy
        // The shuffles run only when the verdict hangs on the classifier: no other family has flagged, the AUC is
        // large enough, and the approximation (which understates the p-value) is below 15 × the family's level.
        // The test stays valid: it rejects only where the permutation test does.
        var classifier = try DomainClassifier(
            reference: reference, current: current, folds: settings.classifierFolds, seed: settings.seed)
        if settings.classifierPermutations > 0, !multivariateDrift, !features.contains(where: \.drifted),
            classifier.areaUnderCurve >= settings.minimumAreaUnderCurve, classifier.pValue < 15 * familyLevel
        {
            classifier = try DomainClassifier(
                reference: reference, current: current, folds: settings.classifierFolds, seed: settings.seed,
                permutations: settings.classifierPermutations)
        }
        let classifierDrift =
            classifier.pValue < familyLevel && classifier.areaUnderCurve >= settings.minimumAreaUnderCurve
        return DriftReport(
            features: features, maximumMeanDiscrepancy: discrepancy, multivariateDrifted: multivariateDrift,
            domainClassifier: classifier, classifierDrifted: classifierDrift,
            drift: features.contains(where: \.drifted) || multivariateDrift || classifierDrift,
            referenceRows: reference.rowCount, currentRows: current.rowCount)
    }
}

/// One feature's drift tests.
public struct FeatureDrift: Sendable, Equatable {
    /// The feature's name.
    public let feature: String
    /// The two-sample KS statistic D (the effect size), in [0, 1].
    public let kolmogorovSmirnov: Double
    /// The KS p-value before correction.
    public let pValue: Double
    /// The p-value after the multiple-testing correction.
    public let adjustedPValue: Double
    /// The Population Stability Index.
    public let populationStability: Double
    /// Significant and large enough.
    public let drifted: Bool
}

/// What ``DriftDetector/detect(reference:current:)`` found.
public struct DriftReport: Sendable, Equatable {
    /// Per-feature results, in column order.
    public let features: [FeatureDrift]
    /// The kernel two-sample test on all features.
    public let maximumMeanDiscrepancy: MaximumMeanDiscrepancy
    /// Whether the MMD test is significant and large enough.
    public let multivariateDrifted: Bool
    /// The domain classifier test.
    public let domainClassifier: DomainClassifier
    /// Whether the classifier test is significant and large enough.
    public let classifierDrifted: Bool
    /// The overall verdict: any family drifted.
    public let drift: Bool
    /// The number of reference rows.
    public let referenceRows: Int
    /// The number of current rows.
    public let currentRows: Int
}
