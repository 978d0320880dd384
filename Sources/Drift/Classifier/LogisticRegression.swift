import Glibc

/// L2-penalised logistic regression fitted by Newton–Raphson, for telling two samples apart.
///
/// Minimises Σ log(1 + exp(−sᵢ ηᵢ)) + (λ/2)‖w‖² with η = b + wᵀx and s = ±1; the intercept b is not penalised.
/// Each Newton step solves the (p+1)-dimensional normal equations by Cholesky factorisation, halving the step until
/// the penalised loss falls. The penalty keeps the fit finite when the samples are perfectly separable.
struct LogisticRegression: Sendable {
    /// Intercept first, then one coefficient per column.
    let coefficients: [Double]

    /// Fits on row-major `rows × columns` features with labels (`true` = the positive class).
    static func fit(features: [Double], rows: Int, columns: Int, labels: [Bool], penalty: Double) -> LogisticRegression
    {
        let size = columns + 1
        var coefficients = [Double](repeating: 0, count: size)
        let positives = Double(labels.filter { $0 }.count)
        // Start from the prior log-odds, which is the optimum when no feature helps.
        coefficients[0] = log(max(positives, 0.5) / max(Double(rows) - positives, 0.5))
        var loss = penalisedLoss(coefficients, features, rows, columns, labels, penalty)
        for _ in 0..<100 {
            var gradient = [Double](repeating: 0, count: size)
            var hessian = [Double](repeating: 0, count: size * size)
            for row in 0..<rows {
                let eta = linearPredictor(coefficients, features, row, columns)
                let probability = 1 / (1 + exp(-eta))
                let residual = probability - (labels[row] ? 1 : 0)
                let curvature = max(probability * (1 - probability), 1e-12)
                // The design row is (1, x₁, …, x_p).
                let base = row * columns
                for a in 0..<size {
                    let xa = a == 0 ? 1 : features[base + a - 1]
                    gradient[a] += residual * xa
                    for b in 0...a {
                        let xb = b == 0 ? 1 : features[base + b - 1]
                        hessian[a * size + b] += curvature * xa * xb
                    }
                }
            }
            for a in 1..<size {
                gradient[a] += penalty * coefficients[a]
                hessian[a * size + a] += penalty
            }
            // A tiny ridge on the intercept keeps the system solvable when one class is absent.
            hessian[0] += 1e-9
            guard let factor = CholeskyFactorization(hessian, size: size) else { break }
            let step = factor.solve(gradient)
            var scale = 1.0
            var improved = false
            while scale > 1e-6 {
                let trial = (0..<size).map { coefficients[$0] - scale * step[$0] }
                let trialLoss = penalisedLoss(trial, features, rows, columns, labels, penalty)
                if trialLoss <= loss {
                    let decrease = loss - trialLoss
                    coefficients = trial
                    loss = trialLoss
                    improved = decrease > 1e-10 * max(1, abs(loss))
                    break
                }
                scale /= 2
            }
            if !improved { break }
        }
        return LogisticRegression(coefficients: coefficients)
    }

    /// b + wᵀx for one row of row-major features.
    static func linearPredictor(_ coefficients: [Double], _ features: [Double], _ row: Int, _ columns: Int) -> Double {
        var eta = coefficients[0]
        let base = row * columns
        for column in 0..<columns { eta += coefficients[column + 1] * features[base + column] }
        return eta
    }

    /// The log-odds of the positive class for each row.
    func logOdds(features: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { Self.linearPredictor(coefficients, features, $0, columns) }
    }

    private static func penalisedLoss(
        _ coefficients: [Double], _ features: [Double], _ rows: Int, _ columns: Int, _ labels: [Bool],
        _ penalty: Double
    ) -> Double {
        var loss = 0.0
        for row in 0..<rows {
            let margin = (labels[row] ? 1 : -1) * linearPredictor(coefficients, features, row, columns)
            // log(1 + e^(−margin)), stable for large |margin|.
            loss += margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin))
        }
        var norm = 0.0
        for a in 1..<coefficients.count { norm += coefficients[a] * coefficients[a] }
        return loss + 0.5 * penalty * norm
    }
}

/// What a domain classifier sees: both samples' rows stacked (first, then second), standardised on the pooled rows,
/// and, for curvature, the centred squares zᵢ² − 1, so the log-odds can be quadratic in x, which is exact for
/// Gaussian samples of different spread. Labels are `true` for the second sample's rows.
struct DomainDesign {
    /// Row-major design values, `rows × columns`.
    let values: [Double]
    let rows: Int
    let columns: Int
    let labels: [Bool]
    /// The scaling fitted on the pooled rows.
    let scale: Standardization

    /// - Throws: ``DriftError`` for mismatched features, fewer than 2 rows in a sample, a constant feature, or an
    ///   invalid penalty.
    init(
        _ first: FeatureMatrix, _ second: FeatureMatrix, names: (String, String), quadratic: Bool, penalty: Double
    ) throws(DriftError) {
        guard penalty.isFinite, penalty >= 0 else {
            throw .invalidParameter(name: "penalty λ", value: penalty, requirement: "a finite number ≥ 0")
        }
        try FeatureMatrix.requireComparable(first, second, minimumRows: 2, names: names)
        let scale = try Standardization(pooling: first, second)
        self.scale = scale
        let pooled = KernelMeanMatching.pooled(scale.apply(to: first), scale.apply(to: second))
        rows = pooled.rowCount
        labels = (0..<rows).map { $0 >= first.rowCount }
        guard quadratic else {
            values = pooled.values
            columns = pooled.featureCount
            return
        }
        let features = pooled.featureCount
        var expanded: [Double] = []
        expanded.reserveCapacity(rows * features * 2)
        for row in 0..<rows {
            let slice = pooled.row(row)
            expanded.append(contentsOf: slice)
            for value in slice { expanded.append(value * value - 1) }
        }
        values = expanded
        columns = features * 2
    }
}
