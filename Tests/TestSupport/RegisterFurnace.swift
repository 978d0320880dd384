public import Plant

/// The smallest furnace the agent's event logic runs on: device `f` on Modbus TCP with a chamber pressure, an
/// event-running flag and the last event's minimum, threshold 1 mbar; and its polls.
public enum RegisterFurnace {
    public static func device(attributes: [StaticAttribute] = []) -> DeviceFile {
        DeviceFile(
            id: "f", kind: "esr-furnace", name: "F", connection: .modbusTCP(ModbusTCPEndpoint(host: "127.0.0.1")),
            signals: [
                SignalDefinition(
                    name: "chamber_pressure",
                    source: .register(RegisterLocation(table: .input, address: 0, type: .float32))),
                SignalDefinition(
                    name: "event_running",
                    source: .register(RegisterLocation(table: .discrete, address: 0, type: .bool))),
                SignalDefinition(
                    name: "last_event_minimum",
                    source: .register(RegisterLocation(table: .input, address: 2, type: .float32))),
            ],
            attributes: attributes,
            event: EventDefinition(
                detection: .runningSignal("event_running"), pressureSignal: "chamber_pressure", threshold: 1,
                minimumSignal: "last_event_minimum"))
    }

    /// One poll of `f`; no minimum reading when `minimum` is nil.
    public static func poll(_ time: Int64, running: Bool, pressure: Double, minimum: Double?) -> [Reading] {
        var readings = [
            Reading.ok(device: "f", signal: "event_running", at: time, value: running ? 1 : 0),
            Reading.ok(device: "f", signal: "chamber_pressure", at: time, value: pressure),
        ]
        if let minimum { readings.append(.ok(device: "f", signal: "last_event_minimum", at: time, value: minimum)) }
        return readings
    }
}
