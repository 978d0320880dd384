public import Plant

/// Follows one device's stored readings and turns them into what the agent acts on: an event started, the
/// features at each checkpoint (30, 60, ..., 180 s into it), the event ended, its true minimum known.
///
/// Pure and synchronous: the agent feeds it every stored batch of the device and acts on the steps it returns.
public struct EventPipeline: Sendable {
    public let device: DeviceFile
    private var tracker: PumpingEventTracker
    private var running: Running?
    private var awaitingLabel: AwaitingLabel?
    /// The minimum signal's last valid value (the previous event's minimum, as the PLC reports it).
    private var lastMinimumRegister: Double?

    /// How many polls after an event's end the minimum register may take to show the new minimum.
    public static let labelPolls = 4

    private struct Running: Sendable {
        var start: Int64
        var samples: [PumpingEventFeatures.Sample] = []
        var nextCheckpoint = 0
        var previousMinimum: Double?
    }

    private struct AwaitingLabel: Sendable {
        var start: Int64
        var end: Int64
        var observedMinimum: Double?
        var previousMinimum: Double?
        var polls = 0
    }

    /// What a batch of readings meant.
    public enum Step: Sendable, Equatable {
        case started(start: Int64, previousMinimum: Double?)
        /// Features at a checkpoint, ready for prediction.
        case checkpoint(start: Int64, seconds: Int, features: [String: Double], time: Int64)
        /// The event ended; its label follows in `.labeled` (possibly in the same batch).
        case ended(start: Int64, end: Int64)
        /// The event's true minimum: from the PLC's minimum register, or the lowest pressure polled.
        case labeled(start: Int64, end: Int64, minimum: Double, source: MinimumSource, failed: Bool)
        /// An event was found already running (its start not seen): it is followed to its end but neither predicted
        /// nor labeled, so its mis-timed features never reach a model or its training data.
        case joined(at: Int64)
    }

    /// - Precondition: the device has an `event` section.
    public init(device: DeviceFile) {
        precondition(device.event != nil, "\(device.id) has no event definition")
        self.device = device
        tracker = PumpingEventTracker(definition: device.event!, pollIntervalSeconds: device.pollIntervalSeconds)
    }

    /// The start of the event running now, if any.
    public var runningEventStart: Int64? { running?.start }

    /// Feeds the readings of one or more polls (any order of signals; grouped by time).
    public mutating func ingest(_ readings: [Reading]) -> [Step] {
        let byTime = Dictionary(grouping: readings.filter { $0.device == device.id }, by: \.timeMilliseconds)
        var steps: [Step] = []
        for time in byTime.keys.sorted() {
            var values: [String: Double] = [:]
            for reading in byTime[time]! where reading.status == .ok {
                if let value = reading.value { values[reading.signal] = value }
            }
            steps += poll(time: time, values: values)
        }
        return steps
    }

    private mutating func poll(time: Int64, values: [String: Double]) -> [Step] {
        guard let definition = device.event else { return [] }
        var steps: [Step] = []
        let minimumNow = definition.minimumSignal.flatMap { values[$0] }
        if var waiting = awaitingLabel {
            waiting.polls += 1
            // The register shows the finished event's minimum once it differs from the one before it.
            if let minimumNow, minimumNow != waiting.previousMinimum {
                steps.append(label(waiting, minimum: minimumNow, source: .register, threshold: definition.threshold))
                awaitingLabel = nil
            } else if definition.minimumSignal == nil || waiting.polls >= Self.labelPolls {
                if let observed = waiting.observedMinimum {
                    steps.append(label(waiting, minimum: observed, source: .observed, threshold: definition.threshold))
                }
                awaitingLabel = nil
            } else {
                awaitingLabel = waiting
            }
        }
        if let minimumNow { lastMinimumRegister = minimumNow }

        switch tracker.update(time: time, values: values) {
        case .started(let start):
            running = Running(start: start, previousMinimum: minimumNow ?? lastMinimumRegister)
            running?.samples.append(.init(seconds: 0, values: values))
            steps.append(.started(start: start, previousMinimum: running?.previousMinimum))
        case .running(_, let seconds):
            guard var event = running else { break }
            event.samples.append(.init(seconds: seconds, values: values))
            let checkpoints = PumpingEventFeatures.checkpoints
            // Predict at the first poll at or just after each checkpoint; a checkpoint missed by more than half a
            // poll interval (a lost poll) is skipped rather than computed from stale values.
            while event.nextCheckpoint < checkpoints.count, seconds >= checkpoints[event.nextCheckpoint] - 1 {
                let checkpoint = checkpoints[event.nextCheckpoint]
                event.nextCheckpoint += 1
                guard seconds <= checkpoint + 15 else { continue }
                let features = PumpingEventFeatures.compute(
                    samples: event.samples, checkpoint: checkpoint, pressureSignal: definition.pressureSignal,
                    attributes: device.attributes, previousMinimum: event.previousMinimum)
                steps.append(.checkpoint(start: event.start, seconds: Int(checkpoint), features: features, time: time))
            }
            running = event
        case .ended(let start, let end, let observedMinimum):
            let previous = running?.previousMinimum
            running = nil
            steps.append(.ended(start: start, end: end))
            var waiting = AwaitingLabel(
                start: start, end: end, observedMinimum: observedMinimum, previousMinimum: previous)
            if let minimumNow, definition.minimumSignal != nil, minimumNow != previous {
                steps.append(label(waiting, minimum: minimumNow, source: .register, threshold: definition.threshold))
            } else if definition.minimumSignal == nil, let observedMinimum {
                steps.append(
                    label(waiting, minimum: observedMinimum, source: .observed, threshold: definition.threshold))
            } else {
                waiting.polls = 0
                awaitingLabel = waiting
            }
        case .joined(let time):
            steps.append(.joined(at: time))
        case .joinedEnded, nil:
            break
        }
        return steps
    }

    private func label(_ waiting: AwaitingLabel, minimum: Double, source: MinimumSource, threshold: Double) -> Step {
        .labeled(start: waiting.start, end: waiting.end, minimum: minimum, source: source, failed: minimum > threshold)
    }
}
