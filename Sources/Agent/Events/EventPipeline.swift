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
        /// How far the last sample's stamp lay from its slot, seconds.
        var lastOffset: Double = 0
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
        // Only polls with values count toward the wait for a label (a dead connection does not show the minimum).
        if var waiting = awaitingLabel, !values.isEmpty {
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
        case .running(let start, let stamped):
            // A poll without a single valid value (a failed read, a silent MQTT device) tells nothing new: it is
            // neither a sample nor the moment of a checkpoint, which waits for the next poll with values (and is
            // skipped when that comes more than half an interval late).
            guard var event = running, !values.isEmpty else { break }
            let seconds = slotSeconds(time: time, start: start)
            let offset = abs(stamped - seconds)
            if event.samples.last?.seconds == seconds {
                // Two polls on one slot (one very late, the next on time): the one nearer the slot stands.
                if offset < event.lastOffset {
                    event.samples[event.samples.count - 1] = .init(seconds: seconds, values: values)
                    event.lastOffset = offset
                }
                running = event
                break
            }
            event.samples.append(.init(seconds: seconds, values: values))
            event.lastOffset = offset
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

    /// Seconds into the event of a poll stamped `time`, counted in poll intervals as the training history counts
    /// them (30, 60, ... s).
    ///
    /// A poll is stamped when it began, some milliseconds after its slot — at simulation speed or on a busy box,
    /// plant seconds — and a checkpoint's window takes the polls at or before it: counted unrounded, a start stamped
    /// 6 s late would put the 30 s poll at 24 s or 36 s, in the window or out of it by chance, and the features
    /// unlike the history's. Modbus devices are polled on the multiples of their interval, each poll beginning in its
    /// slot, so a poll's slot is the multiple at or before its stamp (a tenth of an interval of tolerance for a clock
    /// that woke early): exact for any lateness under 0.9 intervals. MQTT devices publish on a grid of their own, so
    /// the seconds since the start round to the nearest multiple instead.
    private func slotSeconds(time: Int64, start: Int64) -> Double {
        let interval = Int64((device.pollIntervalSeconds * 1000).rounded())
        let stamped = Double(time - start) / 1000
        guard interval > 0 else { return stamped }
        switch device.connection {
        case .modbusTCP, .modbusRTU:
            func slot(_ time: Int64) -> Int64 {
                let shifted = time + interval / 10
                return (shifted >= 0 ? shifted / interval : (shifted - interval + 1) / interval) * interval
            }
            return Double(slot(time) - slot(start)) / 1000
        case .mqtt:
            let seconds = Double(interval) / 1000
            return (stamped / seconds).rounded() * seconds
        }
    }

    private func label(_ waiting: AwaitingLabel, minimum: Double, source: MinimumSource, threshold: Double) -> Step {
        .labeled(start: waiting.start, end: waiting.end, minimum: minimum, source: source, failed: minimum > threshold)
    }
}
