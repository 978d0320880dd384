import Glibc

/// The time the plant lives in: real time on a real box, accelerated time in simulation and tests.
///
/// Everything that schedules or timestamps (polls, events, retention) asks a `PlantClock`, never the system clock,
/// so a day of simulated furnace events can pass in seconds with every 30 s poll still 30 plant seconds apart.
public protocol PlantClock: Sendable {
    /// Plant time now, in milliseconds since the Unix epoch.
    func now() -> Int64
    /// Suspends until plant time reaches `deadline` (milliseconds since the Unix epoch).
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until deadline: Int64) async throws
    /// How many plant seconds pass per real second.
    var speed: Double { get }
}

extension PlantClock {
    /// Suspends for a span of plant time.
    public func sleep(seconds: Double) async throws {
        try await sleep(until: now() + Int64((seconds * 1000).rounded()))
    }
}

/// Real time, optionally accelerated: plant time = `plantOrigin` + (real now − `realOrigin`) × `speed`.
///
/// Two processes given the same origins and speed (the simulator and the agent) agree on plant time.
public struct AcceleratedClock: PlantClock {
    public let speed: Double
    /// Real time at which plant time was `plantOrigin`, in milliseconds since the Unix epoch.
    public let realOrigin: Int64
    public let plantOrigin: Int64

    /// - Parameters:
    ///   - speed: plant seconds per real second (1 = real time).
    ///   - realOrigin: the real moment the acceleration starts from (default: now).
    ///   - plantOrigin: plant time at that moment (default: the same as `realOrigin`).
    public init(speed: Double = 1, realOrigin: Int64? = nil, plantOrigin: Int64? = nil) {
        precondition(speed > 0, "speed must be positive")
        self.speed = speed
        let origin = realOrigin ?? Self.realNow()
        self.realOrigin = origin
        self.plantOrigin = plantOrigin ?? origin
    }

    /// Real (wall-clock) time in milliseconds since the Unix epoch.
    public static func realNow() -> Int64 { realNowNanoseconds() / 1_000_000 }

    /// Real (wall-clock) time in nanoseconds since the Unix epoch.
    static func realNowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Plant time from real time at nanosecond resolution: at 600×, real milliseconds would make plant time jump in
    /// steps of 0.6 s, and a poll woken in the millisecond before its slot would read as 0.6 s early.
    public func now() -> Int64 {
        let real = Self.realNowNanoseconds()
        // Whole milliseconds first: an origin far from now must not overflow in nanoseconds.
        let elapsed = Double(real / 1_000_000 - realOrigin) + Double(real % 1_000_000) / 1_000_000
        return plantOrigin + Int64((elapsed * speed).rounded(.down))
    }

    /// Returns once ``now()`` has reached `deadline`, never before: a timer may fire a little early, and a poll that
    /// woke before its slot would read (from a simulator on the poll grid) the slot before it.
    public func sleep(until deadline: Int64) async throws {
        while true {
            let remaining = Double(deadline - now()) / speed
            guard remaining > 0 else { break }
            try await Task.sleep(nanoseconds: UInt64((remaining * 1_000_000).rounded(.up)))
        }
        try Task.checkCancellation()
    }
}
