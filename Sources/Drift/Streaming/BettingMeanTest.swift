import Glibc

/// A sequential test that a stream's mean is above zero, valid however often it is looked at ("anytime valid"):
/// testing by betting (Waudby-Smith & Ramdas 2023, "Estimating means of bounded random variables by betting").
///
/// Each value x (clipped to [−bound, bound]) is bet on at a stake λ chosen from the values before it only; the
/// wealth Kₜ = Πᵢ (1 + λᵢ·xᵢ/bound) is a nonnegative supermartingale while the null "the mean given the past is at
/// most 0" holds, so by Ville's inequality it ever reaches 1/α with probability at most α. Rejecting the null once
/// it does controls the false-rejection rate at α over any number of looks — what an agent that re-judges a model
/// after every event needs. Values may depend on the past (runs of correlated events), as long as the null holds
/// given that past.
///
/// The stake follows the predictable plug-in of the paper (μ̂ / (σ̂² + μ̂²), from a shrunk running mean and variance),
/// capped at `maximumStake` < 1 so that one value can never wipe out the wealth.
public struct BettingMeanTest: Sendable, Equatable {
    /// Values are clipped to [−bound, bound].
    public let bound: Double
    /// The largest fraction of the wealth bet on one value, in (0, 1).
    public let maximumStake: Double
    /// The test's false-rejection rate α.
    public let alpha: Double

    /// Values seen.
    public private(set) var count = 0
    /// log Kₜ.
    public private(set) var logWealth = 0.0
    private var sum = 0.0
    private var squaredDeviations = 0.0

    /// - Parameters:
    ///   - bound: the largest magnitude a value is given (larger ones are clipped), > 0.
    ///   - alpha: the false-rejection rate, in (0, 1).
    ///   - maximumStake: in (0, 1); default 0.8.
    public init(bound: Double, alpha: Double, maximumStake: Double = 0.8) {
        precondition(bound > 0 && alpha > 0 && alpha < 1 && maximumStake > 0 && maximumStake < 1)
        self.bound = bound
        self.alpha = alpha
        self.maximumStake = maximumStake
    }

    /// The evidence against the null so far: the wealth Kₜ (an e-value; 1 means none).
    public var eValue: Double { exp(logWealth) }

    /// Whether the null has been rejected: the mean is above zero, at error rate α.
    public var rejected: Bool { logWealth >= log(1 / alpha) }

    /// The running mean of the (clipped, scaled to [−1, 1]) values.
    public var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// The stake for the next value, from the values so far.
    public var nextStake: Double {
        // Shrunk toward "no edge" so the first values are bet on cautiously.
        let shrunkMean = sum / Double(count + 1)
        let variance = (0.25 + squaredDeviations) / Double(count + 1)
        guard shrunkMean > 0 else { return 0 }
        return min(maximumStake, shrunkMean / (variance + shrunkMean * shrunkMean))
    }

    /// Bets on one value. Non-finite values are ignored.
    public mutating func update(_ value: Double) {
        guard value.isFinite else { return }
        let x = min(max(value, -bound), bound) / bound
        logWealth += log1p(nextStake * x)
        let previousMean = mean
        count += 1
        sum += x
        squaredDeviations += (x - previousMean) * (x - mean)
    }

    /// The test after a sequence of values.
    public func updated(with values: [Double]) -> BettingMeanTest {
        var test = self
        for value in values { test.update(value) }
        return test
    }
}
