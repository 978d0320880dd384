import Glibc

/// The distribution of the one-sample Kolmogorov–Smirnov statistic Dₙ for a finite sample size n.
///
/// The algorithm choice follows Simard & L'Ecuyer (2011), with the same switch points as
/// `scipy.stats.kstwo`, so large two-sample tests agree with the reference to about 1e-10:
/// - exact closed forms at the ends (Ruben & Gambino 1982) and for D ≥ ½ (twice the one-sided tail);
/// - the Durbin matrix (Marsaglia, Tsang & Wang 2003) for small n·D²;
/// - twice the one-sided Smirnov tail (Birnbaum & Tingey 1951) where it is accurate (Miller 1956);
/// - the Pelz–Good (1976) expansion for large n.
enum KolmogorovDistribution {
    /// P(Dₙ ≥ d).
    static func survival(_ d: Double, sampleSize n: Int) -> Double {
        let probability = uncheckedSurvival(d, sampleSize: n)
        return min(1, max(0, probability))
    }

    private static func uncheckedSurvival(_ d: Double, sampleSize n: Int) -> Double {
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let size = Double(n)
        let t = size * d
        if t <= 1 {
            if t <= 0.5 { return 1 }
            // P(Dₙ ≤ d) = n!/nⁿ (2t − 1)ⁿ for 1/(2n) ≤ d ≤ 1/n.
            let logCDF = lgamma(size + 1) - size * log(size) + size * log(2 * t - 1)
            return 1 - exp(logCDF)
        }
        if t >= size - 1 { return 2 * pow(1 - d, size) }
        if d >= 0.5 { return 2 * smirnovSurvival(d, sampleSize: n) }
        let nDSquared = t * d
        if n <= 140 {
            if nDSquared <= 4 { return 1 - durbinMatrixCDF(d, sampleSize: n) }
            return 2 * smirnovSurvival(d, sampleSize: n)
        }
        if nDSquared >= 370 { return 0 }
        if nDSquared >= 2.2 { return 2 * smirnovSurvival(d, sampleSize: n) }
        if n <= 100_000 && size * pow(d, 1.5) <= 1.4 { return 1 - durbinMatrixCDF(d, sampleSize: n) }
        return 1 - pelzGoodCDF(d, sampleSize: n)
    }

    /// The one-sided tail P(Dₙ⁺ ≥ d) = d Σ_{v=0}^{⌊n(1−d)⌋} C(n, v) (d + v/n)^(v−1) (1 − d − v/n)^(n−v), a sum of
    /// positive terms evaluated in logarithms (accurate to about 1e-9 relative for n near a million, where the
    /// log-gamma values reach 10⁷); for n above a million, the approximation exp(−(6nd+1)²/(18n)).
    static func smirnovSurvival(_ d: Double, sampleSize n: Int) -> Double {
        if n == 1 { return 1 - d }
        if d <= 0 { return 1 }
        if d >= 1 { return 0 }
        let size = Double(n)
        let product = size * d
        var whole = Int(product.rounded(.down))
        var fraction = product - Double(whole)
        if fraction >= 1 {
            whole += 1
            fraction = 0
        }
        if whole == 0 || (whole == 1 && fraction == 0) {
            return 1 - d * pow(1 + d, size - 1)
        }
        if -2 * size * d * d < -708.396_418_532_264_1 { return 0 }
        if whole >= n - 1 { return pow(1 - d, size) }
        if n > 1_000_000 {
            let logTail = -pow(6 * product + 1, 2) / (18 * size)
            return logTail < -log(2.0) ? exp(logTail) : 1 + expm1(logTail)
        }
        // Terms with v up to n(1 − d), excluding the boundary term when n·d is an integer; the v = 0 term is (1 − d)ⁿ.
        let lastTerm = n - whole - 1
        let logBinomialN = lgamma(size + 1) + log(d)
        var sum = pow(1 - d, size)
        if lastTerm >= 1 {
            for v in 1...lastTerm {
                let share = Double(v)
                let reach = d + share / size
                guard reach < 1 else { break }
                // log1p keeps (n − v) log(1 − d − v/n) accurate when n is large and d + v/n small.
                let logTerm =
                    logBinomialN - lgamma(share + 1) - lgamma(size - share + 1) + (share - 1) * log(reach)
                    + (size - share) * log1p(-reach)
                sum += exp(logTerm)
            }
        }
        return sum
    }

    /// P(Dₙ ≤ d) by the Durbin matrix method: with k = ⌈nd⌉, h = k − nd and m = 2k − 1, the (k, k) entry of Hⁿ
    /// times n!/nⁿ, where H is the m × m matrix of Marsaglia, Tsang & Wang (2003). Powers are rescaled by 2¹²⁸ as
    /// they grow, with the exponent kept apart.
    static func durbinMatrixCDF(_ d: Double, sampleSize n: Int) -> Double {
        let size = Double(n)
        let nd = size * d
        if nd <= 0.5 { return 0 }
        if d >= 1 { return 1 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1

        // H[i][j] = 1/(i − j + 1)! on and below the superdiagonal, with corrections in the first column and the
        // last row for the boundary.
        var inverseFactorials = [Double](repeating: 1, count: m + 1)
        for j in 1...m { inverseFactorials[j] = inverseFactorials[j - 1] / Double(j) }
        var matrix = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in 0..<m where i - j + 1 >= 0 {
                matrix[i * m + j] = inverseFactorials[i - j + 1]
            }
        }
        for i in 0..<m {
            matrix[i * m] -= pow(h, Double(i + 1)) * inverseFactorials[i + 1]
            matrix[(m - 1) * m + (m - 1 - i)] -= pow(h, Double(i + 1)) * inverseFactorials[i + 1]
        }
        // The corner was corrected twice above; add back the overlap of the two corrections.
        if 2 * h - 1 > 0 { matrix[(m - 1) * m] += pow(2 * h - 1, Double(m)) * inverseFactorials[m] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var powerExponent = 0
        var matrixExponent = 0
        var remaining = n
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = multiply(power, matrix, size: m)
                powerExponent += matrixExponent
            }
            matrix = multiply(matrix, matrix, size: m)
            matrixExponent *= 2
            if abs(matrix[(k - 1) * m + (k - 1)]) > 0x1p128 {
                for index in matrix.indices { matrix[index] *= 0x1p-128 }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var probability = power[(k - 1) * m + (k - 1)]
        var exponent = powerExponent
        for i in 1...n {
            probability = probability * Double(i) / size
            if abs(probability) < 0x1p-128 {
                probability *= 0x1p128
                exponent -= 128
            }
        }
        return scalbn(probability, Int32(exponent))
    }

    private static func multiply(_ a: [Double], _ b: [Double], size m: Int) -> [Double] {
        var product = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for k in 0..<m {
                let aik = a[i * m + k]
                if aik == 0 { continue }
                for j in 0..<m { product[i * m + j] += aik * b[k * m + j] }
            }
        }
        return product
    }

    /// The Pelz–Good approximation of P(Dₙ ≤ d): K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2} with z = d√n, each
    /// Kᵢ written as a theta-type series in exp(−π²(2k−1)²/(8z²)) that converges fast for small z.
    static func pelzGoodCDF(_ d: Double, sampleSize n: Int) -> Double {
        if d <= 0 { return 0 }
        if d >= 1 { return 1 }
        let size = Double(n)
        let z = size.squareRoot() * d
        let z2 = z * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let pi2 = Double.pi * Double.pi
        let pi4 = pi2 * pi2
        let pi6 = pi4 * pi2
        if -pi2 / (8 * z2) < -708 { return 0 }
        let terms = Int((16 * z / Double.pi).rounded(.up))
        var k0 = 0.0
        var k1 = 0.0
        var k2 = 0.0
        var k3 = 0.0
        var k2Extra = 0.0
        var k3Extra = 0.0
        for k in stride(from: terms, through: 1, by: -1) {
            let odd = Double(2 * k - 1)
            let odd2 = odd * odd
            let odd4 = odd2 * odd2
            let odd6 = odd4 * odd2
            let weight = exp(-pi2 * odd2 / (8 * z2))
            k0 += weight
            k1 += (pi2 * odd2 / 4 - z2) * weight
            k2 += (6 * z6 + 2 * z4 + (2 * z4 - 5 * z2) * pi2 * odd2 / 4 + pi4 * (1 - 2 * z2) * odd4 / 16) * weight
            k3 +=
                (-30 * z6 - 90 * z6 * z2 + pi2 * (135 * z4 - 96 * z6) * odd2 / 4
                    + pi4 * (212 * z4 - 60 * z2) * odd4 / 16 + pi6 * (5 - 30 * z2) * odd6 / 64) * weight
            let whole = Double(k)
            let whole2 = whole * whole
            let evenWeight = exp(-pi2 * whole2 / (2 * z2))
            k2Extra += whole2 * evenWeight
            k3Extra += (3 * z2 - pi2 * whole2) * whole2 * evenWeight
        }
        let root2Pi = (2 * Double.pi).squareRoot()
        k0 *= root2Pi / z
        k1 *= root2Pi / (6 * z4)
        k2 = k2 * root2Pi / (72 * z6 * z) - k2Extra * pi2 * root2Pi / (36 * z2 * z)
        k3 = k3 * root2Pi / (6480 * z6 * z4) + k3Extra * pi2 * root2Pi / (216 * z6)
        return k0 + k1 / size.squareRoot() + k2 / size + k3 / (size * size.squareRoot())
    }
}
