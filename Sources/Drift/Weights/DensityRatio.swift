import Glibc

/// A fitted density ratio w(x) ≈ p_target(x)/p_source(x) that can be evaluated at rows it was not fitted on, such
/// as calibration rows and new points for weighted conformal intervals.
///
/// uLSIF gives a non-negative combination of Gaussian basis functions on its centres
/// (``UnconstrainedLeastSquaresImportanceFitting/Fit/ratio``); the classifier gives (nₛ/n_t) times the odds of its
/// logistic regression (``ClassifierDensityRatio/fit(source:target:)``). Either way the rows are first scaled as
/// at fitting time. KMM has no such function: it gives weights at the source rows only.
public struct DensityRatio: Sendable, Equatable {
    /// The features the ratio reads, in order.
    public let featureNames: [String]
    /// The largest value returned; `nil` leaves the estimate unclipped.
    public var maximum: Double?
    /// The scaling fitted with the ratio; `nil` when the features are used as given.
    let scale: Standardization?
    let form: Form

    enum Form: Sendable, Equatable {
        /// w(x) = Σₗ αₗ exp(−γ‖x − cₗ‖²), in the scaled space.
        case kernelExpansion(centres: FeatureMatrix, gamma: Double, coefficients: [Double])
        /// w(x) = prior × exp(b + Σ βⱼ zⱼ [+ Σ βⱼ′ (zⱼ² − 1)]) on scaled features z.
        case logistic(coefficients: [Double], quadratic: Bool, prior: Double)
    }

    init(featureNames: [String], scale: Standardization?, form: Form, maximum: Double? = nil) {
        self.featureNames = featureNames
        self.scale = scale
        self.form = form
        self.maximum = maximum
    }

    /// w at each row.
    /// - Throws: ``DriftError/mismatchedColumns(reference:current:)`` when the rows have other features than the
    ///   ratio was fitted on.
    public func ratio(at rows: FeatureMatrix) throws(DriftError) -> [Double] {
        guard rows.featureNames == featureNames else {
            throw .mismatchedColumns(reference: featureNames, current: rows.featureNames)
        }
        let scaled = scale?.apply(to: rows) ?? rows
        let columns = rows.featureCount
        var values = [Double](repeating: 0, count: rows.rowCount)
        scaled.values.withUnsafeBufferPointer { buffer in
            for row in 0..<rows.rowCount {
                values[row] = evaluate(buffer.baseAddress! + row * columns, columns)
            }
        }
        if let maximum { return values.map { min($0, maximum) } }
        return values
    }

    /// w at one row, given in ``featureNames`` order.
    /// - Throws: ``DriftError`` when the row's length differs from the number of features or a value is not finite.
    public func ratio(at row: [Double]) throws(DriftError) -> Double {
        let matrix = try FeatureMatrix(featureNames: featureNames, values: row, sample: "new")
        return try ratio(at: matrix)[0]
    }

    /// The same ratio, clipped at `maximum`.
    public func clipped(at maximum: Double) -> DensityRatio {
        var copy = self
        copy.maximum = min(maximum, self.maximum ?? maximum)
        return copy
    }

    private func evaluate(_ x: UnsafePointer<Double>, _ columns: Int) -> Double {
        switch form {
        case .kernelExpansion(let centres, let gamma, let coefficients):
            let kernel = GaussianKernel(uncheckedGamma: gamma)
            var total = 0.0
            centres.values.withUnsafeBufferPointer { centre in
                for (index, alpha) in coefficients.enumerated() where alpha != 0 {
                    total += alpha * kernel(x, centre.baseAddress! + index * columns, columns)
                }
            }
            return total
        case .logistic(let coefficients, let quadratic, let prior):
            var eta = coefficients[0]
            for column in 0..<columns { eta += coefficients[column + 1] * x[column] }
            if quadratic {
                for column in 0..<columns { eta += coefficients[columns + column + 1] * (x[column] * x[column] - 1) }
            }
            return prior * exp(eta)
        }
    }
}
