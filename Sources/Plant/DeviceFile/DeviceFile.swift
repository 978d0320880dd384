public import Fieldbus

/// One furnace or pump as described by its device file (`devices/*.yaml`).
///
/// A device file is the whole of onboarding: identity, how to reach the device, which signals to read and how to
/// decode them, the furnace's static attributes and how to recognise a pumping event. See `docs/device-files.md`.
public struct DeviceFile: Sendable, Equatable {
    /// Stable identifier used in the database, in MQTT topics and in model features (`furnace-a`).
    public var id: String
    /// What the device is (`esr-furnace`, `vacuum-pump`, ...); free text, used for grouping.
    public var kind: String
    /// A human-readable name for logs and dashboards.
    public var name: String
    /// How to reach the device.
    public var connection: Connection
    /// Time between two polls, in seconds (default 30). For MQTT devices, the expected time between messages.
    public var pollIntervalSeconds: Double
    /// The signals to read, in file order.
    public var signals: [SignalDefinition]
    /// Static attributes of the furnace (chamber volume, pump nominal speed, ...), in file order.
    public var attributes: [StaticAttribute]
    /// How to recognise a pumping event and what counts as a failed one; `nil` for devices without events.
    public var event: EventDefinition?

    /// Creates a device; `DeviceFileLoader` makes these from files.
    public init(
        id: String, kind: String, name: String, connection: Connection, pollIntervalSeconds: Double = 30,
        signals: [SignalDefinition], attributes: [StaticAttribute] = [], event: EventDefinition? = nil
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.connection = connection
        self.pollIntervalSeconds = pollIntervalSeconds
        self.signals = signals
        self.attributes = attributes
        self.event = event
    }

    /// The poll intervals a device file may give, in seconds: 100 ms to a day. Every use converts the interval to
    /// integer milliseconds, which this keeps exact and far from overflow.
    public static let pollIntervalRange: ClosedRange<Double> = 0.1...86_400
    /// The `max_duration` a pressure rule may give, in seconds: a millisecond to 30 days.
    public static let maximumEventDurationRange: ClosedRange<Double> = 0.001...(30 * 86_400)

    /// The signal with this name, if any.
    public func signal(named name: String) -> SignalDefinition? {
        signals.first { $0.name == name }
    }

    /// The value of a static attribute, if present.
    public func attribute(named name: String) -> Double? {
        attributes.first { $0.name == name }?.value
    }
}

/// A numeric static attribute of a device (`chamber_volume_m3: 12.5`).
public struct StaticAttribute: Sendable, Equatable {
    /// The attribute's key in the file, with its unit (`chamber_volume_m3`).
    public var name: String
    /// The value, in the unit the name gives.
    public var value: Double

    /// Creates an attribute.
    public init(name: String, value: Double) {
        self.name = name
        self.value = value
    }
}

/// How Hearth reaches a device.
public enum Connection: Sendable, Equatable {
    case modbusTCP(ModbusTCPEndpoint)
    case modbusRTU(ModbusRTUEndpoint)
    case mqtt(MQTTSubscription)

    /// The connection type as written in a device file (`modbus-tcp`, `modbus-rtu`, `mqtt`).
    public var typeName: String {
        switch self {
        case .modbusTCP: "modbus-tcp"
        case .modbusRTU: "modbus-rtu"
        case .mqtt: "mqtt"
        }
    }
}

/// A Modbus TCP server (a PLC, a gateway) and the unit to address on it.
public struct ModbusTCPEndpoint: Sendable, Equatable {
    /// Host name or IP address of the PLC or gateway.
    public var host: String
    /// TCP port (default 502).
    public var port: Int
    /// Modbus unit identifier (default 1; 0...255 over TCP).
    public var unitID: Int
    /// Response timeout for one request, in seconds (default 1).
    public var timeoutSeconds: Double

    /// Creates an endpoint with the device-file defaults.
    public init(host: String, port: Int = 502, unitID: Int = 1, timeoutSeconds: Double = 1) {
        self.host = host
        self.port = port
        self.unitID = unitID
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A Modbus RTU slave on a serial line.
public struct ModbusRTUEndpoint: Sendable, Equatable {
    /// Serial device path (`/dev/ttyUSB0`, `/dev/ttyS1`, or a pseudo-terminal).
    public var device: String
    /// Serial rate in bits per second (default 19200).
    public var baud: Int
    /// Parity (default even, Modbus's 8E1).
    public var parity: SerialParity
    /// Data bits per character, 5...8 (default 8).
    public var dataBits: Int
    /// Stop bits, 1 or 2 (default 1).
    public var stopBits: Int
    /// Modbus slave address, 1...247.
    public var unitID: Int
    /// Response timeout for one request, in seconds (default 1).
    public var timeoutSeconds: Double

    /// Creates an endpoint with the device-file defaults.
    public init(
        device: String, baud: Int = 19200, parity: SerialParity = .even, dataBits: Int = 8, stopBits: Int = 1,
        unitID: Int = 1, timeoutSeconds: Double = 1
    ) {
        self.device = device
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.unitID = unitID
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Serial parity, as written in a device file.
public enum SerialParity: String, Sendable, CaseIterable, Equatable {
    case none
    case even
    case odd
}

/// An MQTT topic on which a device publishes JSON payloads.
public struct MQTTSubscription: Sendable, Equatable {
    /// The topic to subscribe to (wildcards allowed).
    public var topic: String
    /// Dotted path of the payload's timestamp (seconds since the Unix epoch, or milliseconds when above 1e11);
    /// when absent the arrival time is used.
    public var timestampPath: String?

    /// Creates a subscription.
    public init(topic: String, timestampPath: String? = nil) {
        self.topic = topic
        self.timestampPath = timestampPath
    }
}

/// One sensor value read from a device, with how to decode and validate it.
public struct SignalDefinition: Sendable, Equatable {
    /// Unique name within the device (`chamber_pressure`).
    public var name: String
    /// Where the raw value comes from.
    public var source: SignalSource
    /// Engineering value = raw × `scale` + `offset`.
    public var scale: Double
    /// Added after scaling (default 0).
    public var offset: Double
    /// Engineering unit, for people (`mbar`, `°C`, `A`, `%`).
    public var unit: String?
    /// Valid engineering range; a value outside it is stored as invalid and never used as a number.
    public var validRange: ClosedRange<Double>?
    /// When set, this many consecutive identical readings mark the signal as stuck (stored as invalid).
    public var stuckAfter: Int?

    /// Creates a signal with the device-file defaults.
    public init(
        name: String, source: SignalSource, scale: Double = 1, offset: Double = 0, unit: String? = nil,
        validRange: ClosedRange<Double>? = nil, stuckAfter: Int? = nil
    ) {
        self.name = name
        self.source = source
        self.scale = scale
        self.offset = offset
        self.unit = unit
        self.validRange = validRange
        self.stuckAfter = stuckAfter
    }

    /// The engineering value of a raw decoded value.
    public func engineeringValue(raw: Double) -> Double { raw * scale + offset }

    /// The raw value that yields an engineering value (the simulator uses this to serve registers).
    public func rawValue(engineering: Double) -> Double { (engineering - offset) / scale }
}

/// Where a signal's raw value lives.
public enum SignalSource: Sendable, Equatable {
    /// A Modbus register or bit.
    case register(RegisterLocation)
    /// A field of an MQTT JSON payload, by dotted path (`pressure.value`, `sensors.0.temp`).
    case json(path: String)
}

/// A value's place in a Modbus table.
public struct RegisterLocation: Sendable, Equatable, Hashable {
    /// The table (which function code reads it).
    public var table: RegisterTable
    /// 0-based protocol address of the first register (or bit).
    public var address: Int
    /// How the registers decode (a `bool` in a bit table is one bit).
    public var type: ValueType
    /// The byte layout across registers (default `ABCD`).
    public var order: WordOrder

    /// Creates a location.
    public init(table: RegisterTable, address: Int, type: ValueType, order: WordOrder = .abcd) {
        self.table = table
        self.address = address
        self.type = type
        self.order = order
    }

    /// How many addresses the value occupies in its table (one bit for bit tables).
    public var width: Int { table.isBitTable ? 1 : type.registerCount }

    /// The addresses the value occupies.
    public var addresses: Range<Int> { address..<(address + width) }
}

/// How a device's pumping events are recognised and judged.
public struct EventDefinition: Sendable, Equatable {
    /// What says an event is running.
    public var detection: EventDetection
    /// The signal carrying chamber pressure (its unit is the unit of `threshold`).
    public var pressureSignal: String
    /// An event fails when its minimum pressure stays above this value (same unit as the pressure signal).
    public var threshold: Double
    /// Optional signal carrying the last finished event's minimum pressure, as computed by the PLC.
    public var minimumSignal: String?

    /// Creates an event definition.
    public init(detection: EventDetection, pressureSignal: String, threshold: Double, minimumSignal: String? = nil) {
        self.detection = detection
        self.pressureSignal = pressureSignal
        self.threshold = threshold
        self.minimumSignal = minimumSignal
    }
}

/// The two ways to recognise a running pumping event.
public enum EventDetection: Sendable, Equatable {
    /// A boolean signal that is true while the event runs.
    case runningSignal(String)
    /// The event starts when pressure falls below `startBelow` and ends when it rises above `endAbove`
    /// (venting) or, if set, after `maximumDurationSeconds`.
    case pressureRule(startBelow: Double, endAbove: Double, maximumDurationSeconds: Double?)
}

extension SerialParity {
    /// The parity as the Modbus transport names it.
    public var transportParity: ModbusTransport.Parity {
        switch self {
        case .none: .none
        case .even: .even
        case .odd: .odd
        }
    }
}
