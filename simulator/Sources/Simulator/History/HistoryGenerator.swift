import Plant

/// Writes past pumping events as training data: for each event, one row per checkpoint (30, 60, ..., 180 s) with
/// the features the agent can see at that moment and the event's true minimum pressure.
///
/// It samples each furnace exactly as the agent does: polls on the poll-interval grid, values after the round trip
/// through the device's encoding, invalid values left out, event time 0 at the first poll that sees the event.
public struct HistoryGenerator: Sendable {
    public let furnaces: [SimulatedFurnace]

    public init(furnaces: [SimulatedFurnace]) { self.furnaces = furnaces }

    /// The union of the furnaces' static attribute names, sorted.
    public var attributeNames: [String] {
        Array(Set(furnaces.flatMap { $0.device.attributes.map(\.name) })).sorted()
    }

    /// The CSV header: optional id columns, the feature names, the target.
    public func header(withIDs: Bool) -> [String] {
        (withIDs ? ["device", "event"] : []) + PumpingEventFeatures.names(attributes: attributeNames)
            + [PumpingEventFeatures.target]
    }

    /// One labeled event as the agent would have seen it.
    public struct Event: Sendable {
        public var device: String
        public var index: Int
        /// Feature values per checkpoint, in checkpoint order.
        public var features: [[String: Double]]
        public var minimumPressure: Double
        public var failed: Bool
    }

    /// The first `count` events of a furnace.
    public func events(of furnace: SimulatedFurnace, count: Int, skip: Int = 0) -> [Event] {
        let device = furnace.device
        guard let definition = device.event else { return [] }
        let interval = Int64(device.pollIntervalSeconds * 1000)
        var result: [Event] = []
        for index in skip..<(skip + count) {
            let event = furnace.model.event(index)
            let detection = (event.start + interval - 1) / interval * interval
            var samples: [PumpingEventFeatures.Sample] = []
            var time = detection
            while time <= detection + Int64(PumpingEventFeatures.checkpoints.last! * 1000) {
                samples.append(.init(seconds: Double(time - detection) / 1000, values: validValues(furnace, at: time)))
                time += interval
            }
            let previous = definition.minimumSignal.flatMap { validValues(furnace, at: detection)[$0] }
            let minimum =
                definition.minimumSignal.flatMap { validValues(furnace, at: (event.end / interval + 1) * interval)[$0] }
                ?? event.simulation.minimumPressureMbar
            let features = PumpingEventFeatures.checkpoints.map { checkpoint in
                PumpingEventFeatures.compute(
                    samples: samples, checkpoint: checkpoint, pressureSignal: definition.pressureSignal,
                    attributes: device.attributes, previousMinimum: previous)
            }
            result.append(
                Event(
                    device: device.id, index: index, features: features, minimumPressure: minimum,
                    failed: minimum > definition.threshold))
        }
        return result
    }

    /// CSV text of `count` events per furnace.
    public func csv(eventsPerFurnace count: Int, withIDs: Bool = false) -> String {
        let header = header(withIDs: withIDs)
        let names = PumpingEventFeatures.names(attributes: attributeNames)
        var lines = [header.joined(separator: ",")]
        for furnace in furnaces {
            for event in events(of: furnace, count: count) {
                for features in event.features {
                    var fields = withIDs ? [event.device, String(event.index)] : []
                    fields += PumpingEventFeatures.vector(features, names: names).map(Self.number)
                    fields.append(Self.number(event.minimumPressure))
                    lines.append(fields.joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the agent would store as valid values at a poll.
    func validValues(_ furnace: SimulatedFurnace, at time: Int64) -> [String: Double] {
        var values: [String: Double] = [:]
        for signal in furnace.device.signals {
            guard let value = furnace.expectedDecodedValue(signal: signal.name, at: time), value.isFinite else {
                continue
            }
            if let range = signal.validRange, !range.contains(value) { continue }
            values[signal.name] = value
        }
        return values
    }

    /// A CSV number: shortest exact text, empty for missing.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
