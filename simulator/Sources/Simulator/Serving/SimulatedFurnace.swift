public import Fieldbus
public import Plant
import Synchronization

/// A furnace model dressed as the device its device file describes: each signal served from the matching
/// physical quantity, encoded exactly as declared, with any injected faults applied.
public final class SimulatedFurnace: Sendable {
    public let device: DeviceFile
    public let model: FurnaceModel
    private let faults = Mutex<[Fault]>([])

    public init(device: DeviceFile, model: FurnaceModel) {
        self.device = device
        self.model = model
    }

    /// Adds a fault (it applies during its own time window).
    public func inject(_ fault: Fault) {
        faults.withLock { $0.append(fault) }
    }

    /// Removes every fault.
    public func clearFaults() {
        faults.withLock { $0.removeAll() }
    }

    /// The faults active at a plant time.
    public func activeFaults(at time: Int64) -> [Fault] {
        faults.withLock { $0.filter { $0.isActive(at: time) } }
    }

    /// The engineering value each signal shows at a plant time, faults included (measurement noise included).
    ///
    /// Signals whose name is not a simulated quantity read 0.
    public func engineeringValues(at time: Int64) -> [String: Double] {
        let active = activeFaults(at: time)
        let state = model.measuredState(at: time)
        var values: [String: Double] = [:]
        for signal in device.signals {
            var value = state.quantity(named: signal.name) ?? 0
            for fault in active where fault.signal == signal.name {
                switch fault.kind {
                case .stuck:
                    value = model.measuredState(at: fault.start).quantity(named: signal.name) ?? value
                case .notANumber:
                    value = .nan
                case .outOfRange:
                    value = (signal.validRange?.upperBound ?? 1e6) * 10 + 1
                default:
                    break
                }
            }
            values[signal.name] = value
        }
        return values
    }

    /// What the agent should store for a signal read at a plant time: the served value after the round trip
    /// through the signal's encoding (float32 rounding, integer scaling), before range checks.
    public func expectedDecodedValue(signal name: String, at time: Int64) -> Double? {
        guard let signal = device.signal(named: name), let value = engineeringValues(at: time)[name] else { return nil }
        switch signal.source {
        case .register(let location):
            let raw = signal.rawValue(engineering: value)
            let registers = RegisterCodec.encode(raw, as: location.type, order: location.order)
            let decoded =
                location.table.isBitTable
                ? (raw != 0 && !raw.isNaN ? 1 : 0)
                : RegisterCodec.decode(registers, as: location.type, order: location.order)
            return signal.engineeringValue(raw: decoded)
        case .json:
            return value.isFinite ? signal.engineeringValue(raw: signal.rawValue(engineering: value)) : value
        }
    }

    // MARK: Modbus

    /// The register and bit ranges the device file declares, per unit id.
    public var modbusLayout: ModbusUnitLayout {
        var ranges: [RegisterTable: (Int, Int)] = [:]
        for signal in device.signals {
            guard case .register(let location) = signal.source else { continue }
            let span = ranges[location.table] ?? (location.address, location.address + location.width)
            ranges[location.table] = (
                min(span.0, location.address), max(span.1, location.address + location.width)
            )
        }
        func range(_ table: RegisterTable) -> Range<Int> {
            ranges[table].map { $0.0..<$0.1 } ?? 0..<0
        }
        return ModbusUnitLayout(
            holding: range(.holding), input: range(.input), coils: range(.coil), discrete: range(.discrete))
    }

    /// The registers as they stand at a plant time.
    public func modbusImage(at time: Int64) -> ModbusDataImage {
        var image = ModbusDataImage()
        let values = engineeringValues(at: time)
        for signal in device.signals {
            guard case .register(let location) = signal.source, let value = values[signal.name] else { continue }
            var raw = signal.rawValue(engineering: value)
            if raw.isNaN, location.type != .float32, location.type != .float64 {
                // Integer registers cannot hold NaN: a broken transmitter typically reads as full scale.
                raw = location.type == .int16 ? 32767 : location.type == .int32 ? 2_147_483_647 : 4_294_967_295
            }
            image.set(raw, table: location.table, address: location.address, type: location.type, order: location.order)
        }
        return image
    }

    /// How this device answers one Modbus request at a plant time.
    public func modbusReply(to request: ModbusRequest, at time: Int64) -> ModbusReply {
        var delay = 0.0
        for fault in activeFaults(at: time) {
            switch fault.kind {
            case .dropConnection:
                if case .modbusRTU = device.connection { return ModbusReply(.silence) }
                return ModbusReply(.disconnect)
            case .exception(let code): return ModbusReply(.exception(code: code))
            case .slowResponse(let seconds): delay = max(delay, seconds)
            default: break
            }
        }
        return ModbusReply(.serve(modbusImage(at: time)), delaySeconds: delay)
    }

    // MARK: MQTT

    /// The JSON payload this device publishes at a plant time, or `nil` while its connection is dropped.
    public func mqttPayload(at time: Int64) -> [UInt8]? {
        let active = activeFaults(at: time)
        if active.contains(where: { $0.kind == .dropConnection }) { return nil }
        if active.contains(where: { $0.kind == .garbledPayload }) { return Array("{\"pressure\": 8.1e2, oops".utf8) }
        let values = engineeringValues(at: time)
        var entries: [(path: String, value: JSONValue)] = []
        if case .mqtt(let subscription) = device.connection, let path = subscription.timestampPath {
            entries.append((path, .number(Double(time) / 1000)))
        }
        for signal in device.signals {
            guard case .json(let path) = signal.source, let value = values[signal.name] else { continue }
            let raw = signal.rawValue(engineering: value)
            entries.append((path, raw.isFinite ? .number(raw) : .null))
        }
        return Array(JSONValue.object(fromPaths: entries).serialized.utf8)
    }
}
