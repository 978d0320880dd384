/// Follows one device's polls and says when a pumping event starts, how far into it each poll is, and when it ends.
///
/// Seconds into an event count from the first poll that saw it running (time 0), so the agent, the training data
/// and the simulator's history all measure "30 s into the event" the same way.
///
/// An event's start is trusted only when the poll just before it saw the furnace idle, at most
/// `maximumGapMilliseconds` earlier. An event already running at the first poll after a start of the agent, after
/// onboarding, or after a gap of lost or unknown polls is *joined*: followed to its end (so the next event is
/// recognised) but never reported as started, since its "30 s" would really be some unknown time into it.
public struct PumpingEventTracker: Sendable {
    public let definition: EventDefinition
    /// How far apart two polls may be for the later one to count as an event's start; nil: any distance.
    public let maximumGapMilliseconds: Int64?

    /// What a poll meant for the event.
    public enum Transition: Sendable, Equatable {
        /// An event started at this poll (its time 0).
        case started(start: Int64)
        /// A poll during the running event, `seconds` after its start.
        case running(start: Int64, seconds: Double)
        /// The event ended at this poll; `observedMinimum` is the lowest valid pressure seen during it, if any.
        case ended(start: Int64, end: Int64, observedMinimum: Double?)
        /// An event was found running whose start was not seen (see the type's discussion).
        case joined(at: Int64)
        /// A joined event ended.
        case joinedEnded(end: Int64)
    }

    public private(set) var runningSince: Int64?
    /// Whether the running event's start was seen.
    public private(set) var startSeen = false
    private var observedMinimum: Double?
    /// The last poll that saw the furnace idle (known not running).
    private var lastIdle: Int64?

    /// - Parameters:
    ///   - definition: how the device's events are recognised.
    ///   - pollIntervalSeconds: the device's poll interval; an idle poll more than 1.5 intervals before the first
    ///     running one does not make that one a trusted start. Nil: no limit (for histories without gaps).
    public init(definition: EventDefinition, pollIntervalSeconds: Double? = nil) {
        self.definition = definition
        maximumGapMilliseconds = pollIntervalSeconds.map { Int64(($0 * 1500).rounded()) }
    }

    /// Feeds one poll's valid values (by signal name; absent = missing or invalid).
    public mutating func update(time: Int64, values: [String: Double]) -> Transition? {
        let pressure = values[definition.pressureSignal]
        let running: Bool?
        switch definition.detection {
        case .runningSignal(let name):
            running = values[name].map { $0 != 0 }
        case .pressureRule(let startBelow, let endAbove, let maximumDuration):
            if let since = runningSince {
                let tooLong = maximumDuration.map { Double(time - since) / 1000 > $0 } ?? false
                running = tooLong ? false : pressure.map { $0 <= endAbove } ?? true
            } else {
                running = pressure.map { $0 < startBelow }
            }
        }
        if let since = runningSince {
            if let pressure { observedMinimum = min(observedMinimum ?? pressure, pressure) }
            if running == false {
                runningSince = nil
                lastIdle = time
                defer { observedMinimum = nil }
                return startSeen
                    ? .ended(start: since, end: time, observedMinimum: observedMinimum) : .joinedEnded(end: time)
            }
            return startSeen ? .running(start: since, seconds: Double(time - since) / 1000) : nil
        }
        if running == false { lastIdle = time }
        // An unknown state (missing flag) never starts an event.
        guard running == true else { return nil }
        runningSince = time
        observedMinimum = pressure
        let seen = lastIdle.map { idle in maximumGapMilliseconds.map { time - idle <= $0 } ?? true } ?? false
        startSeen = seen
        return seen ? .started(start: time) : .joined(at: time)
    }
}
