import Glibc

/// The one seedable random generator of Hearth (SplitMix64): every random choice — a bootstrap sample, a
/// permutation test, a cross-validation fold, a simulated gauge's noise — is drawn from one of these, so a run is
/// fixed by its seed on every platform and Swift version.
///
/// Uniform integers, samples and shuffles use the generator's own methods, never the standard library's
/// algorithms (which may change between releases).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for one purpose, derived from a seed and any number of keys (a tree's index, a furnace, an
    /// event, a second), so that independent streams come from one configured seed.
    public init(seed: UInt64, _ keys: UInt64...) {
        var mixed = seed
        for key in keys { mixed = Self.mix(mixed ^ Self.mix(key &+ 0x9E37_79B9_7F4A_7C15)) }
        state = mixed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform number in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform number in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// A uniform integer in `0..<bound` (Lemire's multiply-and-reject method: no modulo bias).
    /// - Precondition: `bound > 0`.
    public mutating func uniform(below bound: Int) -> Int {
        precondition(bound > 0, "uniform(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal number (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Moves a uniform random sample of `count` elements of the whole array to its first `count` positions
    /// (partial Fisher–Yates); the rest holds the remaining elements.
    public mutating func partialShuffle<Element>(_ array: inout [Element], count: Int) {
        let n = array.count
        for i in 0..<min(count, n) {
            let j = i + uniform(below: n - i)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// Shuffles the whole array uniformly (Fisher–Yates).
    public mutating func shuffle<Element>(_ array: inout [Element]) {
        partialShuffle(&array, count: array.count)
    }

    /// `count` distinct indices of `0..<population`, in random order (all of them, shuffled, when
    /// `count >= population`).
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        var indices = Array(0..<max(0, population))
        let wanted = min(max(0, count), indices.count)
        partialShuffle(&indices, count: wanted)
        return Array(indices[0..<wanted])
    }

    /// A stable 64-bit key for a name (FNV-1a), to derive a stream per furnace or purpose.
    public static func key(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
