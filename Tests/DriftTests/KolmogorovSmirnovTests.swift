import Glibc
import Testing

@testable import Drift

@Suite("Two-sample Kolmogorov–Smirnov test")
struct KolmogorovSmirnovTests {
    @Test("Separated samples of three: D = 1 and p = 2/C(6,3), the two extreme orderings of twenty")
    func separatedTriples() throws {
        let test = try KolmogorovSmirnov([1, 2, 3], [4, 5, 6])
        #expect(test.statistic == 1)
        #expect(abs(test.pValue - 0.1) < 1e-15)
        #expect(test.method == .exact)
    }

    @Test("One value beside two: D = 1 when it is outermost, which two of the three orderings do")
    func oneBesideTwo() throws {
        let test = try KolmogorovSmirnov([1, 2], [3])
        #expect(test.statistic == 1)
        #expect(abs(test.pValue - 2.0 / 3) < 1e-15)
    }

    @Test("Ties: both ECDFs step together at a shared value, D = 1/3")
    func ties() throws {
        let test = try KolmogorovSmirnov([1, 1, 2], [1, 2, 2])
        #expect(abs(test.statistic - 1.0 / 3) < 1e-15)
        let same = try KolmogorovSmirnov([5, 5, 5], [5, 5])
        #expect(same.statistic == 0)
        #expect(same.pValue == 1)
    }

    /// scipy 1.17.1 `ks_2samp(a, b)` with a = 2 sin(i) and b = 2 sin(0.77 j + 0.1) + shift, or cos(1.3 j) + 0.3.
    @Test(
        "Statistic and p-value agree with scipy's method='auto' to 1e-10 relative",
        arguments: [
            (37, 53, nil, 0.3783783783783784, 0.0026007156678468524),
            (60, 60, nil, 0.36666666666666664, 0.0005569710611454617),
            (400, 250, nil, 0.3825, 1.4030209000977544e-20),
            (12000, 90, nil, 0.3865, 1.778649349472781e-12),
            (15000, 11000, 0.012, 0.035363636363636375, 2.487685714963864e-07),
            (12000, 300, 0.1, 0.10333333333333339, 0.003541223558081874),
            (12000, 300, 0.2, 0.14358333333333334, 9.821537405871626e-06),
            (10001, 5, 0.0, 0.4871512848715128, 0.13004169610689365),
        ] as [(Int, Int, Double?, Double, Double)])
    func matchesReference(m: Int, n: Int, shift: Double?, statistic: Double, pValue: Double) throws {
        let first = (0..<m).map { 2 * sin(Double($0)) }
        let second = (0..<n).map { j -> Double in
            if let shift { return 2 * sin(0.77 * Double(j) + 0.1) + shift }
            return cos(1.3 * Double(j)) + 0.3
        }
        let test = try KolmogorovSmirnov(first, second)
        #expect(abs(test.statistic - statistic) < 1e-12)
        #expect(abs(test.pValue - pValue) <= 1e-10 * max(1, pValue))
        #expect(test.method == (max(m, n) <= 10_000 ? .exact : .asymptotic))
    }

    /// scipy 1.17.1 `kstwo.sf(d, n)`, chosen to reach every branch of the finite-n distribution.
    @Test(
        "The finite-n Kolmogorov tail agrees with scipy's kstwo in every branch",
        arguments: [
            (150000, 0.002, 0.5852546878861703),  // Pelz–Good
            (1_000_000, 0.0005, 0.9638386310076212),  // Pelz–Good
            (1_000_000, 0.0015, 0.022195758430640866),  // twice the one-sided tail
            (3000, 0.02, 0.17889813623188966),  // Pelz–Good above n·d^1.5 = 1.4
            (3000, 0.03, 0.008848227794930863),  // twice the one-sided tail
            (3000, 0.05, 5.874684341454393e-07),
            (50, 0.1, 0.6623112704658186),  // Durbin matrix, n ≤ 140
            (50, 0.25, 0.0030657620198693003),
            (50, 0.3, 0.00017353260202718738),  // one-sided tail, n ≤ 140
            (120, 0.15, 0.008029227977456916),
            (120, 0.6, 7.709490418913161e-42),  // d ≥ ½
            (7, 0.1, 0.9999899731574429),  // Ruben–Gambino, d ≤ 1/n
            (7, 0.95, 1.5625000000000096e-09),  // Ruben–Gambino, d ≥ 1 − 1/n
            (200, 0.004, 1.0),
            (1_500_000, 0.0012, 0.02657841366403746),  // one-sided tail beyond a million terms
        ] as [(Int, Double, Double)])
    func kolmogorovTail(n: Int, d: Double, expected: Double) {
        let value = KolmogorovDistribution.survival(d, sampleSize: n)
        // Near a million terms the one-sided sum's log-gamma values reach 10⁷, which leaves nine digits.
        let tolerance = n >= 1_000_000 ? 1e-8 : 1e-10
        #expect(
            abs(value - expected) <= tolerance * max(expected, 1e-300) || abs(value - expected) < 1e-13,
            "\(value) against \(expected)")
    }

    /// scipy 1.17.1 `kstwo.cdf(d, n)`, where the lower tail is tiny and only a direct evaluation is accurate.
    @Test(
        "The Durbin matrix and Pelz–Good lower tails agree with scipy's kstwo.cdf",
        arguments: [
            (5000, 0.003, 2.5987461556534745e-11, true),
            (5000, 0.0042, 8.744973999136918e-06, true),
            (20000, 0.0015, 1.963891089520324e-11, true),
            (300, 0.03, 0.05753350273661567, false),
            (50, 0.1, 0.3376887295341814, true),
            (7, 0.1, 1.002684255709783e-05, true),
            (150000, 0.002, 0.4147453121138297, false),
            (1_000_000, 0.0005, 0.0361613689923788, false),
        ] as [(Int, Double, Double, Bool)])
    func lowerTail(n: Int, d: Double, expected: Double, durbin: Bool) {
        let value =
            durbin
            ? KolmogorovDistribution.durbinMatrixCDF(d, sampleSize: n)
            : KolmogorovDistribution.pelzGoodCDF(d, sampleSize: n)
        #expect(abs(value - expected) <= 1e-9 * expected)
    }

    @Test("The one-sided Smirnov tail agrees with scipy.special.smirnov")
    func smirnov() {
        let cases: [(Int, Double, Double)] = [
            (10, 0.3, 0.1354635556), (100, 0.1, 0.1265906584562817), (1000, 0.05, 0.006506037390545166),
            (2_000_000, 0.001, 0.018303432023617325), (5, 0.1, 0.85359), (5, 0.9, 9.999999999999989e-06),
        ]
        for (n, d, expected) in cases {
            #expect(abs(KolmogorovDistribution.smirnovSurvival(d, sampleSize: n) - expected) <= 1e-10 * expected)
        }
    }

    @Test("Exact p-values for unequal sizes match a brute-force count of all orderings")
    func bruteForce() throws {
        // Every way to place 4 first-sample values among 7 positions, each equally likely under the null.
        let m = 4
        let n = 3
        let observed = try KolmogorovSmirnov([0, 1, 2, 5], [3, 4, 6])
        var atLeast = 0
        var total = 0
        for mask in 0..<(1 << (m + n)) where mask.nonzeroBitCount == m {
            var first: [Double] = []
            var second: [Double] = []
            for position in 0..<(m + n) {
                if mask & (1 << position) != 0 {
                    first.append(Double(position))
                } else {
                    second.append(Double(position))
                }
            }
            let gap = Double(KolmogorovSmirnov.largestGap(first, second)) / Double(m * n)
            if gap >= observed.statistic - 1e-12 { atLeast += 1 }
            total += 1
        }
        #expect(abs(observed.pValue - Double(atLeast) / Double(total)) < 1e-14)
    }

    @Test("Empty and non-finite samples are rejected by name")
    func badInput() {
        #expect(throws: DriftError.emptySample(sample: "second")) { try KolmogorovSmirnov([1], []) }
        #expect(throws: DriftError.nonFiniteValue(sample: "first", row: 1, feature: "-", value: .infinity)) {
            try KolmogorovSmirnov([1, .infinity], [2])
        }
    }
}
