import Glibc

/// ADWIN, the adaptive sliding window (Bifet & Gavaldà 2007): it keeps the longest recent window whose mean is
/// consistent, and drops old values when a split of the window into an older and a newer part shows means that
/// differ by more than chance allows.
///
/// The window is summarised by an exponential histogram: buckets of 1, 2, 4, … values with at most M per size,
/// each holding its count, total and sum of squared deviations, so memory and time per value are O(M log W). Every
/// `clock` values, each bucket boundary splitting the window into W₀ older and W₁ newer values (both at least
/// `minimumSubwindow`) is tested with the variance-aware bound
///
///     ε = √(2 σ² ln(2 ln W / δ) / m) + 2 ln(2 ln W / δ) / (3m),   m = 1/(1/W₀ + 1/W₁),
///
/// where σ² is the window's variance; while some split exceeds ε the oldest bucket is dropped.
///
/// Defaults: δ = 0.002, M = 5, clock = 32, sub-windows of at least 5 values, no test before 10 values.
public struct ADWIN: Sendable, Equatable {
    /// The confidence δ in (0, 1): smaller means fewer false alarms and slower detection.
    public let delta: Double
    /// Test for a cut every this many values.
    public let clock: Int
    /// The most buckets of each size, M.
    public let maximumBucketsPerSize: Int
    /// The fewest values on each side of a cut.
    public let minimumSubwindow: Int
    /// The fewest values in the window before testing.
    public let gracePeriod: Int

    private struct Bucket: Sendable, Equatable {
        var count: Double
        var total: Double
        /// Σ (x − mean)² over the bucket's values.
        var deviation: Double

        mutating func absorb(_ other: Bucket) {
            let difference = total / count - other.total / other.count
            deviation += other.deviation + count * other.count / (count + other.count) * difference * difference
            count += other.count
            total += other.total
        }
    }

    /// rows[r] holds buckets of 2ʳ values, oldest first.
    private var rows: [[Bucket]] = []
    private var window = Bucket(count: 0, total: 0, deviation: 0)
    private var sinceCheck = 0

    /// Makes a detector; see the type's documentation for the defaults.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` for δ outside (0, 1), or M, clock or
    ///   sub-window sizes below 1.
    public init(
        delta: Double = 0.002, clock: Int = 32, maximumBucketsPerSize: Int = 5, minimumSubwindow: Int = 5,
        gracePeriod: Int = 10
    ) throws(DriftError) {
        guard delta > 0, delta < 1 else {
            throw .invalidParameter(name: "delta", value: delta, requirement: "in (0, 1)")
        }
        for (name, value) in [
            ("clock", clock), ("maximumBucketsPerSize", maximumBucketsPerSize), ("minimumSubwindow", minimumSubwindow),
        ] where value < 1 {
            throw .invalidParameter(name: name, value: Double(value), requirement: "at least 1")
        }
        self.delta = delta
        self.clock = clock
        self.maximumBucketsPerSize = maximumBucketsPerSize
        self.minimumSubwindow = minimumSubwindow
        self.gracePeriod = max(gracePeriod, 2 * minimumSubwindow)
    }

    /// The number of values in the window.
    public var width: Int { Int(window.count) }
    /// The window's mean (0 when empty).
    public var mean: Double { window.count > 0 ? window.total / window.count : 0 }
    /// The window's variance (0 when empty).
    public var variance: Double { window.count > 0 ? window.deviation / window.count : 0 }

    /// Adds one value; returns `true` if the window was cut because its older part had a different mean.
    /// Non-finite values are ignored (and return `false`).
    public mutating func update(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        let single = Bucket(count: 1, total: value, deviation: 0)
        if rows.isEmpty { rows.append([]) }
        rows[0].append(single)
        if window.count == 0 { window = single } else { window.absorb(single) }
        compress()
        sinceCheck += 1
        guard sinceCheck >= clock, width >= gracePeriod else { return false }
        sinceCheck = 0
        var cut = false
        while dropOldestIfChanged() { cut = true }
        return cut
    }

    /// Forgets every value seen.
    public mutating func reset() {
        rows = []
        window = Bucket(count: 0, total: 0, deviation: 0)
        sinceCheck = 0
    }

    /// Merges the two oldest buckets of any size that has more than M into one of the next size.
    private mutating func compress() {
        var size = 0
        while size < rows.count, rows[size].count > maximumBucketsPerSize {
            var merged = rows[size].removeFirst()
            merged.absorb(rows[size].removeFirst())
            if size + 1 == rows.count { rows.append([]) }
            rows[size + 1].append(merged)
            size += 1
        }
    }

    /// Tests every bucket boundary, oldest first; on the first significant one drops the oldest bucket.
    private mutating func dropOldestIfChanged() -> Bool {
        let total = window.count
        guard total >= Double(2 * minimumSubwindow) else { return false }
        let logTerm = log(2 * log(total) / delta)
        let variance = window.deviation / total
        var olderCount = 0.0
        var olderTotal = 0.0
        for size in stride(from: rows.count - 1, through: 0, by: -1) {
            for bucket in rows[size] {
                olderCount += bucket.count
                olderTotal += bucket.total
                let newerCount = total - olderCount
                guard olderCount >= Double(minimumSubwindow), newerCount >= Double(minimumSubwindow) else { continue }
                let harmonic = 1 / (1 / olderCount + 1 / newerCount)
                let bound = (2 * variance * logTerm / harmonic).squareRoot() + 2 * logTerm / (3 * harmonic)
                let difference = olderTotal / olderCount - (window.total - olderTotal) / newerCount
                if abs(difference) > bound {
                    removeOldestBucket()
                    return true
                }
            }
        }
        return false
    }

    private mutating func removeOldestBucket() {
        guard let size = rows.lastIndex(where: { !$0.isEmpty }) else { return }
        let oldest = rows[size].removeFirst()
        let remaining = window.count - oldest.count
        if remaining <= 0 {
            reset()
            return
        }
        let remainingTotal = window.total - oldest.total
        let difference = oldest.total / oldest.count - remainingTotal / remaining
        window.deviation = max(
            0, window.deviation - oldest.deviation - oldest.count * remaining / window.count * difference * difference)
        window.count = remaining
        window.total = remainingTotal
        while let last = rows.last, last.isEmpty { rows.removeLast() }
    }
}
